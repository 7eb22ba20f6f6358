"""Receipts (the ocr actor's): what a scan found, the receipt entity, and its commands.

A receipt is uploaded over HTTP (the file goes to GridFS first), recorded ``pending``, read
asynchronously by the ocr actor (``cmd.ocr.scan``) and ends ``scanned`` with its fields, their
confidences and the raw text, or ``failed`` with a reason — never pending for good.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from bus.entities import Entity
from bus.ids import derived_id
from bus.limits import Day, Description, EntityId, ShortText
from bus.money import Amount, CurrencyCode, PositiveAmount
from bus.payload import Payload

ReceiptStatus = Literal["pending", "scanned", "failed"]

Confidence = Annotated[float, Field(ge=0.0, le=1.0)]


class ReceiptItem(Entity):
    description: str
    quantity: Amount | None = None
    amount: Amount


class ReceiptFields(Entity):
    merchant: str | None = None
    date: dt.date | None = None
    total: Amount | None = None
    subtotal: Amount | None = None
    tax: Amount | None = None
    tip: Amount | None = None
    currency: str | None = None
    items: list[ReceiptItem] = Field(default_factory=list)


class Receipt(Entity):
    id: str
    owner_id: str
    status: ReceiptStatus
    reason: str | None = Field(None, description="Why it failed.")
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    expense_id: str | None = None
    group_id: str | None = None
    auto_apply: bool = False
    fields: ReceiptFields = Field(default_factory=ReceiptFields)
    confidence: dict[str, Confidence] = Field(default_factory=dict)
    checks: dict[str, bool] = Field(
        default_factory=dict, description="Totals cross-checked: items vs subtotal, sum vs total."
    )
    text: str = ""
    phash: str | None = Field(None, description="Perceptual hash of the image (hex).")
    duplicates: list[str] = Field(
        default_factory=list,
        description="Receipts of the same image seen before (yours or your groups').",
    )
    version: int
    created_at: datetime
    updated_at: datetime
    scanned_at: datetime | None = None


class RecordReceipt(Payload):
    """Sent by the edge after the file is stored: record the receipt (pending)."""

    COMMAND: ClassVar[str] = "receipt.record"
    ACTOR: ClassVar[str] = "ocr"

    id: EntityId
    file_id: str = Field(max_length=64)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content_type: str = Field(max_length=100)
    size: int = Field(ge=1)
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    expense_id: EntityId | None = None
    group_id: EntityId | None = None
    auto_apply: bool = False


class ScanReceipt(Payload):
    COMMAND: ClassVar[str] = "receipt.scan"
    ACTOR: ClassVar[str] = "ocr"

    id: EntityId


class RescanReceipt(Payload):
    """A failed receipt uploaded again: pending once more, to be read again."""

    COMMAND: ClassVar[str] = "receipt.rescan"
    ACTOR: ClassVar[str] = "ocr"

    id: EntityId


class FailReceipt(Payload):
    """A receipt that could not be read in time (sent by the ocr actor's sweeper)."""

    COMMAND: ClassVar[str] = "receipt.fail"
    ACTOR: ClassVar[str] = "ocr"

    id: EntityId
    reason: ShortText


class ApplyReceipt(Payload):
    """Make an expense from a scanned receipt, or fill its linked one; fields given here win
    over what was read. Beyond this schema: an ``amount`` given without ``currency`` has no
    more decimals than the receipt's currency (or your home currency)."""

    id: EntityId
    amount: PositiveAmount | None = None
    currency: CurrencyCode | None = None
    date: Day | None = None
    merchant: ShortText | None = None
    description: Description | None = None
    category_id: EntityId | None = None


def scan_command_id(receipt_id: str, version: int) -> str:
    """The one id of the scan of this version of a receipt (the edge's, or the sweeper's
    again); a failed receipt sent to be read again has a new version, so a new scan."""
    return derived_id("receipt-scan", receipt_id, str(version))


def fail_command_id(receipt_id: str) -> str:
    return derived_id("receipt-fail", receipt_id)
