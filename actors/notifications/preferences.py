"""Changing what a person hears of and where (``notification.preferences.set``), and what an
item's kind is sent to given their preferences. Each change is a new version, heard by every
device of theirs as ``notification_preferences.updated``."""

from __future__ import annotations

from datetime import datetime

from actors.changes import change_data
from actors.kernel import Decision, accept, reject
from actors.work import Work
from bus.envelopes import Command
from bus.ids import inbox_scope
from bus.notification_preferences import (
    Channel,
    SetNotificationPreferences,
    digest_periods,
    effective,
)
from bus.quiet_hours import QuietHours, quiet_until
from storage.notification_preferences import PreferencesDoc, preferences_entity
from storage.shared import person as person_of

NEVER_HELD = frozenset({"security"})


async def set_preferences(command: Command, p: SetNotificationPreferences, work: Work) -> Decision:
    me = command.actor.user_id
    if me is None:
        return reject("forbidden", "sign in first")
    doc = await work.get(PreferencesDoc, me) or PreferencesDoc(id=me)
    kinds = {kind: dict(channels) for kind, channels in doc.kinds.items()}
    for kind, switch in p.kinds.items():
        kinds.setdefault(kind, {}).update(switch.model_dump(exclude_none=True))
    update: dict[str, object] = {
        "kinds": kinds,
        "digests": digest_periods(kinds),
        "version": doc.version + 1,
    }
    if "quiet_hours" in p.model_fields_set:
        update["quiet_hours"] = p.quiet_hours.model_dump() if p.quiet_hours else None
    changed = doc.model_copy(update=update)
    work.put(changed)
    entity = preferences_entity(changed)
    work.emit(inbox_scope(me), "notification_preferences.updated", change_data(entity))
    return accept(entity)


async def channels_for(work: Work, person: str, kind: str) -> list[Channel]:
    """The channels an item of ``kind`` goes to for ``person`` beyond the inbox. The first time
    one goes by email, their preferences are made (nothing chosen, version 0) for the key the
    mail's unsubscribe link is signed with."""
    doc = await work.get(PreferencesDoc, person)
    chosen = effective(doc.kinds if doc is not None else {}).get(kind, {})
    channels: list[Channel] = [c for c in ("email", "push") if chosen.get(c)]
    if chosen.get("digest", "off") != "off" and "email" in channels:
        channels.remove("email")  # its mail waits for the digest
    if "email" in channels and doc is None:
        work.put(PreferencesDoc(id=person))
    return channels


async def held_until(work: Work, person: str, kind: str) -> datetime | None:
    """When the person's quiet hours let an item of ``kind`` go out (None: now). Security
    notices are never held."""
    doc = await work.get(PreferencesDoc, person)
    if doc is None or doc.quiet_hours is None or kind in NEVER_HELD:
        return None
    profile = await person_of(work, person)
    if profile is None:
        return None
    return quiet_until(work.now, profile.timezone, QuietHours.model_validate(doc.quiet_hours))
