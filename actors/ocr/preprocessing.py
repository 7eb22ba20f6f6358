"""A receipt photo made easy for Tesseract: grey, full contrast, text large enough, level, and
specks erased when the page is speckled.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from PIL import Image, ImageFilter, ImageOps
from scipy import ndimage  # type: ignore[import-untyped]

from actors.ocr.ink import find_marks
from actors.ocr.skew import deskew

TARGET_WIDTH: Final = 1400  # receipt-shaped images are enlarged to at least this width
MAX_SCALE: Final = 4.0
WORK_MAX_PIXELS: Final = 16_000_000  # never enlarge past this many pixels
WORK_MAX_SIDE: Final = 8000


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


def erase_specks(gray: Image.Image) -> Image.Image:
    """``gray`` with small marks far from any glyph painted white (noise, leader dots)."""
    array = np.asarray(gray, dtype=np.uint8)
    marks = find_marks(array < 200)
    drop = (marks.labels > 0) & ~marks.text[marks.labels]
    if not drop.any():
        return gray
    drop = ndimage.binary_dilation(drop, iterations=1)
    out = array.copy()
    out[drop] = 255
    return Image.fromarray(out)
