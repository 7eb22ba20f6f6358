"""The base of every command payload."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bus.money import MoneyError, check_precision


class Payload(BaseModel):
    """Base of command payloads: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def fit_precision(payload: BaseModel, amount_field: str = "amount") -> None:
    """Reject more decimals than the payload's currency has; show exactly its minor units
    (7.5 USD -> 7.50). Call from a model validator."""
    amount = getattr(payload, amount_field, None)
    currency = getattr(payload, "currency", None)
    if amount is not None and currency is not None:
        try:
            object.__setattr__(payload, amount_field, check_precision(amount, currency))
        except MoneyError as exc:
            raise ValueError(str(exc)) from exc
