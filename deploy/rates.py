"""`ledgerbus rates`: refresh from the provider now, set an operator's rates, show a day's rates.

Refresh and set are commands to the currency actor (cmd.currency.refresh_rates / set_rates),
so they are recorded, deduplicated and answered like any other; show is a request-reply query.
"""

from __future__ import annotations

import json
from datetime import date
from typing import IO, Any

from bus.client import CommandSender, build_command
from bus.conversions import RatesQuery, RatesTable
from bus.envelopes import Outcome
from bus.rpc import QueryFailed, QueryUnavailable, ask
from bus.settings import Settings
from bus.subjects import RATES_RPC
from deploy.targets import open_nats


async def _send(
    settings: Settings, command_type: str, payload: dict[str, Any], wait_s: float
) -> Outcome | None:
    nc = await open_nats(settings, "rates-cli")
    sender = CommandSender(nc, settings.node_id, _no_lookup)
    await sender.start()
    try:
        command = build_command(command_type, payload, issuer=None, issuer_scope="operator")
        return await sender.send(command, wait_s)
    finally:
        await sender.stop()
        await nc.drain()


async def _no_lookup(command_id: str) -> Outcome | None:
    return None


def _report(outcome: Outcome | None, out: IO[str]) -> int:
    if outcome is None:
        out.write("no answer from the currency actor (is it running?)\n")
        return 2
    if not outcome.accepted:
        out.write(f"refused ({outcome.code}): {outcome.message}\n")
        for error in outcome.errors:
            out.write(f"  {'.'.join(map(str, error.loc))}: {error.msg}\n")
        return 1
    out.write(json.dumps(outcome.entity, indent=2) + "\n")
    return 0 if (outcome.entity or {}).get("status", "ok") == "ok" else 1


async def refresh(settings: Settings, out: IO[str]) -> int:
    """Fetch from the configured provider now; exit 1 if it failed (last rates kept, stale)."""
    outcome = await _send(
        settings, "rates.refresh", {"trigger": "operator"}, settings.rates_fetch_timeout_s + 15
    )
    return _report(outcome, out)


async def set_rates(
    settings: Settings, day: date, pairs: list[str], force: bool, note: str | None, out: IO[str]
) -> int:
    """``USD=1.1560 JPY=178.35``: units per one EUR on ``day`` (source ``manual``)."""
    rates: dict[str, str] = {}
    for pair in pairs:
        code, sep, value = pair.partition("=")
        if not sep:
            out.write(f"not CUR=RATE: {pair!r}\n")
            return 2
        rates[code.strip()] = value.strip()
    payload: dict[str, Any] = {"day": day.isoformat(), "rates": rates, "force": force}
    if note:
        payload["note"] = note
    return _report(await _send(settings, "rates.set", payload, 15), out)


async def show(
    settings: Settings, base: str, on: date | None, symbols: list[str] | None, out: IO[str]
) -> int:
    nc = await open_nats(settings, "rates-cli")
    try:
        query = RatesQuery.model_validate({"base": base, "date": on, "symbols": symbols})
        table = await ask(nc, RATES_RPC, query, RatesTable, settings.rpc_timeout_s)
    except (QueryFailed, QueryUnavailable, ValueError) as exc:
        out.write(f"{exc}\n")
        return 1
    finally:
        await nc.drain()
    out.write(f"1 {table.base} on {table.date}:\n")
    for code, entry in sorted(table.rates.items()):
        flag = "  (stale)" if entry.stale else ""
        out.write(f"  {code}  {entry.rate}  {entry.rate_date}  {entry.source}{flag}\n")
    for code, why in sorted(table.missing.items()):
        out.write(f"  {code}  missing: {why}\n")
    for source in table.sources:
        out.write(
            f"source {source.name}: latest {source.latest_day}, stale={source.stale}"
            f"{', last error: ' + source.last_error if source.last_error else ''}\n"
        )
    return 0
