"""Handlers of groups: create, update, archive. The handlers of members and roles
(:mod:`actors.splits.membership`), invites (:mod:`actors.splits.invites`) and reminders
(:mod:`actors.splits.reminders`) live beside it.

Access rules (checked here, against what the server holds when the command is applied):
a non-member gets ``not_found`` for everything in a group; admin actions (update, archive,
members, roles, invites) need the ``owner`` or ``admin`` role (``forbidden`` otherwise); only
the owner hands ownership on, and the owner cannot leave or be removed while others remain.
Membership changes are events in the group's scope and in the affected person's own scope.
"""

from __future__ import annotations

from typing import Any

from actors.changes import change_data, new_entity_id, next_version, stale
from actors.kernel import Decision, accept, reject
from actors.splits.books import empty_balances, tally_of
from actors.splits.group_access import admin_group, member_entry, membership_data
from actors.work import Work
from bus.envelopes import Command
from bus.groups import CreateGroup, GroupRef, UpdateGroup
from bus.ids import group_scope, user_scope
from storage.groups import GroupDoc
from storage.shared import person
from storage.views import group_entity


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
        members=[member_entry(owner, "owner", user.name if user else None, work.now)],
        member_ids=[owner],
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(doc)
    work.put(empty_balances(group_id, work))
    entity = group_entity(doc)
    work.emit(doc.scope, "group.created", change_data(entity))
    work.emit(user_scope(owner), "group.member_added", membership_data(doc, owner, "owner"))
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
