"""Where the ink is on a grey receipt image: dark pixels by Otsu's threshold, and the connected
marks they form (which are text, which are specks far from any text).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import ndimage  # type: ignore[import-untyped]


def ink_mask(gray: Image.Image) -> npt.NDArray[np.bool_]:
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


@dataclass(frozen=True, slots=True)
class Marks:
    """Connected marks on the page: which are text, which are specks far from any text."""

    labels: npt.NDArray[np.int32]
    glyph: npt.NDArray[np.bool_]  # per label (index 0: background): glyph-sized
    text: npt.NDArray[np.bool_]  # per label: glyph-sized or next to a glyph (dots, accents)
    height: float  # typical glyph height, pixels


def find_marks(ink: npt.NDArray[np.bool_], reach: float = 0.5, small: float = 0.3) -> Marks:
    labels, count = ndimage.label(ink)
    labels = labels.astype(np.int32)
    text = np.zeros(count + 1, dtype=bool)
    if count == 0:
        return Marks(labels, text, text, 30.0)
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
    return Marks(labels, glyph, text, height)
