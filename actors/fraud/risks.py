"""Scoring expenses as their events arrive, exactly once per version.

Each expense event (personal or group, any verb) carries the expense's version: one that is not
newer than the risk record's is a redelivery or arrived late, and changes nothing. A newer one
is scored against the owner's profile and replaces the previous score as a new version of the
risk record; a deleted expense's record becomes a tombstone (and its flag is cleared). A
receipt read after its expense was scored scores the expense again, and a burst found by a
later expense adds its signal to the earlier expenses of the burst.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from beanie import Document

from actors.fraud.facts import (
    Context,
    Limit,
    Observation,
    ReceiptUse,
    TripFacts,
    dump_observation,
    load_observation,
    observe_expense,
    observe_group_expense,
    receipt_facts,
    risk_key,
)
from actors.fraud.flags import flag_id_of, settle_flag
from actors.fraud.profile import Profile, forget, unlearn
from actors.fraud.runtime import MAX_LIMITS, FraudRuntime, limits_key
from actors.fraud.scoring import (
    MODEL_VERSION,
    dump_signals,
    escalated,
    load_signals,
    score_expense,
)
from actors.fraud.signals import Signal
from actors.fraud.store import next_risk_version, profile_of, put_profile
from actors.kernel import runtime_of
from actors.work import Work
from bus.envelopes import Event
from bus.ids import split_scope, user_scope
from bus.subjects import EXPENSE_EVENTS
from storage.fraud import FlagDoc, RiskDoc
from storage.shared import (
    budget_ids_in,
    budget_limit,
    category_of,
    entry_state,
    person,
    prefetched,
    receipt_read,
    trip_dates,
)

MAX_REUSES = 20  # other expenses read per look-alike receipt set


async def _home_currency(work: Work, owner: str) -> str | None:
    user = await person(work, owner)
    return user.home_currency if user is not None else None


async def _context(work: Work, obs: Observation, home: str | None) -> Context:
    """What the scorer needs beside the expense: its receipt (and other expenses using a
    look-alike), its trip, and the owner's budget limits."""
    receipt = None
    reused: list[ReceiptUse] = []
    if obs.receipt_id is not None:
        read = await receipt_read(work, obs.receipt_id)
        if read is not None and read.owner_id == obs.owner:
            receipt = receipt_facts(read.model_dump(mode="json"))
    if receipt is not None and receipt.duplicates:
        query = {"receipt_id": {"$in": list(receipt.duplicates)}, "deleted": False}
        for risk_id in await work.find_ids(RiskDoc, query, MAX_REUSES):
            other = await work.get(RiskDoc, risk_id)
            if other is not None and other.id != obs.key and other.receipt_id is not None:
                reused.append(ReceiptUse(other.receipt_id, other.id, other.owner_id))
    trip = None
    if obs.trip_id is not None:
        dates = await trip_dates(work, obs.trip_id)
        if dates is not None and dates.owner_id == obs.owner and dates.live:
            trip = TripFacts(dates.id, dates.start_date, dates.end_date, dates.currency)
    memo_key = limits_key(obs.owner)  # the same all through the batch's attempt (preloaded)
    if (budget_ids := work.memo.get(memo_key)) is None:
        scope = user_scope(obs.owner)
        budget_ids = work.memo[memo_key] = await budget_ids_in(work, [scope], MAX_LIMITS)
    limits = []
    for budget_id in budget_ids:
        budget = await budget_limit(work, budget_id)
        if budget is not None:
            limits.append(Limit(budget.id, budget.amount, budget.currency, budget.category_ids))
    return Context(
        home, receipt, tuple(reused), trip, tuple(limits), await _category_name(work, obs)
    )


async def _category_name(work: Work, obs: Observation) -> str | None:
    """The name of the expense's category: the owner's category document for a personal
    expense (prefetched), the bill's own label for a group bill (``group:<id>:<label>``)."""
    if obs.group_id is not None:
        return obs.group_label
    if obs.category is None:
        return None
    category = await category_of(work, obs.category)
    return category.name if category is not None and category.owner_id == obs.owner else None


async def _now(work: Work, kind: str, expense_id: str) -> tuple[int, bool] | None:
    """The expense's version now, and whether it is deleted (None if it is not stored)."""
    return await entry_state(work, "expense" if kind == "expense" else "group_expense", expense_id)


def _tombstone(held: RiskDoc | None, obs: Observation, version: int, work: Work) -> RiskDoc:
    return RiskDoc(
        id=obs.key,
        kind=obs.kind,
        expense_id=obs.expense_id,
        owner_id=obs.owner,
        group_id=obs.group_id,
        expense_version=version,
        version=next_risk_version(held),
        deleted=True,
        updated_at=work.now,
    )


async def _score(work: Work, obs: Observation, held: RiskDoc | None, home: str | None) -> None:
    """Score ``obs``, write its risk record and flag, and add a burst's signal to the other
    expenses it concerns."""
    threshold = runtime_of(work, FraudRuntime).threshold
    profile_doc, profile = await profile_of(work, obs.owner)
    flag = await work.get(FlagDoc, flag_id_of(obs.key))
    verdict = (  # a review of this very version decides whether it counts as normal
        flag.verdict
        if flag is not None and flag.status == "reviewed" and flag.expense_version == obs.version
        else None
    )
    context = await _context(work, obs, home)
    scored = score_expense(obs, profile, context, threshold, verdict)
    risk = RiskDoc(
        id=obs.key,
        kind=obs.kind,
        expense_id=obs.expense_id,
        owner_id=obs.owner,
        group_id=obs.group_id,
        expense_version=obs.version,
        version=next_risk_version(held),
        score=scored.assessment.score,
        signals=dump_signals(scored.assessment.signals),
        model_version=MODEL_VERSION,
        facts=dump_observation(obs),
        receipt_id=obs.receipt_id,
        scored_at=work.now,
        updated_at=work.now,
    )
    work.put(await settle_flag(work, risk))
    profile = scored.profile
    for member, signal in scored.assessment.escalations:
        profile = await _escalate(work, member, signal, profile, threshold)
    put_profile(work, profile_doc, profile)


async def _escalate(
    work: Work, risk_id: str, signal: Signal, profile: Profile, threshold: int
) -> Profile:
    """Add a burst's signal to an earlier expense of the burst (a new version of its score);
    one that now raises a flag leaves the baselines it had joined."""
    held = await work.get(RiskDoc, risk_id)
    if held is None or held.deleted or held.scored_at is None:
        return profile
    found = escalated(load_signals(held.signals), signal)
    if found is None:
        return profile
    signals, score = found
    risk = held.model_copy(
        update={
            "version": held.version + 1,
            "score": score,
            "signals": dump_signals(signals),
            "model_version": MODEL_VERSION,
            "scored_at": work.now,
            "updated_at": work.now,
        }
    )
    settled = await settle_flag(work, risk)
    work.put(settled)
    # flagged now (not reviewed legitimate for this version): out of the baselines
    return unlearn(profile, risk_id) if settled.flag_id is not None else profile


def prefetch(events: Sequence[Event]) -> Mapping[type[Document], list[str]]:
    """What scoring a batch of expense events reads, loaded in a few queries instead of one
    read after another per event."""
    wanted: dict[type[Document], list[str]] = {}
    others: dict[str, list[str]] = {}  # of other actors' data (storage.shared.prefetched)

    def want(model: type[Document], ident: Any) -> None:
        if isinstance(ident, str):
            wanted.setdefault(model, []).append(ident)

    def read(kind: str, ident: Any) -> None:
        if isinstance(ident, str):
            others.setdefault(kind, []).append(ident)

    for event in events:
        entity = event.data.get("entity")
        if event.type not in EXPENSE_EVENTS or not isinstance(entity, dict):
            continue
        if not isinstance(entity.get("id"), str):
            continue
        group = event.type.startswith("group_expense.")
        kind = "group_expense" if group else "expense"
        key = risk_key(kind, entity["id"])
        want(RiskDoc, key)
        want(FlagDoc, flag_id_of(key))
        read("group_entries" if group else "expenses", entity["id"])
        owner = entity.get("created_by") if group else split_scope(event.scope)[1]
        read("people", owner)  # the profile: FraudRuntime.preload (mostly without its data)
        read("receipts", entity.get("receipt_id"))
        read("trips", entity.get("trip_id"))
        read("groups", entity.get("group_id"))
        if not group:
            read("categories", entity.get("category_id"))
    return {**wanted, **prefetched(**others)}


def _observe(event: Event, entity: Mapping[str, Any], home: str | None) -> Observation:
    if event.type.startswith("group_expense."):
        return observe_group_expense(entity, home)
    return observe_expense(entity, split_scope(event.scope)[1])


async def score_event(event: Event, work: Work) -> None:
    """React to any expense or group bill event (see the module docstring)."""
    entity = event.data.get("entity")
    if not isinstance(entity, dict):
        return
    group = event.type.startswith("group_expense.")
    if group and entity.get("kind", "expense") != "expense":
        return
    owner = str(entity["created_by"]) if group else split_scope(event.scope)[1]
    home = await _home_currency(work, owner)
    obs = _observe(event, entity, home)
    held = await work.get(RiskDoc, obs.key)
    if held is not None and held.expense_version >= obs.version:
        return  # redelivered, or older than what was scored
    if event.type.endswith(".deleted") or entity.get("deleted"):
        await _retire(work, obs, held, obs.version)
        return
    now = await _now(work, obs.kind, obs.expense_id)
    if now is not None and now[1]:  # deleted before it could be scored: never scored
        await _retire(work, obs, held, now[0])
        return
    if now is not None and now[0] > obs.version:
        return  # a newer version exists: its own event scores it
    await _score(work, obs, held, home)


async def _retire(work: Work, obs: Observation, held: RiskDoc | None, version: int) -> None:
    """A deleted expense: its record becomes a tombstone at the deleted version (so nothing
    older scores it again), its flag is cleared, and the owner's profile forgets it."""
    tombstone = _tombstone(held, obs, version, work)
    work.put(await settle_flag(work, tombstone))
    if held is None:
        return  # never scored: nothing of it in the profile
    profile_doc, profile = await profile_of(work, obs.owner)
    put_profile(work, profile_doc, forget(profile, obs.key))


MAX_RESCORED = 10  # expenses scored again per receipt read


async def rescore_receipt(event: Event, work: Work) -> None:
    """A receipt was read: score again the expenses already scored with it (their receipt
    total and look-alikes are known only now)."""
    entity = event.data.get("entity")
    if not isinstance(entity, dict) or entity.get("status") != "scanned":
        return
    query = {"receipt_id": entity["id"], "deleted": False}
    for risk_id in await work.find_ids(RiskDoc, query, MAX_RESCORED):
        held = await work.get(RiskDoc, risk_id)
        if held is None or held.deleted or not held.facts:
            continue
        obs = load_observation(held.facts)
        await _score(work, obs, held, await _home_currency(work, obs.owner))
