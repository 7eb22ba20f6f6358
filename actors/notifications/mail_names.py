"""The fields of an item's own mail, for one recipient: what its draft says, the people and
groups it names by id read by their names (the recipient themselves as "you"), a group's
settle-up plan with its people by name, and the recipient's own share. Read when the item is made, in its batch (prefetched with it), and kept
with the delivery, so the mail says what the inbox said then."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from actors.notifications.drafts import Draft
from actors.work import Work
from storage.shared import group_roles, person, settle_plan

PERSON = "person"
GROUP = "group"
PLAN = "plan"  # a group's settle-up plan: a list of transfers, each person by name
UNKNOWN = {PERSON: "A former member", GROUP: "your group"}
"""What a name reads as when its person or group is gone."""


def person_ref(user_id: str) -> str:
    return f"{PERSON}:{user_id}"


def group_ref(group_id: str) -> str:
    return f"{GROUP}:{group_id}"


def plan_ref(group_id: str) -> str:
    return f"{PLAN}:{group_id}"


def named(drafts: Iterable[Draft], kind: str) -> list[str]:
    """The ids of ``kind`` (person or group) the drafts' mails name, each once."""
    found = []
    for draft in drafts:
        for ref in draft.names.values():
            ref_kind, _, ident = ref.partition(":")
            if ref_kind == kind and ident:
                found.append(ident)
    return list(dict.fromkeys(found))


async def _plan(work: Work, group_id: str) -> list[dict[str, str]]:
    return [
        {
            "payer": await _name(work, person_ref(payer), ""),
            "payee": await _name(work, person_ref(payee), ""),
            "amount": amount,
        }
        for payer, payee, amount in await settle_plan(work, group_id)
    ]


async def _name(work: Work, ref: str, recipient: str) -> str:
    kind, _, ident = ref.partition(":")
    if kind == PERSON:
        if ident == recipient:
            return "you"
        someone = await person(work, ident)
        return someone.name if someone is not None and someone.name else UNKNOWN[PERSON]
    group = await group_roles(work, ident)
    return group.name if group is not None and group.name else UNKNOWN[GROUP]


async def mail_fields(work: Work, draft: Draft, recipient: str) -> dict[str, Any]:
    """What ``recipient``'s mail of ``draft`` fills its template with (nothing: the template
    every item can use)."""
    if not draft.mail:
        return {}
    fields: dict[str, Any] = dict(draft.mail)
    for key, ref in draft.names.items():
        kind, _, ident = ref.partition(":")
        fields[key] = await (_plan(work, ident) if kind == PLAN else _name(work, ref, recipient))
    if draft.shares:
        fields["share"] = draft.shares.get(recipient, "none")
    if draft.template is not None:
        fields["template"] = draft.template
    return fields
