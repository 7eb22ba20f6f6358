"""An in-memory :class:`actors.work.Work`: run a handler's rules without a database.

It behaves as the Mongo unit of work does for one command at a time: ``get`` sees what this
work staged, else what is stored, as a private copy; ``find_ids`` queries what is stored as
overlaid by what this work staged (``storage.matching``, as the batch does); ``put`` and
``emit`` stage; :meth:`MemoryWork.commit` then writes what was staged, numbers the events per
scope and calls the ``when_numbered`` callbacks, as a flush does. ``next`` starts the next
command's work on the same store.

Queries are the part of MongoDB's language that :mod:`storage.matching` covers.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from beanie import Document

from actors.kernel import ActorDefinition, Decision
from actors.outcomes import declared_reads, decode_payload
from actors.reads import Wanted
from actors.work import Work
from bus.envelopes import ActorRef, Command
from storage.matching import matches, overlaid, sort_key
from storage.staging import StagedEvent

D = TypeVar("D", bound=Document)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class MemoryWork:
    """One command's work on an in-memory store (see the module docstring)."""

    def __init__(
        self,
        *docs: Document,
        now: datetime = NOW,
        runtime: Any = None,
        prepared: Any = None,
        command_id: str | None = None,
        store: dict[tuple[type[Document], str], Document] | None = None,
        seqs: dict[str, int] | None = None,
    ) -> None:
        self.command_id = command_id or str(uuid.uuid4())
        self.now = now
        self._runtime = runtime
        self._prepared = prepared
        self.memo: dict[Any, Any] = {}
        self.stored: dict[tuple[type[Document], str], Document] = store if store is not None else {}
        for doc in docs:
            self.stored[(type(doc), str(doc.id))] = doc
        self.staged: list[Document] = []
        self.erasures: list[tuple[type[Document], dict[str, Any]]] = []
        self.events: list[StagedEvent] = []
        self.committed: list[StagedEvent] = []
        self._numbered: list[Callable[[], None]] = []
        self._seqs: dict[str, int] = seqs if seqs is not None else defaultdict(int)

    # -- what a handler sees (actors.work.Work) -------------------------------------------

    @property
    def runtime(self) -> Any:
        return self._runtime

    @property
    def prepared(self) -> Any:
        return self._prepared

    @property
    def session(self) -> Any:
        raise NotImplementedError("a handler reading the session runs only end to end")

    async def get(self, model: type[D], ident: str) -> D | None:
        for doc in reversed(self.staged):
            if isinstance(doc, model) and str(doc.id) == ident:
                copied: D = doc.model_copy(deep=True)
                return copied
        found = self.stored.get((model, ident))
        return found.model_copy(deep=True) if isinstance(found, model) else None

    async def find_ids(
        self, model: type[Document], query: dict[str, Any], limit: int, sort: str = "_id"
    ) -> list[str]:
        rows = [
            doc.model_dump(by_alias=True) for (kind, _), doc in self.stored.items() if kind is model
        ]
        found = sorted(
            (row for row in rows if matches(row, query)), key=lambda r: sort_key(r, sort)
        )
        staged = [doc.model_dump(by_alias=True) for doc in self.staged_of(model)]
        return overlaid(found, staged, query, sort, limit)

    def staged_of(self, model: type[D]) -> list[D]:
        return [doc for doc in self.staged if isinstance(doc, model)]

    def put(self, doc: Document) -> None:
        self.staged = [d for d in self.staged if not (type(d) is type(doc) and d.id == doc.id)]
        self.staged.append(doc)

    def erase(self, model: type[Document], query: dict[str, Any]) -> None:
        self.erasures.append((model, query))

    def emit(self, scope: str, event_type: str, data: dict[str, Any]) -> StagedEvent:
        event = StagedEvent(scope, event_type, data, self.command_id, self.now)
        self.events.append(event)
        return event

    def when_numbered(self, callback: Callable[[], None]) -> None:
        self._numbered.append(callback)

    # -- what the test does with it -------------------------------------------------------

    def commit(self) -> list[StagedEvent]:
        """Write what was staged (an accepted command's flush); the events, numbered."""
        for event in self.events:
            self._seqs[event.scope] += 1
            event.seq = self._seqs[event.scope]
        for callback in self._numbered:
            callback()
        for doc in self.staged:
            self.stored[(type(doc), str(doc.id))] = doc
        for model, query in self.erasures:  # after the puts, as a flush does
            for key, doc in list(self.stored.items()):
                if key[0] is model and matches(doc.model_dump(by_alias=True), query):
                    del self.stored[key]
        done = self.events
        self.committed.extend(done)  # one list for every work of the store (see next)
        self.staged, self.events, self._numbered, self.erasures = [], [], [], []
        return done

    def discard(self) -> None:
        """Forget what was staged (a rejected command's work is never written)."""
        self.staged, self.events, self._numbered, self.erasures = [], [], [], []

    def next(self, *, now: datetime | None = None, prepared: Any = None) -> MemoryWork:
        """The next command's work on the same store (what this one staged must be committed
        or discarded first)."""
        if self.staged or self.events or self.erasures:
            raise RuntimeError("commit() or discard() this work first")
        following = MemoryWork(
            now=now or self.now,
            runtime=self._runtime,
            prepared=prepared,
            store=self.stored,
            seqs=self._seqs,
        )
        following.committed = self.committed
        return following

    def one(self, model: type[D], ident: str) -> D:
        """What is stored of ``model`` under ``ident`` (the test's view after a commit)."""
        doc = self.stored.get((model, ident))
        assert isinstance(doc, model), f"no {model.__name__} {ident}"
        return doc


def command(
    command_type: str,
    issuer: str | None,
    payload: Mapping[str, Any] | None = None,
    *,
    expected_version: int | None = None,
    now: datetime = NOW,
) -> Command:
    """A command as an actor receives it (its payload is passed to the handler separately)."""
    return Command(
        command_id=str(uuid.uuid4()),
        type=command_type,
        actor=ActorRef(user_id=issuer),
        issued_at=now,
        expected_version=expected_version,
        body_hash="test",
        payload=dict(payload or {}),
    )


async def decide(
    handler: Callable[[Command, Any, Any], Awaitable[Decision]],
    sent: Command,
    payload: Any,
    work: MemoryWork,
) -> Decision:
    """Run a command handler as the actor does: what an accepted command staged is written
    (:meth:`MemoryWork.commit`), a rejected one's is dropped."""
    decision = await handler(sent, payload, work)
    if decision.accepted:
        work.commit()
    else:
        work.discard()
    return decision


def reads_of(actor: ActorDefinition, *sent: Command) -> Wanted:
    """What the actor's batch of ``sent`` loads before its handlers run (each payload decoded
    as the actor decodes it; a payload that does not decode fails the test)."""
    decoded = []
    for one in sent:
        payload = decode_payload(actor, one)
        assert not isinstance(payload, Decision), payload
        decoded.append((one, payload))
    return declared_reads(actor, decoded)


def as_work(work: MemoryWork) -> Work:
    """``work`` where a handler's :class:`actors.work.Work` is expected (mypy checks here that
    the in-memory store offers everything the protocol does)."""
    return work
