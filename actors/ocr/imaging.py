"""Receipt images before OCR: decoding uploads safely, cleaning them up, and hashing them.

Pure image handling with Pillow and numpy (no Tesseract here). ``load_image`` turns an upload
into a decoded image or raises :class:`UnreadableImage` with a reason a person can act on;
``preprocess`` makes a photo easy for Tesseract (grey, full contrast, text large enough, level);
``perceptual_hash`` fingerprints the receipt so the same paper photographed twice matches.
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
from dataclasses import dataclass
from typing import Final

import imagehash
import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from scipy import ndimage  # type: ignore[import-untyped]

MAX_PIXELS: Final = 40_000_000
"""Largest image accepted (width x height), checked before any pixel is decoded."""
MIN_SIDE: Final = 50
"""Smallest width or height that can hold a readable receipt."""
MAX_BYTES: Final = 50 * 1024 * 1024

PDF_DPI: Final = 200
PDF_MAX_PIXELS: Final = 16_000_000  # a rendered page is scaled down to stay within this
MAX_PDF_POINTS: Final = 14_400.0  # 200 inches: PDF's own page size limit

TARGET_WIDTH: Final = 1400  # receipt-shaped images are enlarged to at least this width
MAX_SCALE: Final = 4.0
WORK_MAX_PIXELS: Final = 16_000_000  # never enlarge past this many pixels
WORK_MAX_SIDE: Final = 8000
MAX_SKEW: Final = 6.0  # degrees

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


# ---- loading --------------------------------------------------------------------------------


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


# ---- preprocessing --------------------------------------------------------------------------


def _ink(gray: Image.Image) -> npt.NDArray[np.bool_]:
    """Dark pixels (Otsu's threshold) of a grey image."""
    array = np.asarray(gray, dtype=np.uint8)
    hist = np.bincount(array.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return np.zeros(array.shape, dtype=bool)
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * levels)
    overall = mean[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (overall * weight / total - mean) ** 2 / (weight * (total - weight))
    between = np.nan_to_num(between, nan=0.0, posinf=0.0)
    threshold = int(np.argmax(between))
    return array <= threshold


def _profile_score(
    ys: npt.NDArray[np.float64], xs: npt.NDArray[np.float64], degrees: float
) -> float:
    angle = math.radians(degrees)
    rows = np.round(ys * math.cos(angle) - xs * math.sin(angle)).astype(np.int64)
    counts = np.bincount(rows - rows.min())
    return float(np.dot(counts, counts))


def estimate_skew(img: Image.Image) -> float:
    """The angle (degrees, counter-clockwise, within ±MAX_SKEW) the text lines are tilted by:
    the rotation that gives the sharpest row profile of the ink, on a small binarised copy."""
    gray = img.convert("L")
    scale = min(1.0, 700 / max(gray.width, 1))
    if scale < 1.0:
        gray = gray.resize(
            (max(1, round(gray.width * scale)), max(1, round(gray.height * scale))),
            Image.Resampling.BILINEAR,
        )
    ink = _ink(gray)
    ys_i, xs_i = np.nonzero(ink)
    if len(ys_i) < 50 or len(ys_i) > 0.5 * ink.size:  # blank, or no paper to speak of
        return 0.0
    if len(ys_i) > 60_000:
        pick = np.random.default_rng(0).choice(len(ys_i), 60_000, replace=False)
        ys_i, xs_i = ys_i[pick], xs_i[pick]
    ys = ys_i.astype(np.float64)
    xs = xs_i.astype(np.float64)
    best, best_score = 0.0, _profile_score(ys, xs, 0.0)
    step = 0.5
    for candidate in np.arange(-MAX_SKEW, MAX_SKEW + step / 2, step):
        score = _profile_score(ys, xs, float(candidate))
        if score > best_score:
            best, best_score = float(candidate), score
    centre = best
    for candidate in np.arange(centre - step, centre + step + 0.01, 0.1):
        if abs(candidate) > MAX_SKEW:
            continue
        score = _profile_score(ys, xs, float(candidate))
        if score > best_score:
            best, best_score = float(candidate), score
    return round(-best, 2) + 0.0


def deskew(img: Image.Image) -> Image.Image:
    """``img`` rotated so its text lines are level (white fills the corners)."""
    angle = estimate_skew(img)
    if abs(angle) < 0.2:
        return img
    fill = 255 if img.mode == "L" else (255, 255, 255)
    return img.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def _work_scale(width: int, height: int) -> float:
    """How much to enlarge an image so receipt text is ~30 px high, within the size caps."""
    if width <= 0 or height <= 0:
        return 1.0
    scale = max(1.0, TARGET_WIDTH / width) if height >= 0.8 * width else max(1.0, 1000 / height)
    scale = min(scale, MAX_SCALE)
    scale = min(
        scale, math.sqrt(WORK_MAX_PIXELS / (width * height)), WORK_MAX_SIDE / max(width, height)
    )
    return scale  # below 1.0 for images over the caps: they are shrunk, never kept whole


def preprocess(img: Image.Image) -> Image.Image:
    """A grey, full-contrast, level copy of ``img`` with text large enough for Tesseract, and
    isolated specks (noise, dotted leaders) erased when the page is speckled."""
    gray = img.convert("L")
    gray = ImageOps.autocontrast(gray, cutoff=(0.5, 0.5))
    speckled = _speckled(gray)
    if speckled:
        gray = gray.filter(ImageFilter.MedianFilter(3))
    scale = _work_scale(gray.width, gray.height)
    if abs(scale - 1.0) > 0.01:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        gray = gray.resize(size, Image.Resampling.LANCZOS)
    gray = deskew(gray)
    if speckled:
        gray = erase_specks(gray)
    return gray


def _speckled(gray: Image.Image) -> bool:
    """Whether salt-and-pepper noise is sprinkled over the page (isolated dark pixels)."""
    array = np.asarray(gray, dtype=np.uint8)
    if array.shape[0] < 8 or array.shape[1] < 8:
        return False
    dark = array < 128
    neighbours = dark[:-2, 1:-1].astype(np.int8) + dark[2:, 1:-1] + dark[1:-1, :-2] + dark[1:-1, 2:]
    lone = dark[1:-1, 1:-1] & (neighbours == 0)
    return bool(lone.mean() > 0.0005)


@dataclass(frozen=True, slots=True)
class _Marks:
    """Connected marks on the page: which are text, which are specks far from any text."""

    labels: npt.NDArray[np.int32]
    glyph: npt.NDArray[np.bool_]  # per label (index 0: background): glyph-sized
    text: npt.NDArray[np.bool_]  # per label: glyph-sized or next to a glyph (dots, accents)
    height: float  # typical glyph height, pixels


def _marks(ink: npt.NDArray[np.bool_], reach: float = 0.5, small: float = 0.3) -> _Marks:
    labels, count = ndimage.label(ink)
    labels = labels.astype(np.int32)
    text = np.zeros(count + 1, dtype=bool)
    if count == 0:
        return _Marks(labels, text, text, 30.0)
    boxes = ndimage.find_objects(labels)
    heights = np.array([b[0].stop - b[0].start for b in boxes], dtype=np.float64)
    widths = np.array([b[1].stop - b[1].start for b in boxes], dtype=np.float64)
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    glyphish = (heights >= 8) & (areas >= 30) & (heights < 0.25 * ink.shape[0])
    height = float(np.median(heights[glyphish])) if glyphish.any() else 30.0
    big = (heights >= small * height) | (widths >= small * height)
    text[1:] = big
    glyph = text.copy()
    radius = max(1, int(reach * height))
    near = ndimage.maximum_filter(text[labels], size=2 * radius + 1)
    text[np.unique(labels[near & ink])] = True
    text[0] = False
    return _Marks(labels, glyph, text, height)


def erase_specks(gray: Image.Image) -> Image.Image:
    """``gray`` with small marks far from any glyph painted white (noise, leader dots)."""
    array = np.asarray(gray, dtype=np.uint8)
    marks = _marks(array < 200)
    drop = (marks.labels > 0) & ~marks.text[marks.labels]
    if not drop.any():
        return gray
    drop = ndimage.binary_dilation(drop, iterations=1)
    out = array.copy()
    out[drop] = 255
    return Image.fromarray(out)


@dataclass(frozen=True, slots=True)
class TextRow:
    """A line of text on the page: its vertical extent and the horizontal runs of words in it
    (columns separated by wide gaps, such as a description and its amount)."""

    top: int
    bottom: int
    segments: tuple[tuple[int, int], ...]

    @property
    def height(self) -> int:
        return self.bottom - self.top


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, stop) of each run of True."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _split_tall(
    profile: npt.NDArray[np.float64], top: int, bottom: int, typical: float
) -> list[tuple[int, int]]:
    """Split a band holding several touching lines at its deepest valleys."""
    if bottom - top < 1.8 * typical:
        return [(top, bottom)]
    inner = profile[top:bottom]
    lo, hi = int(0.3 * typical), (bottom - top) - int(0.3 * typical)
    if hi <= lo:
        return [(top, bottom)]
    cut = lo + int(np.argmin(inner[lo:hi]))
    if inner[cut] > 0.25 * float(inner.max()):
        return [(top, bottom)]
    return _split_tall(profile, top, top + cut, typical) + _split_tall(
        profile, top + cut, bottom, typical
    )


def find_rows(gray: Image.Image, gap: float = 1.0) -> list[TextRow]:
    """The text lines of a level, preprocessed page, top to bottom; within each line, runs of
    ink separated by more than ``gap`` line heights are separate segments."""
    gray = gray.convert("L")
    ink = _ink(gray)
    if not ink.any() or ink.mean() > 0.5:
        return []
    marks = _marks(ink)
    glyphs = marks.glyph[marks.labels]
    text = marks.text[marks.labels]
    profile = glyphs.sum(axis=1).astype(np.float64)
    profile = np.convolve(profile, np.ones(3) / 3, mode="same")
    bands: list[tuple[int, int]] = []
    for a, b in _runs(profile > max(2.0, 0.01 * gray.width)):
        if bands and a - bands[-1][1] <= 2:
            bands[-1] = (bands[-1][0], b)
        else:
            bands.append((a, b))
    if not bands:
        return []
    typical = float(np.median([b - a for a, b in bands]))
    typical = max(typical, 0.8 * marks.height)
    split: list[tuple[int, int]] = []
    for a, b in bands:
        split.extend(_split_tall(profile, a, b, typical))
    rows: list[TextRow] = []
    for a, b in split:
        height = b - a
        if height < 0.8 * marks.height:  # rules of - = * and dotted leaders
            continue
        columns = np.asarray(text[a:b].any(axis=0), dtype=bool)
        segments: list[tuple[int, int]] = []
        for x0, x1 in _runs(columns):
            if segments and x0 - segments[-1][1] < gap * height:
                segments[-1] = (segments[-1][0], x1)
            else:
                segments.append((x0, x1))
        kept = tuple((x0, x1) for x0, x1 in segments if x1 - x0 >= 0.25 * height)
        if kept:
            rows.append(TextRow(a, b, kept))
    return rows


# ---- hashing --------------------------------------------------------------------------------


def perceptual_hash(img: Image.Image) -> str:
    """A 64-bit perceptual hash (hex) of the receipt: computed on a small, level, grey copy
    cropped to where the ink is dense (specks and margins do not move the crop), so a second
    photo of the same paper gives a hash a few bits away."""
    gray = img.convert("L")
    gray.thumbnail((512, 512), Image.Resampling.LANCZOS)
    gray = ImageOps.autocontrast(gray, cutoff=(0.5, 0.5))
    gray = deskew(gray)
    ink = _ink(gray)
    if 0 < ink.mean() < 0.5:
        smooth = np.ones(5) / 5
        rows = np.flatnonzero(np.convolve(ink.mean(axis=1), smooth, mode="same") > 0.02)
        cols = np.flatnonzero(np.convolve(ink.mean(axis=0), smooth, mode="same") > 0.02)
        if len(rows) and len(cols) and rows[-1] - rows[0] >= 8 and cols[-1] - cols[0] >= 8:
            gray = gray.crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))
    gray = gray.resize((64, 64), Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(1))
    return str(imagehash.phash(gray, hash_size=8))
