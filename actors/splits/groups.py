"""Handlers of groups and membership: create, update, archive, members, roles, invites,
reminders.

Access rules (checked here, against what the server holds when the command is applied):
a non-member gets ``not_found`` for everything in a group; admin actions (update, archive,
members, roles, invites) need the ``owner`` or ``admin`` role (``forbidden`` otherwise); only
the owner hands ownership on, and the owner cannot leave or be removed while others remain.
Membership changes are events in the group's scope and in the affected person's own scope.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from actors.changes import change_data, new_entity_id, next_version, stale
from actors.kernel import Decision, accept, reject
from actors.splits.balances import Tally
from actors.splits.bills import involved, shares_data
from actors.splits.books import empty_balances, record_entry, tally_of
from actors.splits.shares import Part, allocate
from actors.work import Work
from bus.envelopes import Command
from bus.groups import (
    MAX_MEMBERS,
    AcceptInvite,
    AddMember,
    CreateGroup,
    CreateInvite,
    GroupRef,
    LeaveGroup,
    Remind,
    RemoveMember,
    RevokeInvite,
    SetRole,
    UpdateGroup,
)
from bus.ids import group_scope, user_scope
from bus.money import round_to_currency
from storage.groups import GroupDoc, GroupEntryDoc, InviteDoc
from storage.shared import Person, person, person_by_email
from storage.views import group_entity, invite_entity

ADMINS = ("owner", "admin")


def local_day(moment: datetime, timezone: str) -> date:
    """The day ``moment`` falls on in the group's timezone (a settlement made at 00:30 in Tokyo
    is dated that Tokyo day)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


async def member_group(
    work: Work, command: Command, group_id: str
) -> tuple[GroupDoc | None, Decision | None]:
    """The group if the caller is a member of it; else ``not_found`` (never ``forbidden``: a
    stranger learns nothing about a group, not even that it exists)."""
    group = await work.get(GroupDoc, group_id)
    if group is None or command.actor.user_id not in group.member_ids:
        return None, reject("not_found", "no such group")
    return group, None


async def admin_group(
    work: Work, command: Command, group_id: str, *, writable: bool = True
) -> tuple[GroupDoc | None, Decision | None]:
    group, refused = await member_group(work, command, group_id)
    if group is None:
        return None, refused
    if group.role_of(command.actor.user_id) not in ADMINS:
        return None, reject("forbidden", "only the group's owner or admins can do this")
    if writable and group.archived:
        return None, reject("group_archived", "the group is archived")
    return group, None


def _member(user_id: str, role: str, name: str | None, now: Any) -> dict[str, Any]:
    return {"user_id": user_id, "role": role, "name": name, "joined_at": now}


def _with_members(group: GroupDoc, members: list[dict[str, Any]], now: Any) -> GroupDoc:
    return next_version(group, now, members=members, member_ids=[m["user_id"] for m in members])


def _membership_data(
    group: GroupDoc, user_id: str, role: str | None, **extra: Any
) -> dict[str, Any]:
    """What a membership event says: the group after the change, and whose membership moved."""
    return {**change_data(group_entity(group)), "user_id": user_id, "role": role, **extra}


async def create_group(command: Command, p: CreateGroup, work: Work) -> Decision:
    owner = command.actor.user_id
    if owner is None:
        return reject("forbidden", "sign in first")
    group_id = new_entity_id("group", command.command_id, p.id)
    existing = await work.get(GroupDoc, group_id)
    if existing is not None:
        if owner in existing.member_ids:
            return reject("conflict", "a group with this id exists", group_entity(existing))
        return reject("validation", "this id is already taken", id="choose another UUID")
    user = await person(work, owner)
    doc = GroupDoc(
        id=group_id,
        scope=group_scope(group_id),
        name=p.name,
        description=p.description,
        currency=p.currency,
        timezone=p.timezone,
        settings=p.settings.model_dump(mode="json"),
        members=[_member(owner, "owner", user.name if user else None, work.now)],
        member_ids=[owner],
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(doc)
    work.put(empty_balances(group_id, work))
    entity = group_entity(doc)
    work.emit(doc.scope, "group.created", change_data(entity))
    work.emit(user_scope(owner), "group.member_added", _membership_data(doc, owner, "owner"))
    return accept(entity)


async def update_group(command: Command, p: UpdateGroup, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    if (conflict := stale(command, group_entity(group))) is not None:
        return conflict
    changes: dict[str, Any] = {
        name: getattr(p, name) for name in p.model_fields_set - {"group_id", "settings"}
    }
    if p.settings is not None:
        changes["settings"] = p.settings.model_dump(mode="json")
    if "currency" in changes and changes["currency"] != group.currency:
        balances, _ = await tally_of(work, group.id)
        if balances.entries:
            message = "the currency cannot change once the group has expenses or settlements"
            return reject("validation", message, currency=message)
    updated = next_version(group, work.now, **changes)
    work.put(updated)
    entity = group_entity(updated)
    work.emit(group.scope, "group.updated", change_data(entity, group_entity(group)))
    return accept(entity)


async def archive_group(command: Command, p: GroupRef, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id, writable=False)
    if group is None:
        return refused or reject("not_found", "no such group")
    if (conflict := stale(command, group_entity(group))) is not None:
        return conflict
    if group.archived:
        return accept(group_entity(group))
    archived = next_version(group, work.now, archived=True)
    work.put(archived)
    entity = group_entity(archived)
    work.emit(group.scope, "group.archived", change_data(entity, group_entity(group)))
    return accept(entity)


def _join(work: Work, group: GroupDoc, user: Person, role: str, how: str) -> GroupDoc:
    members = [*group.members, _member(user.id, role, user.name, work.now)]
    joined = _with_members(group, members, work.now)
    work.put(joined)
    data = _membership_data(joined, user.id, role, how=how)
    work.emit(group.scope, "group.member_added", data)
    work.emit(user_scope(user.id), "group.member_added", data)
    return joined


async def add_member(command: Command, p: AddMember, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    user = await person_by_email(work, p.email)
    if user is None:
        return reject("not_found", "no account has this email", email="no account has this email")
    if user.id in group.member_ids:
        return reject(
            "already_member",
            "already a member",
            group_entity(group),
            email="already a member of this group",
        )
    if len(group.members) >= MAX_MEMBERS:
        return reject("group_full", f"a group has at most {MAX_MEMBERS} members")
    return accept(group_entity(_join(work, group, user, p.role, "added")))


def _nets_of(tally: Tally, user_id: str) -> dict[str, Decimal]:
    return {
        currency: nets[user_id]
        for currency, nets in tally.nets.items()
        if nets.get(user_id, Decimal(0)) != 0
    }


def _write_off_parts(user_id: str, net: Decimal, others: list[str], currency: str) -> list[Part]:
    """Spread ``user_id``'s net over ``others`` equally, so the user's net becomes zero: what
    they were owed is forgiven, what they owed is taken on by the rest."""
    spread = allocate(abs(net), dict.fromkeys(others, Decimal(1)), currency)
    zero = round_to_currency(Decimal(0), currency)  # "0.00", as every share is written
    if net > 0:  # was owed: gives it up (owes it to themselves, paid by the others)
        return [Part(user_id, zero, net), *(Part(u, spread[u], zero) for u in others)]
    return [Part(user_id, -net, zero), *(Part(u, zero, spread[u]) for u in others)]


async def _settle_departure(
    work: Work,
    command: Command,
    group: GroupDoc,
    user_id: str,
    decision: str,
    reason: str,
) -> Decision | None:
    """A member with a non-zero balance leaves only by an explicit decision: ``block`` refuses,
    ``write_off`` records one entry per currency spreading it over the others."""
    waiting = await work.find_ids(
        GroupEntryDoc,
        {"group_id": group.id, "involved": user_id, "rate_status": "missing", "deleted": False},
        1,
    )
    if waiting:
        message = (
            "an entry of this member still waits for an exchange rate; they can leave once "
            "it is converted (or the entry is changed)"
        )
        return reject("balance_open", message, balance=message)
    _, tally = await tally_of(work, group.id)
    nets = _nets_of(tally, user_id)
    if not nets:
        return None
    owed = ", ".join(f"{net:+} {currency}" for currency, net in sorted(nets.items()))
    others = [m for m in group.member_ids if m != user_id]
    if decision == "block" or not others:
        message = (
            f"the member's balance is not zero ({owed}); settle up first, "
            "or send balance=write_off to spread it over the others"
        )
        return reject("balance_open", message, balance=message)
    by = command.actor.user_id or user_id
    for currency, net in sorted(nets.items()):
        parts = _write_off_parts(user_id, net, others, currency)
        entry = GroupEntryDoc(
            id=new_entity_id("write_off", f"{command.command_id}:{currency}", None),
            group_id=group.id,
            scope=group.scope,
            kind="write_off",
            date=local_day(work.now, group.timezone).isoformat(),
            amount=abs(net),
            currency=currency,
            user_id=user_id,
            reason=reason,
            group_currency=group.currency,
            balance_currency=currency,
            balance_shares=shares_data(parts),
            involved=involved(parts),
            created_by=by,
            version=1,
            created_at=work.now,
            updated_at=work.now,
        )
        await record_entry(work, group.id, "write_off.created", entry)
    return None


async def _depart(
    work: Work, command: Command, group: GroupDoc, user_id: str, decision: str, how: str
) -> Decision:
    if (
        refused := await _settle_departure(work, command, group, user_id, decision, how)
    ) is not None:
        return refused
    role = group.role_of(user_id)
    left = _with_members(group, [m for m in group.members if m["user_id"] != user_id], work.now)
    work.put(left)
    event = "group.member_left" if how == "left" else "group.member_removed"
    data = _membership_data(left, user_id, role, how=how, by=command.actor.user_id)
    work.emit(group.scope, event, data)
    work.emit(user_scope(user_id), event, data)
    return accept(group_entity(left))


async def remove_member(command: Command, p: RemoveMember, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    if p.user_id not in group.member_ids:
        return reject("not_member", "not a member", user_id="not a member of this group")
    if p.user_id == command.actor.user_id:
        return reject("use_leave", "to leave a group, leave it", user_id="use leave")
    if group.role_of(p.user_id) == "owner":
        return reject("forbidden", "the owner cannot be removed")
    return await _depart(work, command, group, p.user_id, p.balance, "removed")


async def leave_group(command: Command, p: LeaveGroup, work: Work) -> Decision:
    group, refused = await member_group(work, command, p.group_id)
    if group is None or command.actor.user_id is None:
        return refused or reject("not_found", "no such group")
    me = command.actor.user_id
    if group.archived:
        return reject("group_archived", "the group is archived")
    if group.role_of(me) == "owner":
        if len(group.members) > 1:
            message = "the owner hands ownership to another member before leaving"
            return reject("owner_stays", message, group_entity(group), role=message)
        message = "the last member does not leave a group: archive it"
        return reject("last_member", message, group_entity(group), role=message)
    return await _depart(work, command, group, me, p.balance, "left")


async def set_role(command: Command, p: SetRole, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None or command.actor.user_id is None:
        return refused or reject("not_found", "no such group")
    me = command.actor.user_id
    if p.user_id not in group.member_ids:
        return reject("not_member", "not a member", user_id="not a member of this group")
    current = group.role_of(p.user_id)
    if (p.role == "owner" or current == "owner") and group.role_of(me) != "owner":
        return reject("forbidden", "only the owner hands ownership on")
    if current == "owner" and p.role != "owner":
        return reject("owner_stays", "make another member the owner instead", role="owner stays")
    if current == p.role:
        return accept(group_entity(group))
    members = []
    for m in group.members:
        if m["user_id"] == p.user_id:
            m = {**m, "role": p.role}
        elif p.role == "owner" and m["role"] == "owner":
            m = {**m, "role": "admin"}  # the old owner stays on as an admin
        members.append(m)
    changed = _with_members(group, members, work.now)
    work.put(changed)
    data = _membership_data(changed, p.user_id, p.role, by=me)
    work.emit(group.scope, "group.role_changed", data)
    work.emit(user_scope(p.user_id), "group.role_changed", data)
    return accept(group_entity(changed))


# ---- invites ---------------------------------------------------------------------------------


async def create_invite(command: Command, p: CreateInvite, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None or command.actor.user_id is None:
        return refused or reject("not_found", "no such group")
    if await work.find_ids(InviteDoc, {"token_hash": p.token_hash}, 1):
        return reject("validation", "this invite exists", token_hash="already used")
    invite = InviteDoc(
        id=new_entity_id("invite", command.command_id, None),
        token_hash=p.token_hash,
        group_id=group.id,
        created_by=command.actor.user_id,
        expires_at=work.now + timedelta(seconds=p.expires_in_s),
        max_uses=p.max_uses,
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(invite)
    entity = invite_entity(invite)
    work.emit(group.scope, "invite.created", change_data(entity))
    return accept(entity)


async def accept_invite(command: Command, p: AcceptInvite, work: Work) -> Decision:
    found = await work.find_ids(InviteDoc, {"token_hash": p.token_hash}, 1)
    invite = await work.get(InviteDoc, found[0]) if found else None
    me = command.actor.user_id
    if invite is None or invite.group_id != p.group_id or me is None:
        return reject("not_found", "no such invite")
    problem = None
    if invite.revoked:
        problem = "this invite was revoked"
    elif invite.expires_at <= work.now:
        problem = "this invite has expired"
    elif invite.uses >= invite.max_uses:
        problem = "this invite has been used up"
    if problem is not None:
        return reject("validation", problem, token=problem)
    group = await work.get(GroupDoc, invite.group_id)
    user = await person(work, me)
    if group is None or user is None:
        return reject("not_found", "no such invite")
    if group.archived:
        return reject("group_archived", "the group is archived", token="the group is archived")
    if me in group.member_ids:
        return reject(
            "already_member",
            "already a member",
            group_entity(group),
            token="you are already a member",
        )
    if len(group.members) >= MAX_MEMBERS:
        return reject("group_full", f"a group has at most {MAX_MEMBERS} members")
    work.put(
        next_version(invite, work.now, uses=invite.uses + 1, accepted_by=[*invite.accepted_by, me])
    )
    return accept(group_entity(_join(work, group, user, "member", "invite")))


async def revoke_invite(command: Command, p: RevokeInvite, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id, writable=False)
    if group is None:
        return refused or reject("not_found", "no such group")
    invite = await work.get(InviteDoc, p.invite_id)
    if invite is None or invite.group_id != group.id:
        return reject("not_found", "no such invite")
    if invite.revoked:
        return accept(invite_entity(invite))
    revoked = next_version(invite, work.now, revoked=True)
    work.put(revoked)
    entity = invite_entity(revoked)
    work.emit(group.scope, "invite.revoked", change_data(entity, invite_entity(invite)))
    return accept(entity)


# ---- reminders -------------------------------------------------------------------------------


async def remind(command: Command, p: Remind, work: Work) -> Decision:
    """A nudge to a member who owes, in that member's own scope (their devices only)."""
    group, refused = await member_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    if p.user_id not in group.member_ids:
        return reject("not_member", "not a member", user_id="not a member of this group")
    _, tally = await tally_of(work, group.id)
    owes = {c: -n for c, n in _nets_of(tally, p.user_id).items() if n < 0}
    if not owes:
        return reject("nothing_owed", "this member owes nothing", user_id="owes nothing")
    transfers = [t for t in tally.plan() if t.from_user == p.user_id]
    reminder = {
        "id": new_entity_id("reminder", command.command_id, None),
        "group_id": group.id,
        "group_name": group.name,
        "from_user": command.actor.user_id,
        "to_user": p.user_id,
        "note": p.note,
        "owes": [{"currency": c, "amount": str(a)} for c, a in sorted(owes.items())],
        "pay": [
            {"to": t.to_user, "amount": str(t.amount), "currency": t.currency} for t in transfers
        ],
        "sent_at": work.now.isoformat(),
    }
    work.emit(user_scope(p.user_id), "reminder.sent", {"entity": reminder, "version": None})
    return Decision(True, reminder, None)
