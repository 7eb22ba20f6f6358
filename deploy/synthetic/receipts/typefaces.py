"""The fonts synthetic receipts are printed in (only those shipped beside this package, so
images are the same everywhere), and the size each line gets so it fits on the paper.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

from deploy.synthetic.receipts.truth import PrintLine, SyntheticReceipt

FONT_DIR = Path(__file__).parent / "fonts"

# Each family: (regular, bold). Bold falls back to a stroked regular where no bold is shipped.
FONT_FAMILIES: dict[str, tuple[str, str | None]] = {
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    "serif": ("DejaVuSerif.ttf", None),
    "condensed": ("DejaVuSansCondensed.ttf", "DejaVuSans-Bold.ttf"),
}


@cache
def load_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def line_font(
    receipt: SyntheticReceipt, line: PrintLine, room: float
) -> tuple[ImageFont.FreeTypeFont, int]:
    """The line's font, made smaller if the line would not fit on the paper (never cut)."""
    regular, bold = FONT_FAMILIES[receipt.font]
    name = bold if line.bold and bold is not None else regular
    stroke = 1 if line.bold and bold is None else 0
    size = round(receipt.font_size * line.size)
    while size > 10:
        font = load_font(name, size)
        gap = font.size if line.right else 0
        needed = line.indent * room + font.getlength(line.left) + gap + font.getlength(line.right)
        if needed <= room:
            break
        size -= 1
    return load_font(name, size), stroke
