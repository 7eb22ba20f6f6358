"""One command's share of a batch: what its handler reads (through the batch's identity map,
its own staging first) and stages; merged into the batch only if the command is accepted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from beanie import Document
from pymongo.asynchronous.client_session import AsyncClientSession

from bus.envelopes import Outcome
from storage.documents import ProcessedCommand
from storage.staging import StagedEvent, private_copy

if TYPE_CHECKING:  # the batch merges an accepted command's work (storage.unit_of_work)
    from storage.unit_of_work import BatchWork

D = TypeVar("D", bound=Document)


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
        device_id: str | None = None,
    ) -> None:
        self._batch = batch
        self.device_id = device_id  # the device that caused it: its events say so
        self.command_id = command_id
        self.command_type = command_type
        self.issuer = issuer
        self.body_hash = body_hash
        self.now = now
        self.staged: list[Document] = []
        self.erasures: list[tuple[type[Document], dict[str, Any]]] = []
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
        """See :meth:`BatchWork.find_ids` (this command's own staging counts too)."""
        mine = [d for d in self.staged if isinstance(d, model)]
        return await self._batch.find_ids(model, query, limit, sort, newer=mine)

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

    def erase(self, model: type[Document], query: dict[str, Any]) -> None:
        """Remove the entities of ``model`` matching ``query`` at flush, after the puts."""
        self.erasures.append((model, query))

    def emit(self, scope: str, event_type: str, data: dict[str, Any]) -> StagedEvent:
        """Stage an event in ``scope``; its `seq` is assigned at flush."""
        event = StagedEvent(
            scope, event_type, data, self.command_id, self.now, device_id=self.device_id
        )
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
