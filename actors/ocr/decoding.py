"""Decoding a receipt upload safely: JPEG, PNG, WebP, TIFF or a PDF's first page, checked for
size before any pixel is decoded, flattened to RGB or grey; or :class:`UnreadableImage` with a
reason a person can act on.
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
from typing import Final

import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS: Final = 40_000_000
"""Largest image accepted (width x height), checked before any pixel is decoded."""
MIN_SIDE: Final = 50
"""Smallest width or height that can hold a readable receipt."""
MAX_BYTES: Final = 50 * 1024 * 1024

PDF_DPI: Final = 200
PDF_MAX_PIXELS: Final = 16_000_000  # a rendered page is scaled down to stay within this
MAX_PDF_POINTS: Final = 14_400.0  # 200 inches: PDF's own page size limit

# Pillow's own guard: above MAX_PIXELS it warns, above twice that it raises. The warning is
# turned into an error where images are opened, and our own check comes first anyway.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_FORMATS: Final[dict[str, tuple[str, str]]] = {
    # content type: (Pillow format, name in messages)
    "image/jpeg": ("JPEG", "JPEG"),
    "image/jpg": ("JPEG", "JPEG"),
    "image/pjpeg": ("JPEG", "JPEG"),
    "image/png": ("PNG", "PNG"),
    "image/webp": ("WEBP", "WebP"),
    "image/tiff": ("TIFF", "TIFF"),
    "image/tif": ("TIFF", "TIFF"),
}
PDF_TYPES: Final = frozenset({"application/pdf", "application/x-pdf"})
CONTENT_TYPES: Final = frozenset(_FORMATS) | PDF_TYPES


class UnreadableImage(ValueError):
    """An upload that cannot be read as a receipt; ``reason`` says why, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def load_image(data: bytes, content_type: str) -> Image.Image:
    """Decode an upload (JPEG, PNG, WebP, TIFF, or a PDF's first page) into an RGB or L image."""
    if not data:
        raise UnreadableImage("the file is empty")
    if len(data) > MAX_BYTES:
        raise UnreadableImage(f"the file is too large (over {MAX_BYTES // (1024 * 1024)} MB)")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in PDF_TYPES:
        img = _render_pdf(data)
    elif kind in _FORMATS:
        img = _decode(data, *_FORMATS[kind])
    else:
        raise UnreadableImage(
            f"unsupported file type {kind or 'none'!r} (JPEG, PNG, WebP, TIFF or PDF)"
        )
    if min(img.size) < MIN_SIDE:
        raise UnreadableImage(
            f"the image is too small ({img.width}x{img.height} pixels; at least {MIN_SIDE} each side)"
        )
    return img


def _too_many(width: int, height: int) -> UnreadableImage:
    return UnreadableImage(
        f"the image has too many pixels ({width}x{height}; at most {MAX_PIXELS:,} in all)"
    )


def _decode(data: bytes, pil_format: str, name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[pil_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnreadableImage(f"the image has too many pixels (at most {MAX_PIXELS:,})") from None
    except UnidentifiedImageError:
        raise UnreadableImage(f"the file is not a {name} image") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise UnreadableImage(f"the {name} image is corrupt ({_short(exc)})") from None
    with opened:
        width, height = opened.size
        if width * height > MAX_PIXELS:  # from the header, before any pixel is decoded
            raise _too_many(width, height)
        if width < 1 or height < 1:
            raise UnreadableImage(f"the {name} image has no pixels")
        try:
            opened.seek(0)  # the first frame or page only
            opened.load()  # a full decode: truncated data fails here, not later
            img = ImageOps.exif_transpose(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many(width, height) from None
        except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
            raise UnreadableImage(
                f"the {name} image is truncated or corrupt ({_short(exc)})"
            ) from None
        return _flatten(img)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:120]


def _flatten(img: Image.Image) -> Image.Image:
    """RGB or L, with any transparency laid on white paper."""
    if img.mode in {"RGB", "L"}:
        return img.copy()
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in {"RGBA", "LA", "PA", "RGBa", "La"}:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if img.mode in {"1", "I;16", "I;16B", "I;16L", "I", "F"}:
        if img.mode in {"I", "F"} or img.mode.startswith("I;16"):
            array = np.asarray(img, dtype=np.float64)
            low, high = float(array.min()), float(array.max())
            scaled = (array - low) * (255.0 / (high - low)) if high > low else np.zeros_like(array)
            return Image.fromarray(scaled.astype(np.uint8))
        return img.convert("L")
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV, palette


def _render_pdf(data: bytes) -> Image.Image:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # PDFium's error code can be stale when it reports success, so the file decides.
        is_pdf = data.lstrip()[:5] == b"%PDF-"
        if is_pdf and b"/Encrypt" in data:
            raise UnreadableImage("the PDF is password-protected") from None
        if (
            is_pdf
            and re.search(rb"/Type\s*/Pages\b", data)
            and not re.search(rb"/Count\s*[1-9]", data)
        ):
            raise UnreadableImage("the PDF has no pages") from None
        raise UnreadableImage(f"the file is not a readable PDF ({_short(exc)})") from None
    try:
        if len(pdf) < 1:
            raise UnreadableImage("the PDF has no pages")
        page = pdf[0]
        try:
            width_pt, height_pt = page.get_size()
            if not (0 < width_pt <= MAX_PDF_POINTS and 0 < height_pt <= MAX_PDF_POINTS):
                raise UnreadableImage("the PDF's first page has an impossible size")
            scale = PDF_DPI / 72
            pixels = width_pt * height_pt * scale * scale
            if pixels > PDF_MAX_PIXELS:
                scale *= math.sqrt(PDF_MAX_PIXELS / pixels)
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                return _flatten(bitmap.to_pil())
            finally:
                bitmap.close()
        finally:
            page.close()
    except UnreadableImage:
        raise
    except Exception as exc:
        raise UnreadableImage(f"the PDF's first page could not be drawn ({_short(exc)})") from None
    finally:
        pdf.close()
