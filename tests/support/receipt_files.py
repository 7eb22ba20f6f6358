"""Files for the receipt tests: a small clear receipt, and every kind of bad upload."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw, ImageFont

from deploy.synthetic.receipts.typefaces import FONT_DIR as FONTS

RECEIPT_LINES = (
    "BLUE FERN CAFE",
    "12 Harbour Street",
    "Date: 2026-11-20",
    "",
    "Flat white            4.50",
    "Croissant             3.20",
    "Orange juice          5.30",
    "",
    "SUBTOTAL             13.00",
    "TAX                   1.30",
    "TOTAL EUR            14.30",
)


def receipt_png(lines: tuple[str, ...] = RECEIPT_LINES, width: int = 760) -> bytes:
    font = ImageFont.truetype(str(FONTS / "DejaVuSansMono.ttf"), 28)
    img = Image.new("L", (width, 60 + 42 * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for n, line in enumerate(lines):
        draw.text((30, 30 + 42 * n), line, font=font, fill=0)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def as_jpeg(png: bytes, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def as_pdf(png: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "PDF", resolution=150)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    whole = as_jpeg(receipt_png())
    return whole[: len(whole) // 2]


def many_scans_jpeg(scans: int = 500) -> bytes:
    """A JPEG whose extra scans would make decoding take minutes."""
    whole = as_jpeg(receipt_png())
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x00" * 40
    return whole[:-2] + scan * scans + b"\xff\xd9"


def tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (1, 1), 255).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 60_000) -> bytes:
    """A few hundred bytes whose header claims side x side pixels."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (side + 1) * 4, 9)  # a few rows; the header is what counts
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def empty_pdf() -> bytes:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    out = io.BytesIO()
    pdfium.PdfDocument.new().save(out)
    return out.getvalue()


def locked_pdf() -> bytes:
    """A PDF whose standard security handler refuses the empty password."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"4 0 obj<</Filter/Standard/V 1/R 2/O<"
        + b"11" * 32
        + b">/U<"
        + b"22" * 32
        + b">/P -4>>endobj\ntrailer<</Root 1 0 R/Encrypt 4 0 R/ID[<"
        + b"33" * 16
        + b"><"
        + b"33" * 16
        + b">]>>\n%%EOF\n"
    )
