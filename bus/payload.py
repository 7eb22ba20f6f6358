"""The base of every command payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from bus.limits import EntityId
from bus.money import MoneyError, check_places, places_rules


def no_null_default(schema: dict[str, Any]) -> None:
    """A field that may be left out but not sent as null (``T | Unset = None``) shows no
    ``default: null`` either: its schema names only what a client may send."""
    for prop in schema.get("properties", {}).values():
        options = [prop, *prop.get("anyOf", [])]
        if prop.get("default", 0) is None and not any(o.get("type") == "null" for o in options):
            del prop["default"]


SchemaRule = Callable[[dict[str, Any]], None]


def amount_fields(*names: str) -> Callable[[str], dict[str, Any]]:
    """For :func:`places_rule`: the top-level amount fields ``names`` take the pattern."""
    return lambda pattern: {"properties": {name: {"pattern": pattern} for name in names}}


def places_rule(currency: str, amounts: Callable[[str], dict[str, Any]]) -> SchemaRule:
    """A schema rule adding :func:`bus.money.places_rules` (decimals per currency); the
    currency may be left out if the schema does not require it."""

    def add(schema: dict[str, Any]) -> None:
        optional = currency not in schema.get("required", [])
        schema.setdefault("allOf", []).extend(places_rules(currency, amounts, optional))

    return add


def schema_rules(*rules: SchemaRule) -> SchemaRule:
    """A payload's ``json_schema_extra``: :func:`no_null_default`, then ``rules`` in order."""

    def apply(schema: dict[str, Any]) -> None:
        no_null_default(schema)
        for rule in rules:
            rule(schema)

    return apply


class Payload(BaseModel):
    """Base of command payloads: frozen, unknown fields refused. A command's payload class
    names its command type and the actor that owns it (``COMMAND``, ``ACTOR``); a part of a
    payload (a split, the fields shared by an expense's payloads) names none."""

    COMMAND: ClassVar[str] = ""
    ACTOR: ClassVar[str] = ""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=no_null_default)


class DeleteById(Payload):
    """The body of a command that deletes (or archives) one entity by its id."""

    id: EntityId


def fit_precision(payload: BaseModel, amount_field: str = "amount") -> None:
    """Reject more decimals than the payload's currency has, as written ("12.500" USD too);
    show exactly its minor units (7.5 USD -> 7.50). Call from a model validator."""
    amount = getattr(payload, amount_field, None)
    currency = getattr(payload, "currency", None)
    if amount is not None and currency is not None:
        try:
            object.__setattr__(payload, amount_field, check_places(amount, currency))
        except MoneyError as exc:
            raise ValueError(str(exc)) from exc


def refuse_nulls(payload: BaseModel, *names: str) -> None:
    """A change may leave these fields out, but not send them as null: a record cannot lack
    them (their schema has no ``null``; see ``bus.limits.Unset``)."""
    for name in names:
        if name in payload.model_fields_set and getattr(payload, name) is None:
            raise ValueError(f"{name} cannot be null")
