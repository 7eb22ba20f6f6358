"""The lines of text on a preprocessed receipt page, each with its columns of words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from actors.ocr.ink import find_marks, ink_mask


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
    ink = ink_mask(gray)
    if not ink.any() or ink.mean() > 0.5:
        return []
    marks = find_marks(ink)
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
