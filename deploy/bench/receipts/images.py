"""The receipts the benchmark uploads, rendered before anything is timed, and Tesseract alone:
a few of them read one at a time in this process, before the stack starts.

The receipts are the synthetic ones the tests use too (:mod:`deploy.synthetic.receipts`): every
upload is a different receipt (the same file uploaded again by the same person is the same
receipt and is not read again), mostly clean PNGs and a share of degraded JPEG "phone photos".
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bus.settings import Settings
from deploy.bench.receipts.results import AloneFigures, ImageFigures, ReadAlone
from deploy.bench.stats import latency_summary
from deploy.synthetic.receipts.generator import make_receipts
from deploy.synthetic.receipts.images import render as render_receipt
from deploy.synthetic.receipts.truth import SyntheticReceipt


@dataclass(frozen=True)
class Image:
    """One receipt as uploaded: the file, its type, and the total printed on it."""

    data: bytes
    content_type: str
    degraded: bool
    total: Decimal
    sha256: str

    @property
    def filename(self) -> str:
        return "receipt.jpg" if self.degraded else "receipt.png"


def degraded_at(index: int, share: float) -> bool:
    """Whether receipt ``index`` is a degraded photo: exactly ``share`` of any run of them,
    spread evenly."""
    return int((index + 1) * share) > int(index * share)


def render_images(seed: int, count: int, share: float) -> list[Image]:
    """``count`` different receipts, each rendered once, ``share`` of them degraded."""
    images = []
    for index, receipt in enumerate(make_receipts(seed, count)):
        degraded = degraded_at(index, share)
        data = render_receipt(receipt, degraded)
        kind = "image/jpeg" if degraded else "image/png"
        images.append(Image(data, kind, degraded, receipt.total, hashlib.sha256(data).hexdigest()))
    return images


def image_figures(images: list[Image], render_s: float) -> ImageFigures:
    """How many receipts were rendered, how many degraded, in how long, and their mean size."""
    return ImageFigures(
        count=len(images),
        degraded=sum(1 for i in images if i.degraded),
        render_s=round(render_s, 3),
        mean_kb=round(sum(len(i.data) for i in images) / len(images) / 1024, 1),
    )


def same_amount(read: object, printed: Decimal) -> bool:
    """Whether an amount read (text, or nothing) is the one printed."""
    if read is None:
        return False
    try:
        return Decimal(str(read)) == printed
    except InvalidOperation:
        return False


def read_kind(drawn: list[SyntheticReceipt], degraded: bool, timeout_ms: int) -> ReadAlone:
    """Each of ``drawn``, clean or degraded, read one at a time as the ocr actor reads it."""
    from actors.ocr.decoding import UnreadableImage
    from actors.ocr.reader import scan

    seconds: list[float] = []
    right = failed = 0
    for receipt in drawn:
        data = render_receipt(receipt, degraded)
        t0 = time.perf_counter()
        try:
            found = scan(data, "image/jpeg" if degraded else "image/png", timeout_ms)
        except UnreadableImage:
            failed += 1
        else:
            right += int(same_amount(found.fields.get("total"), receipt.total))
        seconds.append(time.perf_counter() - t0)
    return ReadAlone(read_ms=latency_summary(seconds), totals_right=right, failed=failed)


def read_alone(seed: int, count: int) -> AloneFigures:
    """``count`` clean and ``count`` degraded receipts read one at a time in this process, as
    the ocr actor reads each one (Tesseract included), before anything else runs."""
    if count <= 0:
        return AloneFigures(count=0)
    timeout_ms = int(Settings().ocr_timeout_s * 1000)
    drawn = make_receipts(seed + 1, count)
    return AloneFigures(
        count=count,
        clean=read_kind(drawn, False, timeout_ms),
        degraded=read_kind(drawn, True, timeout_ms),
    )
