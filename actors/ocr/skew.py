"""How far a receipt photo's text lines are tilted, and the photo turned level."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from actors.ocr.ink import ink_mask

MAX_SKEW: Final = 6.0  # degrees


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
    ink = ink_mask(gray)
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
