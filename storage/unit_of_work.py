"""One batch of commands, one transaction: an identity map, staged writes, and a bulk flush.

Handlers read entities through :class:`storage.command_work.CommandWork` (which sees what
earlier commands of the same batch staged, by id and by query) and stage new versions and events
there. Only an accepted command's staging is merged into the batch; a rejected one leaves
nothing behind. :meth:`BatchWork.flush` then
writes everything with bulk operations: each scope's `seq` counter is taken once, state
documents are inserted or replaced at the version read, erasures remove what they name (a
person's data, after the puts), and the processed-command records and events go in with ``insert_many`` — all inside the caller's transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from beanie import Document
from pymongo import InsertOne, ReplaceOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError

from bus.envelopes import utcnow
from bus.ids import new_id
from storage.documents import EventRecord, OutboxEntry, ProcessedCommand, ScopeCounter
from storage.matching import fields_of, overlaid
from storage.staging import StagedEvent, private_copy, to_bson
from storage.transactions import StaleWrite

if TYPE_CHECKING:  # an accepted command's work is merged here
    from storage.command_work import CommandWork

D = TypeVar("D", bound=Document)
_Key = tuple[type[Document], str]


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
        self.erasures: list[tuple[type[Document], dict[str, Any]]] = []  # after the puts
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
        self,
        model: type[Document],
        query: dict[str, Any],
        limit: int,
        sort: str = "_id",
        newer: Sequence[Document] = (),
    ) -> list[str]:
        """Ids of the entities matching ``query`` as this batch sees them: the database's rows
        (read in the transaction, each loaded into the identity map) overlaid by what earlier
        commands of the batch staged and by ``newer`` (the asking command's own staging), so a
        limit counted with a query holds within a batch too (``storage.matching``)."""
        staged = {str(d.id): d for d in self.staged_of(model)}
        staged.update((str(d.id), d) for d in newer if isinstance(d, model))
        stored = {"$and": [query, {"_id": {"$nin": list(staged)}}]} if staged else query
        cursor = (  # the staged ones are judged by their staged state below, not as stored
            model.get_pymongo_collection()
            .find(stored, session=self.session)
            .sort(sort, 1)
            .limit(limit)
        )
        found: list[dict[str, Any]] = []
        async for raw in cursor:
            key = (model, raw["_id"])
            if key not in self._loaded:
                self._loaded[key] = model.model_validate(raw)
            found.append(raw)
        wanted = {"id" if name == "_id" else name for name in fields_of(query, sort)}
        rows = [doc.model_dump(by_alias=True, include=wanted) for doc in staged.values()]
        return overlaid(found, rows, query, sort, limit)

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
        self.erasures.extend(work.erasures)
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
        for model, query in self.erasures:
            await model.get_pymongo_collection().delete_many(query, session=self.session)
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
