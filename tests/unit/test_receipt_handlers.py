"""The ocr actor's receipt commands decided on the in-memory unit of work: a receipt recorded
once per id, a scan storing what the runtime read before the transaction (``work.prepared``),
a receipt failed by the sweeper, and a failed one sent to be read again. No server is started
and no image is read."""

from __future__ import annotations

import pytest

from actors.kernel import Decision
from actors.ocr.outcome import ReadReceipt, ScanOutcome
from actors.ocr.receipts import fail_receipt, record_receipt, rescan_receipt, scan_receipt
from bus.ids import user_scope
from bus.receipts import FailReceipt, RecordReceipt, RescanReceipt, ScanReceipt
from storage.accounts import UserDoc
from storage.receipts import ReceiptDoc
from tests.support import budget_docs as docs
from tests.support.fake_work import NOW, MemoryWork, command, decide

READ = ReadReceipt(
    fields={"merchant": "Cafe Rose", "date": "2026-11-20", "total": "12.50", "currency": "EUR"},
    confidence={"merchant": 0.9, "total": 0.8},
    checks={"items_match_subtotal": True},
    text="CAFE ROSE\nTOTAL 12.50",
    phash="f0f0f0f0f0f0f0f0",
)


def _record(receipt_id: str) -> RecordReceipt:
    return RecordReceipt(
        id=receipt_id,
        file_id=receipt_id,
        sha256="b" * 64,
        content_type="image/jpeg",
        size=2048,
        width=800,
        height=1200,
    )


async def _scan(work: MemoryWork, receipt: ReceiptDoc) -> Decision:
    sent = command("receipt.scan", receipt.owner_id)
    return await decide(scan_receipt, sent, ScanReceipt(id=receipt.id), work)


async def _fail(work: MemoryWork, receipt_id: str, owner: str) -> Decision:
    sent = command("receipt.fail", owner)
    payload = FailReceipt(id=receipt_id, reason="could not be read in time")
    return await decide(fail_receipt, sent, payload, work)


async def _rescan(work: MemoryWork, who: UserDoc, receipt_id: str) -> Decision:
    sent = command("receipt.rescan", who.id)
    return await decide(rescan_receipt, sent, RescanReceipt(id=receipt_id), work)


async def test_a_receipt_is_recorded_pending_once_per_id(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    work = MemoryWork(ada, bob)
    receipt_id = docs.new_id()
    signed_out = await decide(
        record_receipt, command("receipt.record", None), _record(receipt_id), work
    )
    assert (signed_out.code, signed_out.message) == ("forbidden", "sign in first")
    made = await decide(
        record_receipt, command("receipt.record", ada.id), _record(receipt_id), work
    )
    assert made.entity is not None
    assert {k: made.entity[k] for k in ("id", "owner_id", "status", "version", "sha256")} == {
        "id": receipt_id,
        "owner_id": ada.id,
        "status": "pending",
        "version": 1,
        "sha256": "b" * 64,
    }
    assert "file_id" not in made.entity
    assert [(e.scope, e.type) for e in work.committed] == [(user_scope(ada.id), "receipt.created")]
    work = work.next()
    again = await decide(
        record_receipt, command("receipt.record", ada.id), _record(receipt_id), work
    )
    assert (again.accepted, again.entity, len(work.committed)) == (True, made.entity, 1)
    taken = await decide(
        record_receipt, command("receipt.record", bob.id), _record(receipt_id), work
    )
    assert (taken.code, taken.message) == ("validation", "this id is already taken")
    assert [(e.loc, e.msg) for e in taken.errors] == [(["id"], "choose another")]


async def test_a_scan_stores_what_was_read_once(documents: None) -> None:
    ada = docs.user("ada")
    receipt = docs.receipt(ada)
    outcome = ScanOutcome(READ, duplicates=("older-receipt",))
    work = MemoryWork(ada, receipt, prepared=outcome)
    scanned = await _scan(work, receipt)
    assert scanned.entity is not None
    assert {k: scanned.entity[k] for k in ("status", "text", "phash", "duplicates", "version")} == {
        "status": "scanned",
        "text": READ.text,
        "phash": READ.phash,
        "duplicates": ["older-receipt"],
        "version": 2,
    }
    assert (scanned.entity["fields"]["merchant"], scanned.entity["fields"]["total"]) == (
        "Cafe Rose",
        "12.50",
    )
    assert (scanned.entity["confidence"], scanned.entity["checks"]) == (
        READ.confidence,
        READ.checks,
    )
    assert work.one(ReceiptDoc, receipt.id).scanned_at == NOW
    [event] = work.committed
    assert (event.scope, event.type, event.data["before"]["status"]) == (
        receipt.scope,
        "receipt.scanned",
        "pending",
    )
    work = work.next(prepared=ScanOutcome(failure="the image is missing"))
    again = await _scan(work, receipt)  # a second scan of the same version changes nothing
    assert (again.entity, len(work.committed)) == (scanned.entity, 1)


async def test_a_scan_that_could_not_read_ends_failed_with_why(documents: None) -> None:
    ada = docs.user("ada")
    receipt = docs.receipt(ada)
    work = MemoryWork(ada, receipt, prepared=ScanOutcome(failure="took too long to read"))
    failed = await _scan(work, receipt)
    assert failed.entity is not None
    assert (failed.entity["status"], failed.entity["reason"]) == ("failed", "took too long to read")
    assert [e.type for e in work.committed] == ["receipt.failed"]


async def test_a_scan_without_its_record_or_its_reading_is_retried(documents: None) -> None:
    ada = docs.user("ada")
    receipt = docs.receipt(ada)
    unread = MemoryWork(ada, receipt, prepared=None)
    with pytest.raises(RuntimeError, match="was not read before its transaction"):
        await _scan(unread, receipt)
    unrecorded = MemoryWork(ada, prepared=ScanOutcome(READ))
    with pytest.raises(RuntimeError, match="is not recorded yet"):
        await _scan(unrecorded, receipt)
    assert (unread.staged, unread.events, unrecorded.staged) == ([], [], [])


async def test_the_sweeper_fails_only_a_receipt_still_pending(documents: None) -> None:
    ada = docs.user("ada")
    pending, scanned = docs.receipt(ada), docs.receipt(ada, status="scanned", version=2)
    work = MemoryWork(ada, pending, scanned)
    missing = await _fail(work, docs.new_id(), ada.id)
    assert (missing.code, missing.message) == ("not_found", "no such receipt")
    failed = await _fail(work, pending.id, ada.id)
    assert failed.entity is not None
    assert (failed.entity["status"], failed.entity["reason"], failed.version) == (
        "failed",
        "could not be read in time",
        2,
    )
    work = work.next()
    kept = await _fail(work, scanned.id, ada.id)
    assert (kept.entity is not None and kept.entity["status"], kept.version) == ("scanned", 2)
    assert [e.type for e in work.committed] == ["receipt.failed"]


async def test_a_failed_receipt_sent_again_is_pending_as_a_new_version(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    failed = docs.receipt(ada, status="failed", reason="blurred", scanned_at=NOW, version=2)
    scanned = docs.receipt(ada, status="scanned", version=2)
    work = MemoryWork(ada, bob, failed, scanned)
    for who, receipt_id in ((bob, failed.id), (ada, docs.new_id())):
        lost = await _rescan(work, who, receipt_id)
        assert (lost.code, lost.message) == ("not_found", "no such receipt")
    again = await _rescan(work, ada, failed.id)
    assert again.entity is not None
    assert {k: again.entity[k] for k in ("status", "reason", "scanned_at", "version")} == {
        "status": "pending",
        "reason": None,
        "scanned_at": None,
        "version": 3,
    }
    assert [(e.type, e.data["before"]["reason"]) for e in work.committed] == [
        ("receipt.retried", "blurred")
    ]
    work = work.next()
    kept = await _rescan(work, ada, scanned.id)
    assert (kept.version, len(work.committed)) == (2, 1)
