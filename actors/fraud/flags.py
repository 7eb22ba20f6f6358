"""Flags: raised when a risk score reaches the threshold, cleared when it no longer does,
closed by a review. Their events go to each person the flag concerns, in their own scope:
the expense's owner and, for a group bill, the group's admins."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from actors.changes import change_data, next_version, stale
from actors.fraud.facts import load_observation
from actors.fraud.profile import learn_from_review
from actors.fraud.runtime import FraudRuntime
from actors.fraud.scoring import load_signals
from actors.fraud.store import profile_of, put_profile
from actors.kernel import Decision, accept, reject, runtime_of
from actors.work import Work
from bus.envelopes import Command
from bus.fraud import ReviewFlag
from bus.ids import derived_id, user_scope
from storage.fraud import FlagDoc, RiskDoc
from storage.fraud_reads import audience_of, flag_entity
from storage.shared import group_roles


@lru_cache(maxsize=4096)
def flag_id_of(risk_id: str) -> str:
    """The id of a risk record's flag (a name-based UUID: asked three times per event scored,
    so the last few thousand are kept)."""
    return derived_id("flag", risk_id)


async def _tell(
    work: Work,
    flag: FlagDoc,
    event_type: str,
    before: FlagDoc | None,
    risk: RiskDoc | None = None,
) -> None:
    """Stage the flag and send its event to each person it concerns now (membership and
    roles change: a removed admin hears no more, a new one does); with ``risk``, the event
    also says which expense it is (``expense``: its description and amount as recorded)."""
    group = await group_roles(work, flag.group_id) if flag.group_id is not None else None
    work.put(flag)
    entity, prior = flag_entity(flag), flag_entity(before) if before is not None else None
    data = change_data(entity, prior)
    if risk is not None:
        data["expense"] = _about(risk)
    for person in audience_of(flag.owner_id, group):
        work.emit(user_scope(person), event_type, data)


def _about(risk: RiskDoc) -> dict[str, str]:
    facts = risk.facts
    return {
        "description": str(facts.get("merchant_name") or "An expense"),
        "amount": str(facts.get("amount", "")),
        "currency": str(facts.get("currency", "")),
    }


def _ranked(risk: RiskDoc) -> list[dict[str, Any]]:
    return sorted(risk.signals, key=lambda s: -float(s["weight"]))


def _reasons(risk: RiskDoc) -> list[str]:
    return [str(s["name"]) for s in _ranked(risk)]


def _explanations(risk: RiskDoc) -> list[str]:
    return [str(s["explanation"]) for s in _ranked(risk) if s.get("explanation")]


def _with_flag(risk: RiskDoc, flag_id: str | None) -> RiskDoc:
    marked: RiskDoc = risk.model_copy(update={"flag_id": flag_id})
    return marked


async def settle_flag(work: Work, risk: RiskDoc) -> RiskDoc:
    """Raise, update or clear the flag of ``risk`` after it was (re)scored; the risk record
    as it must be written (with its open flag's id, or none)."""
    threshold = runtime_of(work, FraudRuntime).threshold
    flag_id = flag_id_of(risk.id)
    held = await work.get(FlagDoc, flag_id)
    over = not risk.deleted and risk.score >= threshold
    if not over:
        if held is not None and held.status == "open":
            cleared = next_version(held, work.now, status="cleared", score=risk.score)
            await _tell(work, cleared, "flag.cleared", held)
        return _with_flag(risk, None)
    fields = {
        "score": risk.score,
        "reasons": _reasons(risk),
        "explanations": _explanations(risk),
        "expense_version": risk.expense_version,
    }
    if held is None:
        flag = FlagDoc(
            id=flag_id,
            risk_id=risk.id,
            kind=risk.kind,
            expense_id=risk.expense_id,
            owner_id=risk.owner_id,
            group_id=risk.group_id,
            status="open",
            version=1,
            created_at=work.now,
            updated_at=work.now,
            **fields,
        )
        await _tell(work, flag, "flag.raised", None, risk)
    elif held.status == "open":
        if any(getattr(held, name) != value for name, value in fields.items()):
            updated = next_version(held, work.now, **fields)
            await _tell(work, updated, "flag.updated", held)
    elif held.status == "cleared" or held.expense_version < risk.expense_version:
        # cleared before, or reviewed for an earlier version of the expense: open again
        reopened = next_version(
            held,
            work.now,
            status="open",
            verdict=None,
            note=None,
            reviewed_by=None,
            reviewed_at=None,
            **fields,
        )
        await _tell(work, reopened, "flag.raised", held, risk)
    else:  # reviewed for this very version: the verdict stands
        return _with_flag(risk, None)
    return _with_flag(risk, flag_id)


async def review_flag(command: Command, p: ReviewFlag, work: Work) -> Decision:
    """Close an open flag with a verdict. The owner reviews a personal expense's flag; a
    group bill's is reviewed by the group's admins, never by the bill's own issuer."""
    reviewer = command.actor.user_id
    flag = await work.get(FlagDoc, p.id)
    group = await group_roles(work, flag.group_id) if flag and flag.group_id else None
    if flag is None or reviewer not in audience_of(flag.owner_id, group):
        return reject("not_found", "no such flag")
    if flag.group_id is not None and reviewer == flag.owner_id:
        return reject("forbidden", "another admin of the group reviews a flag on your bill")
    if (conflict := stale(command, flag_entity(flag))) is not None:
        return conflict
    if flag.status != "open":
        return reject("conflict", f"this flag is {flag.status}, not open", flag_entity(flag))
    reviewed = next_version(
        flag,
        work.now,
        status="reviewed",
        verdict=p.verdict,
        note=p.note,
        reviewed_by=reviewer,
        reviewed_at=work.now,
    )
    risk = await work.get(RiskDoc, flag.risk_id)
    if risk is not None and not risk.deleted and risk.facts:
        fired = {s.name: s.evidence for s in load_signals(risk.signals)}
        held, profile = await profile_of(work, flag.owner_id)
        taught = learn_from_review(profile, load_observation(risk.facts), fired, p.verdict)
        put_profile(work, held, taught)
        work.put(next_version(risk, work.now, flag_id=None))
    await _tell(work, reviewed, "flag.reviewed", flag)
    return accept(flag_entity(reviewed))
