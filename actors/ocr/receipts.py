"""Handlers of receipts: record an upload, store what a scan read (or why it failed)."""

from __future__ import annotations

from typing import Any

from actors.changes import change_data, next_version
from actors.kernel import Decision, accept, reject
from actors.ocr.outcome import ScanOutcome
from actors.work import Work
from bus.envelopes import Command
from bus.ids import user_scope
from bus.receipts import FailReceipt, RecordReceipt, RescanReceipt, ScanReceipt
from storage.receipt_reads import receipt_entity
from storage.receipts import ReceiptDoc


async def record_receipt(command: Command, p: RecordReceipt, work: Work) -> Decision:
    """A stored image becomes a pending receipt (the same file again is the same receipt)."""
    owner = command.actor.user_id
    if owner is None:
        return reject("forbidden", "sign in first")
    existing = await work.get(ReceiptDoc, p.id)
    if existing is not None:
        if existing.owner_id != owner:
            return reject("validation", "this id is already taken", id="choose another")
        return accept(receipt_entity(existing))
    doc = ReceiptDoc(
        id=p.id,
        scope=user_scope(owner),
        owner_id=owner,
        file_id=p.file_id,
        sha256=p.sha256,
        content_type=p.content_type,
        size=p.size,
        width=p.width,
        height=p.height,
        expense_id=p.expense_id,
        group_id=p.group_id,
        auto_apply=p.auto_apply,
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(doc)
    entity = receipt_entity(doc)
    work.emit(doc.scope, "receipt.created", change_data(entity))
    return accept(entity)


def _finish(work: Work, doc: ReceiptDoc, **changes: Any) -> Decision:
    done = next_version(doc, work.now, scanned_at=work.now, **changes)
    work.put(done)
    entity = receipt_entity(done)
    kind = "receipt.scanned" if done.status == "scanned" else "receipt.failed"
    work.emit(doc.scope, kind, change_data(entity, receipt_entity(doc)))
    return accept(entity)


async def scan_receipt(command: Command, p: ScanReceipt, work: Work) -> Decision:
    """Store what the runtime read before the transaction (``work.prepared``); a receipt
    already read is left as it is."""
    doc = await work.get(ReceiptDoc, p.id)
    if doc is None:  # its record is on its way (another process has it): try again soon
        raise RuntimeError(f"receipt {p.id} is not recorded yet")
    if doc.status != "pending":
        return accept(receipt_entity(doc))
    outcome = work.prepared
    if not isinstance(outcome, ScanOutcome):  # not read before this transaction: try again
        raise RuntimeError(f"receipt {doc.id} was not read before its transaction")
    if outcome.failure is not None:
        return _finish(work, doc, status="failed", reason=outcome.failure)
    scan = outcome.scan
    assert scan is not None
    return _finish(
        work,
        doc,
        status="scanned",
        fields=scan.fields,
        confidence=scan.confidence,
        checks=scan.checks,
        text=scan.text,
        phash=scan.phash,
        duplicates=list(outcome.duplicates),
    )


async def rescan_receipt(command: Command, p: RescanReceipt, work: Work) -> Decision:
    """A failed receipt uploaded again is pending again, as a new version to be read."""
    doc = await work.get(ReceiptDoc, p.id)
    if doc is None or doc.owner_id != command.actor.user_id:
        return reject("not_found", "no such receipt")
    if doc.status != "failed":
        return accept(receipt_entity(doc))
    again = next_version(doc, work.now, status="pending", reason=None, scanned_at=None)
    work.put(again)
    entity = receipt_entity(again)
    work.emit(doc.scope, "receipt.retried", change_data(entity, receipt_entity(doc)))
    return accept(entity)


async def fail_receipt(command: Command, p: FailReceipt, work: Work) -> Decision:
    """A receipt that could not be read in time ends failed, with the reason."""
    doc = await work.get(ReceiptDoc, p.id)
    if doc is None:
        return reject("not_found", "no such receipt")
    if doc.status != "pending":
        return accept(receipt_entity(doc))
    return _finish(work, doc, status="failed", reason=p.reason)
