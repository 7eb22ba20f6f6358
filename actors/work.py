"""What a handler may do: the seam between an actor's decisions and the database.

A command handler or an event reaction reads entities, stages their new state and emits events
through a :class:`Work`; nothing else of the database reaches it. The Mongo unit of work
(:class:`storage.command_work.CommandWork`: an identity map over one batch's transaction,
written at flush) is one implementation; an in-memory one (``tests/support/fake_work.py``) is
another, so a handler's rules run in a unit test in milliseconds, and the end-to-end tests prove
the real path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from beanie import Document

from storage.staging import StagedEvent

D = TypeVar("D", bound=Document)


class Work(Protocol):
    """One command's (or one event reaction's) view of the actor's data."""

    command_id: str
    """The command being applied (an event reaction's: the event's own command id)."""

    now: datetime
    """The batch's clock: every handler of a batch sees the same moment."""

    @property
    def runtime(self) -> Any:
        """The actor process's runtime (``actors.kernel.runtime_of`` gives it typed)."""
        ...

    @property
    def prepared(self) -> Any:
        """What the runtime prepared for this command before the transaction (None if nothing)."""
        ...

    @property
    def memo(self) -> dict[Any, Any]:
        """A memo shared by the handlers of one batch attempt (read-once facts)."""
        ...

    @property
    def session(self) -> Any:
        """The database session, for the few reads that are queries rather than entities
        (budgets' spending rows); a handler using it can only be tested end to end."""
        ...

    async def get(self, model: type[D], ident: str) -> D | None:
        """The entity as this batch sees it (staged, else stored), as a private copy."""
        ...

    async def find_ids(
        self, model: type[Document], query: dict[str, Any], limit: int, sort: str = "_id"
    ) -> list[str]:
        """Ids of entities matching a MongoDB ``query`` (at most ``limit``, by ``sort``) as this
        batch sees them: what is stored, overlaid by what this batch staged so far (a limit
        counted this way holds within a batch); each can then be read with :meth:`get`."""
        ...

    def staged_of(self, model: type[D]) -> list[D]:
        """Entities of ``model`` staged in this batch so far (not yet written)."""
        ...

    def put(self, doc: Document) -> None:
        """Stage the new state of an entity; written only if the command is accepted."""
        ...

    def erase(self, model: type[Document], query: dict[str, Any]) -> None:
        """Remove every entity of ``model`` matching ``query`` when the work is written, after
        what was put (a person's data erased); written only if the command is accepted."""
        ...

    def emit(self, scope: str, event_type: str, data: dict[str, Any]) -> StagedEvent:
        """Stage an event in ``scope``; its ``seq`` is assigned when the batch is written."""
        ...

    def when_numbered(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the staged events have their ``seq`` (before documents are
        written), to record an event's ``seq`` in a staged entity."""
        ...
