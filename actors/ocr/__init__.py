"""The ocr actor: receipts recorded, read by Tesseract off the event loop in a bounded pool,
duplicates found by perceptual hash.

The image handling is pure Pillow and numpy (no Tesseract): ``decoding`` turns an upload into
a decoded image or raises ``UnreadableImage`` with a reason a person can act on;
``preprocessing`` makes a photo easy for Tesseract (grey, full contrast, text large enough,
level: ``skew``), ``rows`` finds its lines of text (``ink`` is where the dark pixels are), and
``phash`` fingerprints the receipt so the same paper photographed twice matches. ``extract``
reads the fields from the text; ``reader`` runs Tesseract.
"""

from __future__ import annotations

from actors.erasure import USER_DELETED
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from actors.ocr.erasure import erase_person
from actors.ocr.receipts import fail_receipt, record_receipt, rescan_receipt, scan_receipt
from actors.ocr.runtime import OcrRuntime
from actors.reads import own
from bus.receipts import FailReceipt, RecordReceipt, RescanReceipt, ScanReceipt
from storage.receipts import ReceiptDoc

_RECEIPT = (own(ReceiptDoc, "receipt"),)

OCR = ActorDefinition(
    name="ocr",
    handlers=handlers(
        on(RecordReceipt, record_receipt, reads=_RECEIPT),
        on(ScanReceipt, scan_receipt, reads=_RECEIPT),
        on(FailReceipt, fail_receipt, reads=_RECEIPT),
        on(RescanReceipt, rescan_receipt, reads=_RECEIPT),
    ),
    reactions={USER_DELETED: erase_person},
    runtime=OcrRuntime,
    batch_max=2,  # each scan is read before its transaction: small batches keep acks prompt
    emits=("receipt.created", "receipt.scanned", "receipt.failed", "receipt.retried"),
)
