"""Reading synthetic receipts end to end through real Tesseract: only the image bytes go in."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from PIL import Image

from actors.ocr.decoding import UnreadableImage
from actors.ocr.reader import Scan, scan
from bus.receipts import ReceiptFields
from deploy.synthetic.receipts.generator import make_receipts
from deploy.synthetic.receipts.images import render
from deploy.synthetic.receipts.truth import SyntheticReceipt

SEED = 4242  # a sample of its own: not a seed anything was tuned on
COUNT = 12


def _read(receipt: SyntheticReceipt, degraded: bool) -> Scan:
    content_type = "image/jpeg" if degraded else "image/png"
    return scan(render(receipt, degraded), content_type)


@pytest.fixture(scope="module")
def sample() -> list[SyntheticReceipt]:
    return make_receipts(SEED, COUNT)


@pytest.fixture(scope="module")
def clean_scans(sample: list[SyntheticReceipt]) -> list[Scan]:
    with ThreadPoolExecutor(2) as pool:  # a Tesseract engine per thread
        return list(pool.map(lambda r: _read(r, False), sample))


@pytest.fixture(scope="module")
def degraded_scans(sample: list[SyntheticReceipt]) -> list[Scan]:
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda r: _read(r, True), sample))


def _right(sample: list[SyntheticReceipt], scans: list[Scan], name: str) -> int:
    return sum(1 for r, s in zip(sample, scans, strict=True) if s.fields[name] == getattr(r, name))


def test_clean_receipts(sample: list[SyntheticReceipt], clean_scans: list[Scan]) -> None:
    assert _right(sample, clean_scans, "total") >= 11
    assert _right(sample, clean_scans, "date") >= 11
    assert _right(sample, clean_scans, "currency") >= 11
    merchants = sum(
        1
        for r, s in zip(sample, clean_scans, strict=True)
        if (s.fields["merchant"] or "").replace(" ", "").casefold()
        == r.merchant.replace(" ", "").casefold()
    )
    assert merchants >= 10


def test_degraded_receipts(sample: list[SyntheticReceipt], degraded_scans: list[Scan]) -> None:
    assert _right(sample, degraded_scans, "total") >= 10
    assert _right(sample, degraded_scans, "date") >= 10


def test_a_scan_is_complete(sample: list[SyntheticReceipt], clean_scans: list[Scan]) -> None:
    first, found = sample[0], clean_scans[0]
    fields = ReceiptFields.model_validate(found.fields)
    assert isinstance(fields.total, Decimal)
    assert set(found.confidence) == set(ReceiptFields.model_fields)
    assert all(0.0 <= c <= 1.0 for c in found.confidence.values())
    assert found.confidence["total"] > 0.5
    assert found.text.strip()
    assert len(found.phash) == 16
    with Image.open(io.BytesIO(render(first, False))) as img:
        assert (found.width, found.height) == img.size


def test_the_same_receipt_twice_hashes_alike(
    clean_scans: list[Scan], degraded_scans: list[Scan]
) -> None:
    close = sum(
        1
        for a, b in zip(clean_scans, degraded_scans, strict=True)
        if (int(a.phash, 16) ^ int(b.phash, 16)).bit_count() <= 6
    )
    assert close >= COUNT - 1


def test_a_timeout_is_a_reason_not_a_hang(sample: list[SyntheticReceipt]) -> None:
    with pytest.raises(UnreadableImage, match="took too long"):
        scan(render(sample[0], False), "image/png", timeout_ms=1)


def test_a_page_without_text() -> None:
    buffer = io.BytesIO()
    Image.new("L", (600, 900), 255).save(buffer, format="PNG")
    with pytest.raises(UnreadableImage, match="no text"):
        scan(buffer.getvalue(), "image/png")


def test_a_bad_file_is_a_reason() -> None:
    with pytest.raises(UnreadableImage, match="not a PNG"):
        scan(b"this is not a picture", "image/png")
