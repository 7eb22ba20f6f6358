"""One batch of commands, one transaction: an identity map, staged writes, and a bulk flush.

Handlers read entities through :class:`CommandWork` (which sees what earlier commands of the
same batch staged) and stage new versions and events there. Only an accepted command's staging
is merged into the batch; a rejected one leaves nothing behind. :meth:`BatchWork.flush` then
writes everything with bulk operations: each scope's `seq` counter is taken once, state
documents are inserted or replaced at the version read, and the processed-command records and
events go in with ``insert_many`` — all inside the caller's transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from beanie import Document
from bson.decimal128 import Decimal128
from pydantic import BaseModel
from pymongo import InsertOne, ReplaceOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError

from bus.envelopes import Outcome, utcnow
from bus.ids import new_id
from storage.documents import EventRecord, OutboxEntry, ProcessedCommand, ScopeCounter
from storage.transactions import StaleWrite

D = TypeVar("D", bound=Document)
_Key = tuple[type[Document], str]


def to_bson(doc: Document) -> dict[str, Any]:
    """A document as MongoDB stores it: field aliases (``_id``), decimals as Decimal128.

    Our documents are flat apart from plain JSON data, so this avoids Beanie's generic
    (and, per document, far slower) encoder on the hot path.
    """
    data: dict[str, Any] = doc.model_dump(by_alias=True, exclude={"revision_id"})
    for key, value in data.items():
        if isinstance(value, Decimal):
            data[key] = Decimal128(value)
    return data


_SHARED = (str, int, float, datetime, date, Decimal, type(None))
"""Field values that cannot be changed in place (bool is an int): a copy may share them."""


def private_copy(doc: D) -> D:
    """A copy of ``doc`` its reader may change freely, as a deep copy is, but made by copying
    only the fields that can be changed in place (lists, dicts, models); most of a document is
    strings, numbers and times, which a deep copy would walk for nothing. A document that says
    how it is deep-copied (``__deepcopy__``) is copied its own way."""
    if type(doc).__deepcopy__ is not BaseModel.__deepcopy__:
        own: D = doc.model_copy(deep=True)
        return own
    copied: D = doc.model_copy()
    for values in (copied.__dict__, copied.__pydantic_private__ or {}):
        for name, value in values.items():
            if not isinstance(value, _SHARED):
                values[name] = deepcopy(value)
    return copied


@dataclass
class StagedEvent:
    """An event before its `seq` is known."""

    scope: str
    type: str
    data: dict[str, Any]
    command_id: str
    occurred_at: datetime
    event_id: str = field(default_factory=new_id)
    seq: int = 0

    def to_record(self) -> EventRecord:
        return EventRecord(
            id=self.event_id,
            scope=self.scope,
            seq=self.seq,
            type=self.type,
            command_id=self.command_id,
            occurred_at=self.occurred_at,
            data=self.data,
        )


class BatchWork:
    """Identity map and staged writes of one transaction."""

    def __init__(
        self,
        session: AsyncClientSession,
        runtime: Any = None,
        prepared: Mapping[str, Any] | None = None,
    ) -> None:
        self.session = session
        self.runtime = runtime  # the actor process's runtime (caches, clients), if it has one
        self.prepared: Mapping[str, Any] = prepared or {}  # by command id, from Runtime.prepare
        self._loaded: dict[_Key, Document | None] = {}
        self._staged: dict[_Key, Document] = {}
        self.events: list[StagedEvent] = []
        self.processed: list[ProcessedCommand] = []
        self.outbox_id: str | None = None
        self.records: list[EventRecord] = []  # the events as written, once flushed
        # What handlers derived from staged state and may reuse within this attempt (a parsed
        # form of a document, say); keyed so that a rejected command's entries are never hit.
        self.memo: dict[Any, Any] = {}
        self._numbered: list[Callable[[], None]] = []  # run once the events have their seq

    async def load(self, model: type[Document], ids: list[str]) -> None:
        """Fetch many entities in one query (prefetch), remembering the ones that do not exist."""
        wanted = [i for i in dict.fromkeys(ids) if (model, i) not in self._loaded]
        if not wanted:
            return
        raw = model.get_pymongo_collection().find({"_id": {"$in": wanted}}, session=self.session)
        found = {doc["_id"]: model.model_validate(doc) async for doc in raw}
        for ident in wanted:
            doc = found.get(ident)
            self._loaded[(model, ident)] = doc

    async def load_known(
        self,
        model: type[D],
        ids: list[str],
        omit: Sequence[str],
        complete: Callable[[D], D | None],
    ) -> None:
        """Like :meth:`load`, without the fields ``omit`` (large ones whose parsed form the
        caller keeps, each with defaults): ``complete`` turns each document read into the one
        to hold (the caller's own completion), or gives None when it cannot, and those are then
        loaded in full. A query of the heads instead of the whole documents, when the caller
        knows most of them already."""
        wanted = [i for i in dict.fromkeys(ids) if (model, i) not in self._loaded]
        if not wanted:
            return
        raw = model.get_pymongo_collection().find(
            {"_id": {"$in": wanted}}, dict.fromkeys(omit, 0), session=self.session
        )
        unknown: list[str] = []
        read: set[str] = set()
        async for row in raw:
            read.add(row["_id"])
            doc = complete(model.model_validate(row))
            if doc is None:
                unknown.append(row["_id"])
            else:
                self._loaded[(model, row["_id"])] = doc
        for ident in wanted:
            if ident not in read:
                self._loaded[(model, ident)] = None
        await self.load(model, unknown)

    async def find_ids(
        self, model: type[Document], query: dict[str, Any], limit: int, sort: str = "_id"
    ) -> list[str]:
        """Ids of documents matching ``query`` (read in the transaction); each is loaded into
        the identity map, so handlers then read and stage them with :meth:`get` / ``put``."""
        cursor = (
            model.get_pymongo_collection()
            .find(query, session=self.session)
            .sort(sort, 1)
            .limit(limit)
        )
        ids: list[str] = []
        async for raw in cursor:
            key = (model, raw["_id"])
            if key not in self._loaded:
                self._loaded[key] = model.model_validate(raw)
            ids.append(raw["_id"])
        return ids

    async def get(self, model: type[D], ident: str) -> D | None:
        """The entity as this batch sees it (staged > loaded > database), as a private copy."""
        key = (model, ident)
        if key in self._staged:
            return private_copy(self._staged[key])
        if key not in self._loaded:
            await self.load(model, [ident])
        doc = self._loaded[key]
        return private_copy(doc) if doc is not None else None

    def staged_of(self, model: type[D]) -> list[D]:
        """Documents of ``model`` staged by earlier commands of this batch (not yet written)."""
        return [doc for (kind, _), doc in self._staged.items() if kind is model]

    def merge(self, work: CommandWork) -> None:
        for doc in work.staged:
            self._staged[(type(doc), str(doc.id))] = doc
        self.events.extend(work.events)
        self._numbered.extend(work.numbered)
        self.processed.append(work.processed_record())

    async def flush(self) -> None:
        """Write everything staged, in bulk, inside the transaction.

        Every read (the scopes' `seq` heads) and all encoding happen first; the writes then go
        back to back, so the transaction holds its writes as briefly as it can.
        """
        counter_ops = await self._assign_seqs()
        for numbered in self._numbered:  # before anything is encoded: they may change documents
            numbered()
        state_ops, replaces = self._state_ops()
        processed = [to_bson(p) for p in self.processed]
        self.records = [e.to_record() for e in self.events]
        events = [to_bson(r) for r in self.records]
        outbox = None
        if self.events:
            self.outbox_id = new_id()
            outbox = to_bson(
                OutboxEntry(
                    id=self.outbox_id,
                    event_ids=[e.event_id for e in self.events],
                    created_at=utcnow(),  # the relay waits from here, not from when it was applied
                )
            )
        if counter_ops:
            await self._write_counters(counter_ops)
        for model, ops in state_ops.items():
            try:
                result = await model.get_pymongo_collection().bulk_write(
                    ops, ordered=False, session=self.session
                )
            except BulkWriteError as exc:
                if _only_duplicates(exc):  # inserted concurrently by another process
                    raise StaleWrite(f"{model.__name__}: a document was created since") from exc
                raise
            if result.matched_count != replaces[model]:
                raise StaleWrite(f"{model.__name__}: a document changed since it was read")
        if processed:
            await ProcessedCommand.get_pymongo_collection().insert_many(
                processed, ordered=False, session=self.session
            )
        if events:
            await EventRecord.get_pymongo_collection().insert_many(
                events, ordered=False, session=self.session
            )
        if outbox is not None:
            await OutboxEntry.get_pymongo_collection().insert_one(outbox, session=self.session)

    async def _assign_seqs(self) -> list[InsertOne[Any] | UpdateOne]:
        """Number the events per scope after each scope's current head; the counter writes."""
        per_scope = Counter(e.scope for e in self.events)
        if not per_scope:
            return []
        cursor = ScopeCounter.get_pymongo_collection().find(
            {"_id": {"$in": list(per_scope)}}, session=self.session
        )
        heads = {row["_id"]: row["seq"] async for row in cursor}
        next_seq = {scope: heads.get(scope, 0) + 1 for scope in per_scope}
        for event in self.events:
            event.seq = next_seq[event.scope]
            next_seq[event.scope] += 1
        return [
            UpdateOne({"_id": scope, "seq": heads[scope]}, {"$set": {"seq": heads[scope] + n}})
            if scope in heads
            else InsertOne({"_id": scope, "seq": n})
            for scope, n in per_scope.items()
        ]

    async def _write_counters(self, ops: list[InsertOne[Any] | UpdateOne]) -> None:
        """Move each scope's head at the value read; anyone else moving it first means retry."""
        expected = sum(1 for op in ops if isinstance(op, UpdateOne))
        try:
            result = await ScopeCounter.get_pymongo_collection().bulk_write(
                ops, ordered=False, session=self.session
            )
        except BulkWriteError as exc:  # a new scope's counter inserted concurrently
            raise StaleWrite("a scope's seq counter was created concurrently") from exc
        if result.matched_count != expected:
            raise StaleWrite("a scope's seq counter moved since it was read")

    def _state_ops(
        self,
    ) -> tuple[
        dict[type[Document], list[InsertOne[Any] | ReplaceOne[Any]]], Counter[type[Document]]
    ]:
        by_model: dict[type[Document], list[InsertOne[Any] | ReplaceOne[Any]]] = {}
        replaces: Counter[type[Document]] = Counter()
        for (model, ident), doc in self._staged.items():
            encoded = to_bson(doc)
            read = self._loaded.get((model, ident))
            if read is None:
                by_model.setdefault(model, []).append(InsertOne(encoded))
            else:
                by_model.setdefault(model, []).append(
                    ReplaceOne({"_id": ident, "version": getattr(read, "version", None)}, encoded)
                )
                replaces[model] += 1
        return by_model, replaces


def _only_duplicates(exc: BulkWriteError) -> bool:
    errors = exc.details.get("writeErrors", [])
    return bool(errors) and all(e.get("code") == 11000 for e in errors)


class CommandWork:
    """What one command's handler sees and stages; merged into the batch only if accepted."""

    def __init__(
        self,
        batch: BatchWork,
        command_id: str,
        command_type: str,
        issuer: str | None,
        body_hash: str,
        now: datetime,
    ) -> None:
        self._batch = batch
        self.command_id = command_id
        self.command_type = command_type
        self.issuer = issuer
        self.body_hash = body_hash
        self.now = now
        self.staged: list[Document] = []
        self.events: list[StagedEvent] = []
        self.numbered: list[Callable[[], None]] = []
        self.outcome: Outcome | None = None

    @property
    def session(self) -> AsyncClientSession:
        """The batch's transaction, for reads a handler makes beyond the identity map."""
        return self._batch.session

    @property
    def runtime(self) -> Any:
        """The actor process's runtime (``actors.kernel.runtime_of`` gives it typed)."""
        return self._batch.runtime

    @property
    def prepared(self) -> Any:
        """What the runtime prepared for this command before the transaction (None if nothing)."""
        return self._batch.prepared.get(self.command_id)

    @property
    def memo(self) -> dict[Any, Any]:
        """The batch attempt's memo (see :class:`BatchWork`)."""
        return self._batch.memo

    async def get(self, model: type[D], ident: str) -> D | None:
        for doc in reversed(self.staged):
            if isinstance(doc, model) and str(doc.id) == ident:
                return private_copy(doc)
        return await self._batch.get(model, ident)

    async def find_ids(
        self, model: type[Document], query: dict[str, Any], limit: int, sort: str = "_id"
    ) -> list[str]:
        """See :meth:`BatchWork.find_ids`."""
        return await self._batch.find_ids(model, query, limit, sort)

    def staged_of(self, model: type[D]) -> list[D]:
        """Documents of ``model`` staged in this batch so far, this command's last (a query
        of the database does not see them yet)."""
        mine = {str(d.id): d for d in self.staged if isinstance(d, model)}
        earlier = [d for d in self._batch.staged_of(model) if str(d.id) not in mine]
        return [*earlier, *mine.values()]

    def put(self, doc: Document) -> None:
        """Stage the new state of an entity (insert if new, else replace at the version read)."""
        self.staged = [d for d in self.staged if not (type(d) is type(doc) and d.id == doc.id)]
        self.staged.append(doc)

    def emit(self, scope: str, event_type: str, data: dict[str, Any]) -> StagedEvent:
        """Stage an event in ``scope``; its `seq` is assigned at flush."""
        event = StagedEvent(scope, event_type, data, self.command_id, self.now)
        self.events.append(event)
        return event

    def when_numbered(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` at flush once events have their `seq` and before documents are
        written (to record an event's `seq` in a staged document); kept only if accepted."""
        self.numbered.append(callback)

    def processed_record(self) -> ProcessedCommand:
        assert self.outcome is not None, "a command is recorded with its outcome"
        return ProcessedCommand(
            id=self.command_id,
            type=self.command_type,
            issuer=self.issuer,
            body_hash=self.body_hash,
            outcome=self.outcome.model_dump(mode="json"),
            processed_at=self.now,
        )
