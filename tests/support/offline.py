"""Beanie documents usable without a database: a unit test builds entities and never writes.

Beanie refuses to construct a document whose class was never bound to a database, and binding
asks the server for its version. :func:`bind_documents_offline` binds every document of the
project to a client that never connects (its two questions answered here), unless a test of
the same process already bound them to a real server — then those bindings stay.
"""

from __future__ import annotations

import asyncio
from typing import Any

from beanie import init_beanie
from beanie.exceptions import CollectionWasNotInitialized
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from storage.accounts import UserDoc
from storage.database import DOCUMENTS

NOWHERE = "mongodb://127.0.0.1:9"  # the discard port: nothing is ever sent there


class _Unconnected:
    """A database that answers Beanie's start-up questions and hands out lazy collections."""

    def __init__(self, real: AsyncDatabase[Any]) -> None:
        self._real = real

    async def command(self, *_: Any, **__: Any) -> dict[str, Any]:
        return {"version": "7.0.0"}

    async def list_collection_names(self, *_: Any, **__: Any) -> list[str]:
        return []

    def __getitem__(self, name: str) -> Any:
        return self._real[name]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _bound() -> bool:
    try:
        UserDoc.get_settings()
    except CollectionWasNotInitialized:
        return False
    return True


def bind_documents_offline() -> None:
    """Bind the project's documents to a client that never connects (once per process)."""
    if _bound():
        return
    client: AsyncMongoClient[Any] = AsyncMongoClient(NOWHERE, connect=False)
    database = _Unconnected(client["offline"])
    binding = init_beanie(database=database, document_models=list(DOCUMENTS), skip_indexes=True)  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()  # its own loop: the tests' loop is never touched
    try:
        loop.run_until_complete(binding)
    finally:
        loop.close()
