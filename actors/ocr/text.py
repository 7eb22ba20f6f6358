"""What Tesseract read: text lines, top to bottom, each word with a 0..1 confidence.

The reader builds these from the engine's output; the field readers in :mod:`actors.ocr.fields`
take them apart. :func:`text_lines` turns plain text into the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class OcrWord:
    text: str
    confidence: float  # 0..1
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, right, bottom (pixels)


@dataclass(frozen=True, slots=True)
class OcrLine:
    words: tuple[OcrWord, ...]
    top: int = 0
    bottom: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        return mean(w.confidence for w in self.words)


@dataclass(frozen=True, slots=True)
class OcrText:
    lines: tuple[OcrLine, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def text_lines(text: str, confidence: float = 0.9) -> OcrText:
    """Plain text as OCR lines, every word with the same confidence (for text from elsewhere)."""
    lines = []
    for i, raw in enumerate(text.splitlines()):
        words = tuple(OcrWord(w, confidence) for w in raw.split())
        if words:
            lines.append(OcrLine(words, i * 30, i * 30 + 24))
    return OcrText(tuple(lines))


def mean(values: Iterable[float]) -> float:
    """The average, 0.0 for none (a line without words is not believed)."""
    items = list(values)
    return sum(items) / len(items) if items else 0.0
