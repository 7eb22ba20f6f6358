"""What a command's handler reads by id, declared where the handler is registered.

``on(CreateExpense, create_expense, reads=(own(ExpenseDoc, "expense"), ref(CategoryDoc,
"category_id"), caller()))`` says that the handler reads the expense the command is about, the
category its payload names and the person who sent it. A batch then loads what all its commands
declare in one query per kind of document (:func:`wanted`) before any handler runs, so the
prefetch is derived from the declarations instead of written beside them, and a handler that
reads something undeclared is still right, only slower (its read goes to the database).

Each read names the payload field it uses (a dotted path into a nested model, such as
``template.category_id``, holding one id or a list of them); a registration naming a field its
payload class does not have is refused when the actor is defined (``actors.handling.on``). What
belongs to another actor is declared through the views of :mod:`storage.shared` (:func:`caller`,
:func:`shared`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from beanie import Document
from pydantic import BaseModel

from actors.changes import new_entity_id
from bus.envelopes import Command
from bus.payload import Payload
from storage.shared import prefetched

Wanted = Mapping[type[Document], list[str]]
"""Ids to load, by kind of document."""

Shared = Literal["people", "groups", "categories", "trips", "receipts"]
"""Another actor's data a handler may read (through its view in :mod:`storage.shared`)."""


@dataclass(frozen=True, slots=True)
class Read:
    """One declared read: the payload fields it uses, and the ids it loads for a command."""

    name: str
    fields: tuple[str, ...]
    load: Callable[[Command, Any], Wanted]

    def check(self, payload: type[Payload]) -> None:
        """Refuse a read of a field the payload class does not have."""
        missing = [f for f in self.fields if not _has(payload, f.split("."))]
        if missing:
            raise ValueError(f"{payload.__name__} has no field {', '.join(missing)} ({self.name})")


def _has(model: type[BaseModel], path: list[str]) -> bool:
    """Whether ``model`` has the field at ``path`` (through nested models, optional or not)."""
    field = model.model_fields.get(path[0])
    if field is None:
        return False
    if len(path) == 1:
        return True
    annotation = field.annotation
    kinds = [*get_args(annotation)] if get_origin(annotation) in (Union, UnionType) else []
    nested = [
        k for k in [annotation, *kinds] if isinstance(k, type) and issubclass(k, BaseModel)
    ]  # a model or an optional one; never the items of a list, which _ids does not follow
    return any(_has(k, path[1:]) for k in nested)


def _ids(payload: Any, path: str) -> list[str]:
    """The id (or ids) at ``path`` in the payload; none where a step is not given."""
    value = payload
    for name in path.split("."):
        value = getattr(value, name, None)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def own(model: type[Document], kind: str) -> Read:
    """The entity the command is about: its ``id``, or for a creation the id it will get (the
    client's own, else derived from the command as the handler derives it)."""

    def load(command: Command, payload: Any) -> Wanted:
        return {model: [new_entity_id(kind, command.command_id, payload.id)]}

    return Read(f"own {model.__name__}", ("id",), load)


def ref(model: type[Document], field: str) -> Read:
    """Entities of the actor's own that the payload names by id (or ids) in ``field``."""

    def load(command: Command, payload: Any) -> Wanted:
        return {model: _ids(payload, field)}

    return Read(f"{model.__name__} by {field}", (field,), load)


def callers(model: type[Document]) -> Read:
    """The actor's own document kept per person under their user id (their settings), for the
    person who sent the command."""

    def load(command: Command, payload: Any) -> Wanted:
        user_id = command.actor.user_id
        return {model: [user_id] if user_id is not None else []}

    return Read(f"the caller's {model.__name__}", (), load)


def caller() -> Read:
    """The person who sent the command (``storage.shared.person``)."""

    def load(command: Command, payload: Any) -> Wanted:
        user_id = command.actor.user_id
        return prefetched(people=[user_id] if user_id is not None else [])

    return Read("the caller", (), load)


def shared(kind: Shared, field: str) -> Read:
    """Another actor's entities the payload names by id (or ids) in ``field``, read through
    their view in :mod:`storage.shared` (a group's roles, a category's owner, a receipt ...)."""

    def load(command: Command, payload: Any) -> Wanted:
        return prefetched(**{kind: _ids(payload, field)})

    return Read(f"{kind} by {field}", (field,), load)


def wanted(declared: Iterable[tuple[Command, Payload, Sequence[Read]]]) -> Wanted:
    """What a batch loads before its handlers run: every id its commands' reads declare, by
    kind of document, each once."""
    merged: dict[type[Document], dict[str, None]] = {}
    for command, payload, reads in declared:
        for read in reads:
            for model, ids in read.load(command, payload).items():
                merged.setdefault(model, {}).update(dict.fromkeys(ids))
    return {model: list(ids) for model, ids in merged.items() if ids}
