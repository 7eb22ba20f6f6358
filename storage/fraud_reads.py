"""Reads of risk records and flags: what the edge shows, always scoped to who may see them.

A personal expense's risk and flag are its owner's. A group bill's are its issuer's and the
group's admins' (the people its flag reaches), while they are in the group.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from bus.fraud import Flag, Risk
from storage.fraud import FlagDoc, RiskDoc
from storage.groups import GroupDoc
from storage.queries import newest_page, older_than_cursor
from storage.shared import GroupRoles

REVIEWERS = ("owner", "admin")  # the roles that see and review a group's flags


def risk_entity(doc: RiskDoc) -> Risk:
    return Risk(
        expense_id=doc.expense_id,
        kind=doc.kind,
        group_id=doc.group_id,
        owner_id=doc.owner_id,
        score=doc.score,
        signals=doc.signals,
        model_version=doc.model_version,
        expense_version=doc.expense_version,
        version=doc.version,
        flag_id=doc.flag_id,
        scored_at=doc.scored_at or doc.updated_at,
    )


def flag_entity(doc: FlagDoc) -> Flag:
    return Flag.model_validate(doc.model_dump(exclude={"risk_id", "revision_id"}))


def group_admins(group: GroupDoc | GroupRoles) -> list[str]:
    if isinstance(group, GroupRoles):
        return [user for user, role in group.roles.items() if role in REVIEWERS]
    return [m["user_id"] for m in group.members if m.get("role") in REVIEWERS]


def audience_of(owner_id: str, group: GroupDoc | GroupRoles | None) -> list[str]:
    """Who a flag concerns now: a personal expense's owner; a group bill's issuer while still
    in the group, and the group's admins."""
    if group is None:
        return [owner_id]
    people = [owner_id] if owner_id in group.member_ids else []
    return [*people, *(a for a in group_admins(group) if a not in people)]


async def _groups(
    user_id: str, session: AsyncClientSession | None = None
) -> tuple[list[str], list[str]]:
    """The groups ``user_id`` is in, and those they are an admin of."""
    cursor = GroupDoc.get_pymongo_collection().find(
        {"member_ids": user_id}, {"members": 1}, session=session
    )
    member, admin = [], []
    async for row in cursor:
        member.append(row["_id"])
        if any(m["user_id"] == user_id and m.get("role") in REVIEWERS for m in row["members"]):
            admin.append(row["_id"])
    return member, admin


async def visible_flags(user_id: str, session: AsyncClientSession | None = None) -> dict[str, Any]:
    """The query of the flags ``user_id`` may see: their personal expenses', their bills' in
    groups they are still in, and every bill's of the groups they are an admin of."""
    member, admin = await _groups(user_id, session)
    return {
        "$or": [
            {"owner_id": user_id, "group_id": None},
            {"owner_id": user_id, "group_id": {"$in": member}},
            {"group_id": {"$in": admin}},
        ]
    }


async def may_see(user_id: str, owner_id: str, group_id: str | None) -> bool:
    """Whether ``user_id`` is among whom a flag of this expense concerns now."""
    if group_id is None:
        return owner_id == user_id
    return user_id in audience_of(owner_id, await GroupDoc.get(group_id))


async def risk_for(user_id: str, expense_id: str) -> RiskDoc | None:
    """The risk record of a personal expense or a group bill, if ``user_id`` may see it
    (None also while it is not scored)."""
    for kind in ("expense", "group_expense"):
        doc = await RiskDoc.get(f"{kind}:{expense_id}")
        if doc is None or doc.deleted or doc.scored_at is None:
            continue
        if await may_see(user_id, doc.owner_id, doc.group_id):
            return doc
    return None


async def flag_for(user_id: str, flag_id: str) -> FlagDoc | None:
    doc = await FlagDoc.get(flag_id)
    if doc is None or not await may_see(user_id, doc.owner_id, doc.group_id):
        return None
    return doc


async def flags_of(
    user_id: str, status: str | None, limit: int, cursor: str | None
) -> tuple[list[FlagDoc], str | None]:
    """Flags the caller may see (their own, and their admin groups'), newest first."""
    clauses: list[dict[str, Any]] = [await visible_flags(user_id)]
    if status is not None:
        clauses.append({"status": status})
    if cursor:
        clauses.append(older_than_cursor(cursor))
    query = FlagDoc.find({"$and": clauses}).sort("-created_at", "-_id")
    return newest_page(await query.limit(limit + 1).to_list(), limit)
