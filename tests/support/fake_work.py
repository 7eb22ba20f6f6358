"""An in-memory :class:`actors.work.Work`: run a handler's rules without a database.

It behaves as the Mongo unit of work does for one command at a time: ``get`` sees what this
work staged, else what is stored, as a private copy; ``find_ids`` queries what is stored (not
what is staged, as a query inside the transaction would not see it either); ``put`` and
``emit`` stage; :meth:`MemoryWork.commit` then writes what was staged, numbers the events per
scope and calls the ``when_numbered`` callbacks, as a flush does. ``next`` starts the next
command's work on the same store.

Queries are a small part of MongoDB's language, enough for the handlers: equality (an array
field matches when it holds the value), dotted paths, ``$in``, ``$nin``, ``$ne``, ``$exists``,
``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$and``, ``$or``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from beanie import Document

from actors.kernel import Decision
from actors.work import Work
from bus.envelopes import ActorRef, Command
from storage.unit_of_work import StagedEvent

D = TypeVar("D", bound=Document)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
_MISSING = object()


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
        found = [row for row in rows if matches(row, query)]
        found.sort(key=lambda row: _sort_key(_lookup(row, sort)))
        return [str(row["_id"]) for row in found[:limit]]

    def staged_of(self, model: type[D]) -> list[D]:
        return [doc for doc in self.staged if isinstance(doc, model)]

    def put(self, doc: Document) -> None:
        self.staged = [d for d in self.staged if not (type(d) is type(doc) and d.id == doc.id)]
        self.staged.append(doc)

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
        done = self.events
        self.committed.extend(done)  # one list for every work of the store (see next)
        self.staged, self.events, self._numbered = [], [], []
        return done

    def discard(self) -> None:
        """Forget what was staged (a rejected command's work is never written)."""
        self.staged, self.events, self._numbered = [], [], []

    def next(self, *, now: datetime | None = None, prepared: Any = None) -> MemoryWork:
        """The next command's work on the same store (what this one staged must be committed
        or discarded first)."""
        if self.staged or self.events:
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


# -- a small part of MongoDB's query language ---------------------------------------------


def matches(row: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Whether a document (as stored, ``_id`` included) matches ``query``."""
    for key, wanted in query.items():
        if key == "$and":
            if not all(matches(row, part) for part in wanted):
                return False
        elif key == "$or":
            if not any(matches(row, part) for part in wanted):
                return False
        elif not _field_matches(_lookup(row, key), wanted):
            return False
    return True


def _lookup(row: Mapping[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part, _MISSING)
        elif isinstance(value, list):
            value = [v.get(part, _MISSING) for v in value if isinstance(v, Mapping)]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def _candidates(value: Any) -> Sequence[Any]:
    """A field's value and, for an array, each element (MongoDB matches either)."""
    return [value, *value] if isinstance(value, list) else [value]


def _field_matches(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, Mapping) and wanted and all(str(k).startswith("$") for k in wanted):
        return all(_operator(value, op, arg) for op, arg in wanted.items())
    present = None if value is _MISSING else value
    return any(_equal(v, wanted) for v in _candidates(present))


def _operator(value: Any, op: str, arg: Any) -> bool:
    present = None if value is _MISSING else value
    if op == "$exists":
        return (value is not _MISSING) == bool(arg)
    if op == "$in":
        return any(_equal(v, a) for v in _candidates(present) for a in arg)
    if op == "$nin":
        return not any(_equal(v, a) for v in _candidates(present) for a in arg)
    if op == "$ne":
        return not any(_equal(v, arg) for v in _candidates(present))
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "$gt": lambda a, b: a > b,
        "$gte": lambda a, b: a >= b,
        "$lt": lambda a, b: a < b,
        "$lte": lambda a, b: a <= b,
    }
    if op in compare:
        return any(
            v is not None and _comparable(v, arg) and compare[op](v, arg)
            for v in _candidates(present)
        )
    raise NotImplementedError(f"query operator {op} is not in the in-memory store")


def _equal(a: Any, b: Any) -> bool:
    return bool(a == b)


def _comparable(a: Any, b: Any) -> bool:
    try:
        _ = a < b
    except TypeError:
        return False
    return True


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is _MISSING or value is None:
        return (0, "")
    return (1, value)


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


def as_work(work: MemoryWork) -> Work:
    """``work`` where a handler's :class:`actors.work.Work` is expected (mypy checks here that
    the in-memory store offers everything the protocol does)."""
    return work
