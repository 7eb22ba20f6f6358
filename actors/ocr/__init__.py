"""The ocr actor: receipts recorded, read by Tesseract off the event loop in a bounded pool
(pure parts: ``imaging`` decoding and preprocessing, ``extract`` fields from text; ``reader``
runs Tesseract), duplicates found by perceptual hash."""

from __future__ import annotations

from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from actors.ocr.receipts import fail_receipt, record_receipt, rescan_receipt, scan_receipt
from actors.ocr.runtime import OcrRuntime
from bus.receipts import FailReceipt, RecordReceipt, RescanReceipt, ScanReceipt

OCR = ActorDefinition(
    name="ocr",
    handlers=handlers(
        on(RecordReceipt, record_receipt),
        on(ScanReceipt, scan_receipt),
        on(FailReceipt, fail_receipt),
        on(RescanReceipt, rescan_receipt),
    ),
    runtime=OcrRuntime,
    batch_max=2,  # each scan is read before its transaction: small batches keep acks prompt
    emits=("receipt.created", "receipt.scanned", "receipt.failed", "receipt.retried"),
)
