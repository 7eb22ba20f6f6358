"""The base of every command payload."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from bus.money import MoneyError, check_places


def no_null_default(schema: dict[str, Any]) -> None:
    """A field that may be left out but not sent as null (``T | Unset = None``) shows no
    ``default: null`` either: its schema names only what a client may send."""
    for prop in schema.get("properties", {}).values():
        options = [prop, *prop.get("anyOf", [])]
        if prop.get("default", 0) is None and not any(o.get("type") == "null" for o in options):
            del prop["default"]


class Payload(BaseModel):
    """Base of command payloads: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=no_null_default)


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
