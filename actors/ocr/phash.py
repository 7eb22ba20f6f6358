"""A receipt's perceptual hash: the same paper photographed twice gives hashes a few bits apart."""

from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image, ImageFilter, ImageOps

from actors.ocr.ink import ink_mask
from actors.ocr.skew import deskew


def perceptual_hash(img: Image.Image) -> str:
    """A 64-bit perceptual hash (hex) of the receipt: computed on a small, level, grey copy
    cropped to where the ink is dense (specks and margins do not move the crop), so a second
    photo of the same paper gives a hash a few bits away."""
    gray = img.convert("L")
    gray.thumbnail((512, 512), Image.Resampling.LANCZOS)
    gray = ImageOps.autocontrast(gray, cutoff=(0.5, 0.5))
    gray = deskew(gray)
    ink = ink_mask(gray)
    if 0 < ink.mean() < 0.5:
        smooth = np.ones(5) / 5
        rows = np.flatnonzero(np.convolve(ink.mean(axis=1), smooth, mode="same") > 0.02)
        cols = np.flatnonzero(np.convolve(ink.mean(axis=0), smooth, mode="same") > 0.02)
        if len(rows) and len(cols) and rows[-1] - rows[0] >= 8 and cols[-1] - cols[0] >= 8:
            gray = gray.crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))
    gray = gray.resize((64, 64), Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(1))
    return str(imagehash.phash(gray, hash_size=8))
