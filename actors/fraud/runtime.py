"""What a fraud actor process keeps beside its handlers: its settings (the flag threshold, its
lanes and batch size) and the profiles it parsed last.

The scorer's state lives in each person's profile document; the process only remembers the
parsed form of the profiles it last read or wrote, keyed by the document's ``rev`` (a fresh
token at every write), so a person whose events keep coming is not parsed again from the
stored document for every batch. A cached profile is used only when the stored ``rev`` is the
one it was made for: a write by another process (or a transaction that never committed) is
simply a miss, and the stored document is parsed. A batch reads the profiles of its people
without their data first, and in full only those whose revision the process has not parsed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from nats.aio.client import Client as NATS

from actors.fraud.profile import Profile, dump_profile
from bus.envelopes import Command, Event
from bus.ids import user_scope
from bus.settings import Settings
from bus.subjects import EXPENSE_EVENTS
from storage.fraud import FraudProfileDoc
from storage.shared import budget_ids_in, budget_limit
from storage.unit_of_work import BatchWork

MAX_LIMITS = 50  # budgets read per person

PROFILES_KEPT = 2_000
"""Parsed profiles kept per process, least recently used first out (a parsed profile at its
bound is some 100 KB, so at most about 200 MB; a person's events arriving in a burst hit)."""


class ProfileCache:
    """The last parsed profile of each person, by the ``rev`` of the document it matches."""

    def __init__(self, size: int = PROFILES_KEPT) -> None:
        self._size = size
        self._held: OrderedDict[str, tuple[str, Profile]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, owner: str, rev: str | None) -> Profile | None:
        held = self._held.get(owner)
        if rev is None or held is None or held[0] != rev:
            self.misses += 1
            return None
        self._held.move_to_end(owner)
        self.hits += 1
        return held[1]

    def put(self, owner: str, rev: str, profile: Profile) -> None:
        self._held[owner] = (rev, profile)
        self._held.move_to_end(owner)
        while len(self._held) > self._size:
            self._held.popitem(last=False)

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, owner: object) -> bool:
        return owner in self._held


def limits_key(owner: str) -> tuple[str, str]:
    """Where a batch attempt's memo keeps the ids of the owner's budgets (read once)."""
    return ("fraud_limits", owner)


async def preload_limits(work: BatchWork, owners: Sequence[str]) -> None:
    """The budget ids of every owner of a batch in one query (each owner's, by id, as
    ``risks._context`` would read them one owner at a time). An owner with ``MAX_LIMITS`` or
    more, or every owner if the query may have been cut short, is left to that read."""
    scopes = {user_scope(owner): owner for owner in owners if limits_key(owner) not in work.memo}
    if not scopes:
        return
    most = MAX_LIMITS * len(scopes) + 1
    found = await budget_ids_in(work, list(scopes), most, sort="scope")
    if len(found) >= most:
        return
    by_owner: dict[str, list[str]] = {owner: [] for owner in scopes.values()}
    for budget_id in found:
        budget = await budget_limit(work, budget_id)
        if budget is not None and budget.scope in scopes:
            by_owner[scopes[budget.scope]].append(budget_id)
    for owner, ids in by_owner.items():
        if len(ids) < MAX_LIMITS:
            work.memo[limits_key(owner)] = sorted(ids)


def _issuer(event: Event) -> str | None:
    entity = event.data.get("entity")
    if event.type.startswith("group_expense.") and isinstance(entity, dict):
        issuer = entity.get("created_by")
        if isinstance(issuer, str):
            return issuer
    return None


def owner_of(event: Event) -> str:
    """Whose profile an event of the fraud actor rewrites: a group bill's issuer, else the
    person whose scope it is in (a personal expense's owner, a scanned receipt's)."""
    issuer = _issuer(event)
    return issuer if issuer is not None else event.scope.partition(":")[2] or event.scope


def lane_key_of(event: Event) -> str:
    """What the fraud actor's events are serialised on (``actors.kernel.KeysLanes``): the own
    scope of the person whose profile the event rewrites, so one person's events are never
    scored in two transactions at once, and a review of one's own flag (a command, serialised
    on its issuer's scope) takes the same lane."""
    issuer = _issuer(event)
    return user_scope(issuer) if issuer is not None else event.scope


class FraudRuntime:
    def __init__(self, settings: Settings) -> None:
        self.threshold = settings.fraud_flag_threshold
        self.profiles = ProfileCache()
        self.lanes = settings.fraud_lanes or settings.actor_lanes
        self.batch_max = settings.fraud_batch_max

    def batch_shape(self) -> tuple[int, int]:
        return self.lanes, self.batch_max

    async def start(self, nc: NATS) -> None:
        return None

    async def prepare(self, commands: Sequence[Command]) -> dict[str, Any]:
        return {}

    async def stop(self) -> None:
        return None

    def lane_key(self, event: Event) -> str:
        return lane_key_of(event)

    async def preload(self, work: BatchWork, events: Sequence[Event]) -> None:
        owners = list(dict.fromkeys(owner_of(e) for e in events if e.type in EXPENSE_EVENTS))
        await work.load_known(FraudProfileDoc, owners, ("data",), self._known_profile)
        await preload_limits(work, owners)

    def _known_profile(self, head: FraudProfileDoc) -> FraudProfileDoc | None:
        """A profile read without its data, completed with the parsed form this process made
        of that very revision (None if it has none: the document is then read in full)."""
        profile = self.profiles.get(head.id, head.rev)
        if profile is None:
            return None
        return head.deferred(profile, lambda: dump_profile(profile))
