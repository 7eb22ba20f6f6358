"""Receipts read with confidence make their expense by themselves, when uploaded with
``auto_apply``: a new expense (its id derived from the receipt, so once), or the expense the
receipt was uploaded for, filled in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from actors.changes import change_data, next_version
from actors.expenses.expenses import home_fields_of, new_expense_doc
from actors.expenses.rules import amount_fits
from actors.expenses.runtime import ExpensesRuntime
from actors.kernel import runtime_of
from actors.work import Work
from bus.envelopes import Event
from bus.expense_commands import CreateExpense
from bus.ids import derived_id
from bus.money import known_currencies
from storage.ledger import ExpenseDoc
from storage.views import expense_entity

NEEDED = ("total", "date", "currency")
MERCHANT_MAX = 200  # what an expense's merchant holds


def confident(receipt: dict[str, Any], threshold: float) -> bool:
    fields, confidence = receipt.get("fields") or {}, receipt.get("confidence") or {}
    return all(fields.get(n) is not None and confidence.get(n, 0.0) >= threshold for n in NEEDED)


async def apply_scanned(event: Event, work: Work) -> None:
    receipt = event.data.get("entity") or {}
    threshold = runtime_of(work, ExpensesRuntime).settings.receipt_auto_apply_confidence
    if not receipt.get("auto_apply") or not confident(receipt, threshold):
        return
    if receipt.get("duplicates"):
        return  # the same receipt was seen before: the person decides
    owner, fields = receipt["owner_id"], receipt["fields"]
    merchant = (fields.get("merchant") or "")[:MERCHANT_MAX].strip() or None
    amount, currency = Decimal(fields["total"]), fields["currency"]
    day = date.fromisoformat(fields["date"])
    if currency not in known_currencies():
        return  # a currency no expense can have (a misread code): left for the person
    if amount <= 0 or amount_fits(amount, currency) is not None:
        return  # not an amount an expense can have: left for the person to apply
    if receipt.get("expense_id"):
        doc = await work.get(ExpenseDoc, receipt["expense_id"])
        if doc is None or doc.owner_id != owner or doc.deleted:
            return
        changes: dict[str, Any] = {"amount": amount, "currency": currency, "date": day.isoformat()}
        changes.update(receipt_id=receipt["id"], merchant=merchant or doc.merchant)
        changes.update(await home_fields_of(work, doc, amount, currency, day))
        filled = next_version(doc, work.now, **changes)
        work.put(filled)
        work.emit(
            doc.scope, "expense.updated", change_data(expense_entity(filled), expense_entity(doc))
        )
        return
    expense_id = derived_id("receipt-expense", receipt["id"])
    if await work.get(ExpenseDoc, expense_id) is not None:
        return
    payload = CreateExpense(
        amount=amount,
        currency=currency,
        date=day,
        merchant=merchant,
        description=merchant or "",
        receipt_id=receipt["id"],
    )
    doc = new_expense_doc(expense_id, owner, payload, work.now)
    doc = doc.model_copy(update=await home_fields_of(work, doc, amount, currency, day))
    work.put(doc)
    work.emit(doc.scope, "expense.created", change_data(expense_entity(doc)))
