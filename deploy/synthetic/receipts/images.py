"""Synthetic receipts as images: drawn on paper, and degraded like a quick phone photo."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from deploy.synthetic.receipts.truth import SyntheticReceipt
from deploy.synthetic.receipts.typefaces import line_font


def draw_receipt(receipt: SyntheticReceipt) -> Image.Image:
    margin = round(receipt.width * 0.06)
    room = receipt.width - 2 * margin
    spacing = 1.45
    heights = [round(receipt.font_size * line.size * spacing) for line in receipt.lines]
    height = sum(heights) + 2 * margin
    img = Image.new("L", (receipt.width, height), 255)
    draw = ImageDraw.Draw(img)
    y = margin
    for line, step in zip(receipt.lines, heights, strict=True):
        font, stroke = line_font(receipt, line, room)
        right_w = font.getlength(line.right) if line.right else 0.0
        x0 = margin + line.indent * room
        left = line.left
        left_w = font.getlength(left)
        if line.align == "center":
            x = margin + (room - left_w) / 2
        elif line.align == "right":
            x = margin + room - left_w
        else:
            x = x0
        if left:
            draw.text((x, y), left, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
        if line.right:
            draw.text(
                (margin + room - right_w, y),
                line.right,
                font=font,
                fill=0,
                stroke_width=stroke,
                stroke_fill=0,
            )
        if line.leader and line.right:
            gap_start = x + left_w + font.size * 0.5
            gap_end = margin + room - right_w - font.size * 0.5
            dot_w = font.getlength(line.leader + " ")
            if gap_end - gap_start > 3 * dot_w:
                dots = (line.leader + " ") * int((gap_end - gap_start) / dot_w)
                draw.text((gap_start, y), dots, font=font, fill=0)
        y += step
    return img


def degrade(img: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(-5.0, 5.0)
    out = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.2)))
    pixels = np.array(out, dtype=np.uint8)
    noise = np.random.default_rng(rng.getrandbits(64))
    count = int(pixels.size * 0.004)
    ys = noise.integers(0, pixels.shape[0] - 1, count)
    xs = noise.integers(0, pixels.shape[1] - 1, count)
    values = noise.choice(np.array([0, 255], dtype=np.uint8), count)
    pixels[ys, xs] = values
    big = noise.random(count) < 0.3  # some dots are 2x2
    pixels[ys[big] + 1, xs[big]] = values[big]
    pixels[ys[big], xs[big] + 1] = values[big]
    pixels[ys[big] + 1, xs[big] + 1] = values[big]
    out = Image.fromarray(pixels, mode="L")
    size = (round(out.width * 0.6), round(out.height * 0.6))
    return out.resize(size, Image.Resampling.BICUBIC)


def render(receipt: SyntheticReceipt, degraded: bool) -> bytes:
    """The receipt as image file bytes: a clean PNG, or a degraded JPEG (quality 40)."""
    img = draw_receipt(receipt)
    buffer = io.BytesIO()
    if degraded:
        degrade(img, random.Random(receipt.render_seed)).convert("RGB").save(
            buffer, format="JPEG", quality=40
        )
    else:
        img.save(buffer, format="PNG")
    return buffer.getvalue()
