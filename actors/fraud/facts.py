"""What the scorer knows of one expense and its surroundings, read from the API's entities.

Pure: an expense event's entity (personal or group) becomes an :class:`Observation`; what the
actor looks up beside it (the receipt, its trip, the owner's budget limits, other expenses
using a look-alike receipt) is a :class:`Context`. The evaluation builds both from the same
entities, so it scores exactly what the actor scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from actors.fraud.merchants import merchant_key

ExpenseKind = Literal["expense", "group_expense"]


def risk_key(kind: str, expense_id: str) -> str:
    return f"{kind}:{expense_id}"


def expense_of_key(key: str) -> str:
    return key.partition(":")[2]


@dataclass(frozen=True, slots=True)
class Observation:
    """One version of an expense, as the scorer sees it."""

    expense_id: str
    kind: ExpenseKind
    owner: str  # whose habits it is measured against (the issuer of a group bill)
    group_id: str | None
    version: int
    spending: bool  # an expense (income is recorded, never scored)
    amount: Decimal
    currency: str
    value: Decimal | None  # in the owner's home currency (None: no rate yet)
    category: str | None  # a category id, or "group:<group id>:<label>" for a group bill
    merchant: str  # merchant_key of the merchant (or of the description without one)
    merchant_name: str | None
    day: date
    occurred_at: datetime | None  # with the offset the device gave (its local hour)
    recorded_at: datetime  # when the server recorded this expense (UTC)
    trip_id: str | None
    receipt_id: str | None

    @property
    def group_label(self) -> str | None:
        """A group bill's own label (its category, ``group:<group id>:<label>``; a label may
        hold a ':'); None for a personal expense or a bill without one."""
        if self.group_id is None or self.category is None:
            return None
        parts = self.category.split(":", 2)
        return parts[2] or None if len(parts) == 3 else None

    @property
    def key(self) -> str:
        """The risk record's id: the kind and the expense's id."""
        return risk_key(self.kind, self.expense_id)

    @property
    def moment(self) -> datetime | None:
        """When it happened, in UTC (only when the device said)."""
        return self.occurred_at.astimezone(UTC) if self.occurred_at is not None else None


@dataclass(frozen=True, slots=True)
class ReceiptFacts:
    id: str
    total: Decimal | None  # None: not read with confidence
    currency: str | None
    duplicates: tuple[str, ...]  # look-alike receipts seen before (the ocr actor's matching)


@dataclass(frozen=True, slots=True)
class ReceiptUse:
    """Another live expense whose receipt is a look-alike of this one's."""

    receipt_id: str
    key: str  # the other expense's risk key
    owner: str


@dataclass(frozen=True, slots=True)
class TripFacts:
    id: str
    start: date
    end: date
    currency: str


@dataclass(frozen=True, slots=True)
class Limit:
    """One of the owner's budgets: an amount people may keep just under."""

    budget_id: str
    amount: Decimal
    currency: str
    category_ids: frozenset[str]

    def covers(self, category: str | None) -> bool:
        return not self.category_ids or category in self.category_ids


@dataclass(frozen=True, slots=True)
class Context:
    home_currency: str | None = None
    receipt: ReceiptFacts | None = None
    reused: tuple[ReceiptUse, ...] = ()
    trip: TripFacts | None = None
    limits: tuple[Limit, ...] = ()
    category_name: str | None = None  # the name of the expense's category, for explanations


RECEIPT_TOTAL_CONFIDENCE = 0.8  # a total read with less is not held against the typed amount


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _recorded(entity: Mapping[str, Any]) -> datetime:
    recorded = _instant(entity.get("created_at"))
    if recorded is None:
        raise ValueError(f"expense {entity.get('id')!r} has no created_at")
    return recorded


def _decimal(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def observe_expense(entity: Mapping[str, Any], owner: str) -> Observation:
    """A personal expense from its entity (an event's ``data.entity`` or the API's JSON)."""
    merchant = entity.get("merchant")
    recorded = _recorded(entity)
    return Observation(
        expense_id=str(entity["id"]),
        kind="expense",
        owner=owner,
        group_id=None,
        version=int(entity["version"]),
        spending=entity.get("type", "expense") == "expense",
        amount=Decimal(str(entity["amount"])),
        currency=str(entity["currency"]),
        value=_decimal(entity.get("home_amount")),
        category=entity.get("category_id"),
        merchant=merchant_key(merchant) or merchant_key(entity.get("description")),
        merchant_name=merchant,
        day=date.fromisoformat(str(entity["date"])),
        occurred_at=_instant(entity.get("occurred_at")),
        recorded_at=recorded.astimezone(UTC),
        trip_id=entity.get("trip_id"),
        receipt_id=entity.get("receipt_id"),
    )


def observe_group_expense(entity: Mapping[str, Any], home_currency: str | None) -> Observation:
    """A group bill, measured against its issuer's habits; its value counts in their home
    currency only when that is the bill's or the group's currency."""
    amount = Decimal(str(entity["amount"]))
    value: Decimal | None = None
    if entity.get("currency") == home_currency:
        value = amount
    elif entity.get("group_currency") == home_currency:
        value = _decimal(entity.get("group_amount"))
    label = entity.get("category")
    recorded = _recorded(entity)
    return Observation(
        expense_id=str(entity["id"]),
        kind="group_expense",
        owner=str(entity["created_by"]),
        group_id=str(entity["group_id"]),
        version=int(entity["version"]),
        spending=True,
        amount=amount,
        currency=str(entity["currency"]),
        value=value,
        # its own baseline per group: never the issuer's personal spending, nor other groups'
        category=f"group:{entity['group_id']}:{label.strip().casefold() if isinstance(label, str) else ''}",
        merchant=merchant_key(entity.get("description")),
        merchant_name=entity.get("description") or None,
        day=date.fromisoformat(str(entity["date"])),
        occurred_at=None,
        recorded_at=recorded.astimezone(UTC),
        trip_id=None,
        receipt_id=None,
    )


def receipt_facts(receipt: Mapping[str, Any]) -> ReceiptFacts | None:
    """What a scanned receipt says (None while it is not scanned)."""
    if receipt.get("status") != "scanned":
        return None
    fields = receipt.get("fields") or {}
    confidence = receipt.get("confidence") or {}
    total = _decimal(fields.get("total"))
    if total is not None and float(confidence.get("total", 0.0)) < RECEIPT_TOTAL_CONFIDENCE:
        total = None
    return ReceiptFacts(
        id=str(receipt["id"]),
        total=total,
        currency=fields.get("currency"),
        duplicates=tuple(receipt.get("duplicates") or ()),
    )


def trip_facts(trip: Mapping[str, Any]) -> TripFacts:
    return TripFacts(
        id=str(trip["id"]),
        start=date.fromisoformat(str(trip["start_date"])),
        end=date.fromisoformat(str(trip["end_date"])),
        currency=str(trip["currency"]),
    )


def dump_observation(obs: Observation) -> dict[str, Any]:
    """The observation as stored beside its score (to score it again without the expense)."""
    return {
        "expense_id": obs.expense_id,
        "kind": obs.kind,
        "owner": obs.owner,
        "group_id": obs.group_id,
        "version": obs.version,
        "spending": obs.spending,
        "amount": str(obs.amount),
        "currency": obs.currency,
        "value": str(obs.value) if obs.value is not None else None,
        "category": obs.category,
        "merchant": obs.merchant,
        "merchant_name": obs.merchant_name,
        "day": obs.day.isoformat(),
        "occurred_at": obs.occurred_at.isoformat() if obs.occurred_at else None,
        "recorded_at": obs.recorded_at.isoformat(),
        "trip_id": obs.trip_id,
        "receipt_id": obs.receipt_id,
    }


def load_observation(data: Mapping[str, Any]) -> Observation:
    recorded = _recorded({"id": data["expense_id"], "created_at": data["recorded_at"]})
    return Observation(
        expense_id=data["expense_id"],
        kind=data["kind"],
        owner=data["owner"],
        group_id=data["group_id"],
        version=int(data["version"]),
        spending=bool(data["spending"]),
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        value=_decimal(data["value"]),
        category=data["category"],
        merchant=data["merchant"],
        merchant_name=data["merchant_name"],
        day=date.fromisoformat(data["day"]),
        occurred_at=_instant(data["occurred_at"]),
        recorded_at=recorded,
        trip_id=data["trip_id"],
        receipt_id=data["receipt_id"],
    )
