"""Receipt uploads read strictly at the edge: one multipart file under the size limit, of a kind
we read (by its bytes, not its name), whose header says a sane size — decided without decoding
the image, so the edge stays fast. Full decoding (a truncated file, say) is the ocr actor's,
which then marks the receipt failed with the reason."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from aiohttp import BodyPartReader, MultipartReader, web

from http_edge.problems import Problem

KINDS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
    "application/pdf": "PDF",
}
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/tif": "image/tiff",
    "image/x-tiff": "image/tiff",
    "application/x-pdf": "application/pdf",
}
MAX_JPEG_SCANS = 100  # a progressive JPEG has about ten; thousands only make decoding slow
MIN_SIDE = 50  # pixels: anything smaller cannot hold a readable receipt
FIELDS = ("file", "expense_id", "group_id", "auto_apply")
PDF_DPI = 200
TEXT_FIELD_BYTES = 200


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    content_type: str
    width: int
    height: int
    fields: dict[str, str]


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show, if one we read."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _bad(status: int, code: str, message: str) -> Problem:
    return Problem(
        status, code, message, errors=[{"loc": ["body", "file"], "msg": message, "type": code}]
    )


def image_size(data: bytes, max_pixels: int) -> tuple[int, int]:
    """Width and height from the header (nothing decoded); 413 for a decompression bomb."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bad(413, "too_many_pixels", f"the image has too many pixels ({exc})") from exc
        except Exception as exc:
            raise _bad(422, "unreadable_image", f"the image cannot be read: {exc}"[:300]) from exc
    if width * height > max_pixels:
        raise _bad(413, "too_many_pixels", f"{width}x{height} is over {max_pixels} pixels")
    return width, height


def pdf_size(data: bytes, max_pixels: int) -> tuple[int, int]:
    """The first page's size when rendered; 422 for a locked or empty PDF."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:  # judged from the file: PDFium's error codes linger
        if b"/Encrypt" in data:
            raise _bad(422, "unreadable_pdf", "the PDF is password-protected") from exc
        raise _bad(
            422, "unreadable_pdf", "the PDF is empty or damaged: no page can be read"
        ) from exc
    try:
        if len(pdf) == 0:
            raise _bad(422, "unreadable_pdf", "the PDF has no pages")
        points_w, points_h = pdf.get_page_size(0)  # from the page tree: its content is not parsed
    except pdfium.PdfiumError as exc:
        raise _bad(422, "unreadable_pdf", "the PDF's first page cannot be read") from exc
    finally:
        pdf.close()
    width, height = round(points_w * PDF_DPI / 72), round(points_h * PDF_DPI / 72)
    if width * height > max_pixels:
        raise _bad(
            413, "too_many_pixels", f"the first page is over {max_pixels} pixels at {PDF_DPI} dpi"
        )
    return max(width, 1), max(height, 1)


async def _read_part(part: BodyPartReader, limit: int, what: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise Problem(413, "too_large", f"{what} is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _next_part(reader: MultipartReader) -> object | None:
    """The next part; 400 for a body that is not the multipart it says it is."""
    try:
        return await reader.next()
    except ValueError as exc:
        raise Problem(
            400, "malformed_multipart", f"the multipart body cannot be read: {exc}"
        ) from exc


async def read_upload(request: web.Request, max_bytes: int, max_pixels: int) -> Upload:
    """The receipt upload of this request, checked; a problem response otherwise."""
    if request.content_type != "multipart/form-data":
        raise Problem(415, "unsupported_media_type", "send the receipt as multipart/form-data")
    if request.content_length is not None and request.content_length > max_bytes + 64 * 1024:
        raise Problem(413, "too_large", f"a receipt is at most {max_bytes} bytes")
    try:
        reader = await request.multipart()
    except ValueError as exc:  # no boundary in the Content-Type
        raise Problem(
            400, "malformed_multipart", f"the multipart body cannot be read: {exc}"
        ) from exc
    data: bytes | None = None
    declared = ""
    fields: dict[str, str] = {}
    while (part := await _next_part(reader)) is not None:  # each field once: the body stays bounded
        if not isinstance(part, BodyPartReader) or part.name not in FIELDS:
            name = getattr(part, "name", None)
            raise Problem(
                422,
                "validation",
                f"unknown field {name!r}",
                errors=[
                    {"loc": ["body", str(name)], "msg": "unknown field", "type": "extra_forbidden"}
                ],
            )
        if part.name == "file":
            if data is not None:
                raise _bad(422, "validation", "send one file")
            declared = (part.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            declared = ALIASES.get(declared, declared)
            data = await _read_part(part, max_bytes, "the file")
        else:
            if part.name in fields:
                raise Problem(422, "validation", f"send {part.name} once")
            raw = await _read_part(part, TEXT_FIELD_BYTES, part.name)
            fields[part.name] = raw.decode("utf-8", "replace").strip()
    if data is None:
        raise _bad(422, "validation", "the file is missing (a part named `file`)")
    if not data:
        raise _bad(422, "empty_file", "the file is empty")
    kind = sniff(data)
    if kind is None:
        raise _bad(415, "unsupported_media_type", "the file is not a JPEG, PNG, WebP, TIFF or PDF")
    if declared and declared not in ("application/octet-stream", kind) and declared in KINDS:
        raise _bad(
            415, "unsupported_media_type", f"sent as {declared} but the file is a {KINDS[kind]}"
        )
    if declared and declared not in KINDS and declared != "application/octet-stream":
        raise _bad(415, "unsupported_media_type", f"{declared} is not a receipt image or PDF")
    if kind == "image/jpeg" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        # 0xFF is stuffed inside compressed data, so each FFDA starts a scan.
        raise _bad(422, "unreadable_image", "the JPEG has too many scans to decode")
    if kind == "application/pdf":
        width, height = pdf_size(data, max_pixels)
    else:
        width, height = image_size(data, max_pixels)
        if min(width, height) < MIN_SIDE:
            raise _bad(
                422,
                "image_too_small",
                f"{width}x{height} is too small to read (at least {MIN_SIDE} px a side)",
            )
    return Upload(data, kind, width, height, fields)
