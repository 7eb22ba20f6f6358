"""The classic generator's drafts as the API returns them: expenses, receipts, trips and budgets."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from bus.money import format_amount
from deploy.synthetic.fraud.classic_drafts import Budget, Expense, Receipt, Trip
from deploy.synthetic.fraud.dataset import iso


def _day(day: date) -> str:
    return day.isoformat()


@cache
def _printed(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def expense_json(e: Expense) -> dict[str, Any]:
    value, created = e.value, iso(e.at)
    return {
        "id": e.id,
        "type": "expense",
        "amount": format_amount(e.amount),
        "currency": e.currency,
        "category_id": e.category_id,
        "description": e.description,
        "merchant": e.merchant_name,
        "date": _day(e.day),
        "occurred_at": iso(e.occurred),
        "notes": None,
        "tags": [],
        "trip_id": e.trip_id,
        "version": 1,
        "created_at": created,
        "updated_at": created,
        "made_at": iso(e.made),
        "receipt_id": e.receipt.id if e.receipt is not None else None,
        "home_currency": value["home_currency"],
        "home_amount": format_amount(value["home_amount"]),
        "rate": format_amount(value["rate"]),
        "rate_date": _day(value["rate_date"]),
        "rate_source": value["rate_source"],
        "rate_status": value["rate_status"],
    }


def receipt_json(r: Receipt) -> dict[str, Any]:
    paper = r.paper
    total = format_amount(paper.total)
    text = f"{paper.merchant.upper()}\n{_printed(paper.day)}\nTOTAL {paper.currency} {total}"
    return {
        "id": r.id,
        "owner_id": r.owner,
        "status": "scanned",
        "reason": None,
        "content_type": "image/jpeg",
        "size": r.size,
        "sha256": r.sha256,
        "width": r.width,
        "height": r.height,
        "expense_id": None,
        "group_id": None,
        "auto_apply": False,
        "fields": {
            "merchant": paper.merchant,
            "date": _day(paper.day),
            "total": total,
            "subtotal": None,
            "tax": None,
            "tip": None,
            "currency": paper.currency,
            "items": [],
        },
        "confidence": dict(r.confidence),
        "checks": {},
        "text": text,
        "phash": r.phash,
        "duplicates": list(r.duplicates),
        "version": 2,
        "created_at": iso(r.at),
        "updated_at": iso(r.scanned),
        "scanned_at": iso(r.scanned),
    }


def trip_json(t: Trip) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "destination": t.destination,
        "start_date": t.start.isoformat(),
        "end_date": t.end.isoformat(),
        "currency": t.currency,
        "version": 1,
        "created_at": iso(t.created),
        "updated_at": iso(t.created),
    }


def budget_json(b: Budget) -> dict[str, Any]:
    return {
        "id": b.id,
        "owner_id": b.owner,
        "amount": format_amount(b.amount),
        "currency": b.currency,
        "category_ids": [b.category_id],
        "period": "monthly",
    }
