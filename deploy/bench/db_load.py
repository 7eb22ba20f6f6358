"""How much each process of a benchmark's stack asked of the database over a phase: the
``ledgerbus_db_commands_total`` counters of every process's ``/metrics`` read before and after,
and their difference per unit of work (an expense, a bill)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

COUNTER = "ledgerbus_db_commands"
TRANSACTIONS = {  # sample name -> what it is summed as
    "ledgerbus_transaction_duration_seconds_count": "#transactions",
    "ledgerbus_transaction_duration_seconds_sum": "#transaction_ms",
    "ledgerbus_batch_size_sum": "#messages",
    "ledgerbus_transaction_retries_total": "#retried",
}
"""How the process's transactions went, read beside its commands (keys start with ``#``)."""
SCRAPE_TIMEOUT_S = 5.0
TOP = 4
"""The collections named per process: those it sent most commands to."""

Reading = dict[str, Counter[str]]
"""By process: commands sent, by ``collection command`` (``none commitTransaction``, ...)."""


def parse(text: str) -> Counter[str]:
    """The database commands one ``/metrics`` page counts, by collection and command."""
    found: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if family.name == COUNTER and s.name.endswith("_total"):
                found[f"{s.labels['collection']} {s.labels['command']}"] += int(s.value)
            elif s.name in TRANSACTIONS:
                scale = 1000 if s.name.endswith("seconds_sum") else 1
                found[TRANSACTIONS[s.name]] += round(s.value * scale)
    return found


async def read(urls: Sequence[tuple[str, str]]) -> Reading:
    """Every process's counters now (a process that does not answer counts nothing)."""
    timeout = aiohttp.ClientTimeout(total=SCRAPE_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def one(url: str) -> Counter[str]:
            try:
                async with http.get(url) as response:
                    return parse(await response.text()) if response.status == 200 else Counter()
            except (aiohttp.ClientError, TimeoutError):
                return Counter()

        pages = await asyncio.gather(*(one(url) for _, url in urls))
    return {name: page for (name, _), page in zip(urls, pages, strict=True)}


def per_unit(before: Reading, after: Reading, units: int) -> dict[str, dict[str, float]]:
    """By process (those that sent any): ``all`` commands per unit, its :data:`TOP` busiest
    collection-and-command pairs per unit, and its transactions over the phase (``#``: how
    many, their mean milliseconds and messages, how many were run again)."""
    out: dict[str, dict[str, float]] = {}
    for name, counts in after.items():
        spent = counts - before.get(name, Counter())
        commands = Counter({k: v for k, v in spent.items() if not k.startswith("#")})
        total = sum(commands.values())
        if total == 0 or units <= 0:
            continue
        figures = {"all": round(total / units, 1)}
        figures.update({k: round(v / units, 1) for k, v in commands.most_common(TOP)})
        if (made := spent["#transactions"]) > 0:
            figures["#transactions"] = made
            figures["#ms_each"] = round(spent["#transaction_ms"] / made, 1)
            figures["#messages_each"] = round(spent["#messages"] / made, 1)
            figures["#retried"] = spent["#retried"]
        out[name] = figures
    return out


def lines(figures: dict[str, dict[str, float]], unit: str) -> list[str]:
    """Figures as lines, the busiest process first."""
    if not figures:
        return []
    out = [f"  database commands per {unit}, by process (and its busiest):"]
    for name, f in sorted(figures.items(), key=lambda kv: -kv[1]["all"]):
        busiest = ", ".join(f"{k} {v:g}" for k, v in f.items() if k != "all" and k[0] != "#")
        out.append(f"    {name:<22} {f['all']:>6g}   {busiest}")
        if "#transactions" in f:
            out.append(
                f"    {'':<22} {f['#transactions']:g} transactions, {f['#ms_each']:g} ms and "
                f"{f['#messages_each']:g} messages each, {f['#retried']:g} run again"
            )
    return out
