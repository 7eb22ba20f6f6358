"""Registering and removing a person's push devices (``push_device.register`` / ``.remove``).
A device's id is derived from (person, provider, endpoint or token): registering it again is
the same device (its label updated), one removed earlier comes back. Each change is heard by
the person's other devices (``push_device.registered`` / ``.removed``)."""

from __future__ import annotations

from collections.abc import Sequence

from actors.changes import change_data
from actors.kernel import Decision, accept, reject
from actors.work import Work
from bus.envelopes import Command, causing_device
from bus.ids import derived_id, inbox_scope
from bus.push_devices import MAX_PUSH_DEVICES, RegisterPushDevice, RemovePushDevice
from storage.preloads import ids_by_key
from storage.push_devices import PushDeviceDoc, push_device_entity
from storage.unit_of_work import BatchWork

_LIVE = {"removed_at": None}


def _devices_key(person: str) -> tuple[str, str]:
    return ("push_devices", person)  # the database's answer is the same all through the attempt


async def preload_devices(work: BatchWork, people: Sequence[str]) -> None:
    """The live push devices of a batch's recipients, in one query (see :func:`live_devices`)."""
    wanted = [p for p in people if _devices_key(p) not in work.memo]
    found = await ids_by_key(work, PushDeviceDoc, "user_id", wanted, _LIVE, MAX_PUSH_DEVICES)
    for person, ids in (found or {}).items():
        work.memo[_devices_key(person)] = ids


async def live_devices(work: Work, person: str) -> list[PushDeviceDoc]:
    """The person's push devices not removed (as written, or as staged by this batch)."""
    key = _devices_key(person)
    ids = work.memo.get(key)
    if ids is None:
        query = {"user_id": person, **_LIVE}
        ids = work.memo[key] = await work.find_ids(PushDeviceDoc, query, MAX_PUSH_DEVICES)
    staged = [d.id for d in work.staged_of(PushDeviceDoc) if d.user_id == person]
    found = []
    for device_id in dict.fromkeys([*ids, *staged]):
        device = await work.get(PushDeviceDoc, device_id)
        if device is not None and device.removed_at is None and device.user_id == person:
            found.append(device)
    return found


def push_device_id(user_id: str, p: RegisterPushDevice) -> str:
    return derived_id("push_device", user_id, p.provider, p.address())


async def register_push_device(command: Command, p: RegisterPushDevice, work: Work) -> Decision:
    me = command.actor.user_id
    if me is None:
        return reject("forbidden", "sign in first")
    ident = push_device_id(me, p)
    found = await work.get(PushDeviceDoc, ident)
    if found is not None and found.removed_at is None and found.label == p.label:
        return accept(push_device_entity(found))  # registered already: nothing changes
    if found is None or found.removed_at is not None:
        live = await work.find_ids(
            PushDeviceDoc, {"user_id": me, "removed_at": None}, MAX_PUSH_DEVICES
        )
        if len(live) >= MAX_PUSH_DEVICES:
            return reject("limit_reached", f"at most {MAX_PUSH_DEVICES} push devices each")
    keys = p.subscription.keys if p.subscription is not None else None
    doc = PushDeviceDoc(
        id=ident,
        user_id=me,
        provider=p.provider,
        endpoint=p.subscription.endpoint if p.subscription is not None else None,
        p256dh=keys.p256dh if keys is not None else None,
        auth=keys.auth if keys is not None else None,
        token=p.token,
        label=p.label,
        device=causing_device(command.actor),
        created_at=found.created_at if found is not None else work.now,
        version=found.version + 1 if found is not None else 1,
    )
    work.put(doc)
    entity = push_device_entity(doc)
    work.emit(inbox_scope(me), "push_device.registered", change_data(entity))
    return accept(entity)


async def remove_push_device(command: Command, p: RemovePushDevice, work: Work) -> Decision:
    me = command.actor.user_id
    doc = await work.get(PushDeviceDoc, p.id)
    if doc is None or doc.user_id != me or doc.removed_at is not None:
        return reject("not_found", "no such push device")
    removed = doc.model_copy(
        update={"removed_at": work.now, "removed_why": "removed", "version": doc.version + 1}
    )
    work.put(removed)
    entity = push_device_entity(removed)
    work.emit(inbox_scope(doc.user_id), "push_device.removed", change_data(entity))
    return accept(entity)
