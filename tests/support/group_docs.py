"""Stored state of the splits actor for handler tests on the in-memory unit of work: people,
groups, invites, a runtime with a rate book in memory, and commands issued by a person.

Builders return documents as the actor stores them, so a test passes them to
``MemoryWork(*docs)`` and then drives the real handlers.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from actors.splits.books import empty_balances
from actors.splits.entries import create_group_expense
from actors.splits.runtime import SplitsRuntime
from bus.envelopes import Command, Event, FieldError
from bus.fx import DayRates
from bus.groups import CreateGroupExpense, Payer, Split
from bus.settings import Settings
from storage.accounts import UserDoc
from storage.groups import GroupBalanceDoc, GroupDoc, InviteDoc
from tests.support.expense_docs import user_doc
from tests.support.fake_work import NOW, MemoryWork, command, decide


def user(name: str) -> UserDoc:
    """A signed-up person (the email is ``<name>@example.com``)."""
    return user_doc(name)


def group(
    owner: UserDoc,
    *members: tuple[UserDoc, str],
    currency: str = "EUR",
    timezone: str = "UTC",
    settings: Mapping[str, Any] | None = None,
    archived: bool = False,
) -> GroupDoc:
    """A group of ``owner`` and ``members`` (each with its role), at version 1."""
    everyone = [(owner, "owner"), *members]
    gid = str(uuid.uuid4())
    return GroupDoc(
        id=gid,
        scope=f"group:{gid}",
        name="Trip",
        currency=currency,
        timezone=timezone,
        settings=dict(settings or {"default_split": "equal", "simplify_debts": True}),
        members=[
            {"user_id": u.id, "role": r, "name": u.name, "joined_at": NOW} for u, r in everyone
        ],
        member_ids=[u.id for u, _ in everyone],
        archived=archived,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def balances(of: GroupDoc, **fields: Any) -> GroupBalanceDoc:
    """The empty balances a new group is created with (``fields`` override them)."""
    doc: GroupBalanceDoc = empty_balances(of.id, MemoryWork()).model_copy(update=fields)
    return doc


def token_hash(seed: str | None = None) -> str:
    """The SHA-256 (hex) of an invite token, as the edge sends it."""
    return hashlib.sha256((seed or str(uuid.uuid4())).encode()).hexdigest()


def invite(of: GroupDoc, **fields: Any) -> InviteDoc:
    """A live invite of ``of`` (a day left, two uses) made by its owner."""
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "token_hash": token_hash(),
        "group_id": of.id,
        "created_by": of.member_ids[0],
        "expires_at": NOW + timedelta(days=1),
        "max_uses": 2,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return InviteDoc(**values)


def runtime(*days: tuple[date, Mapping[str, str]]) -> SplitsRuntime:
    """A splits runtime that is never started, its rate book holding ``days`` of rates (units
    per one EUR, source ``ECB``)."""
    rt = SplitsRuntime(Settings())
    add_rates(rt, *days)
    return rt


def add_rates(rt: SplitsRuntime, *days: tuple[date, Mapping[str, str]]) -> None:
    """Rates arriving in the runtime's book (as a refresh after ``rates.updated`` would)."""
    for day, rates in days:
        rt.reader.book.add(DayRates(day, {c: Decimal(r) for c, r in rates.items()}, "ECB"))


def by(
    person: UserDoc | None, command_type: str, *, expected_version: int | None = None
) -> Command:
    """``command_type`` issued by ``person`` (None: nobody signed in)."""
    return command(command_type, person.id if person else None, expected_version=expected_version)


def rates_updated(days: list[date], currencies: list[str]) -> Event:
    """A ``rates.updated`` event as the currency actor publishes it."""
    entity = {"source": "ECB", "days": [d.isoformat() for d in days], "currencies": currencies}
    return Event(
        event_id=str(uuid.uuid4()),
        type="rates.updated",
        command_id=str(uuid.uuid4()),
        scope="system:rates",
        seq=1,
        occurred_at=NOW,
        data={"entity": entity, "version": 1, "before": None},
    )


def equal_bill(
    of: GroupDoc,
    payer: UserDoc,
    amount: str,
    *among: UserDoc,
    currency: str | None = None,
    day: date = date(2026, 11, 21),
    **fields: Any,
) -> CreateGroupExpense:
    """A bill of ``of`` that ``payer`` paid in full, split equally ``among`` (default: the
    group's default split)."""
    split = Split(method="equal", members=[u.id for u in among]) if among else None
    return CreateGroupExpense(
        group_id=of.id,
        amount=Decimal(amount),
        currency=currency or of.currency,
        date=day,
        paid_by=[Payer(user_id=payer.id, amount=Decimal(amount))],
        split=split,
        **fields,
    )


async def spend(work: MemoryWork, bill: CreateGroupExpense, payer: UserDoc) -> MemoryWork:
    """Record ``bill`` (it must be accepted) and return the next command's work."""
    decision = await decide(create_group_expense, by(payer, "group_expense.create"), bill, work)
    assert decision.accepted, decision
    return work.next()


def nets(work: MemoryWork, of: GroupDoc) -> dict[str, dict[str, Decimal]]:
    """The group's stored balances: each currency's non-zero nets by member."""
    tally = work.one(GroupBalanceDoc, of.id).tally["nets"]
    return {
        currency: {u: Decimal(n) for u, n in line.items() if Decimal(n) != 0}
        for currency, line in tally.items()
        if any(Decimal(n) != 0 for n in line.values())
    }


def roles(entity: Mapping[str, Any] | None) -> dict[str, str]:
    """A group entity's members and their roles."""
    assert entity is not None
    return {m["user_id"]: m["role"] for m in entity["members"]}


def trip_of_three(**options: Any) -> tuple[UserDoc, UserDoc, UserDoc, GroupDoc, MemoryWork]:
    """ada (owner), bob and cy in a group with empty balances, on a work whose runtime has no
    rates yet."""
    ada, bob, cy = user("ada"), user("bob"), user("cy")
    trip = group(ada, (bob, "member"), (cy, "member"), **options)
    work = MemoryWork(ada, bob, cy, trip, balances(trip), runtime=runtime())
    return ada, bob, cy, trip, work


def field_errors(errors: tuple[FieldError, ...]) -> list[tuple[str, str]]:
    """A refusal's field errors as ``(dotted path, message)``."""
    return [(".".join(map(str, e.loc)), e.msg) for e in errors]
