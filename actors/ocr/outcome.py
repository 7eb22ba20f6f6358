"""What reading one receipt gave, prepared before the transaction that stores it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ReadReceipt:
    """The stored form of a scan: fields as JSON (amounts as decimal strings)."""

    fields: dict[str, Any]
    confidence: dict[str, float]
    checks: dict[str, bool]
    text: str
    phash: str


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    scan: ReadReceipt | None = None
    failure: str | None = None  # why it could not be read
    duplicates: tuple[str, ...] = field(default_factory=tuple)
