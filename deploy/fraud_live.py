"""The fraud evaluation done as an outside client would: a labelled data set posted through the
HTTP API of a running stack, one client per person, and what the fraud actor decided read back.

``ledgerbus fraud evaluate`` replays a data set through the scorer's pure rules in memory; this
posts the same data set (:mod:`deploy.synthetic.fraud`) to a real edge: each person signs up with
its home currency, creates its categories with the data set's ids, and posts its expenses (and
its households' group bills) in the order they arrived, with the data set's ids, all people at
once (:mod:`deploy.fraud_live_clients`). Meanwhile it watches each risk record's first commit
and the fraud actor's backlog (:mod:`deploy.fraud_live_watch`). Printed: the time from each
expense's accepted answer to its risk record committed (p50, p95, max), the time to the last
record, the largest backlog, whether every expense got exactly one record at its version, the
per-pattern precision/recall/F1 table of the live records, the same for the offline replay of
the same items, and where the two disagree (:mod:`deploy.fraud_live_judge`). Receipts, trips
and budgets (``classic`` only) are not posted: expenses lose their references to them.

    python -m deploy.fraud_live --generator statements --seed 7 --users 30     # embedded stack
    python -m deploy.fraud_live --url http://127.0.0.1:8080 --generator lognormal --seed 7
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from pymongo import AsyncMongoClient

from actors.fraud.facts import expense_of_key, risk_key
from bus.settings import Settings
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack
from deploy.fraud_live_clients import close_clients, make_groups, open_clients, post_all
from deploy.fraud_live_judge import (
    compare,
    live_replay,
    offline_replay,
    table,
)
from deploy.fraud_live_report import LiveRun, print_live
from deploy.fraud_live_watch import Backlog, RiskCommits, read_records
from deploy.synthetic.fraud import catalog

POSTED_KINDS = ("expense", "group_expense")
STALL_S = 120.0
"""How long to wait for risk records while none arrives before calling the rest missing."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where the running stack answers and keeps its records."""

    base_url: str
    mongo_uri: str
    mongo_db: str
    nats_url: str | None
    threshold: int


def posted_items(dataset: Any, with_groups: bool) -> tuple[list[Any], Counter[str]]:
    """The items to post, in stream order, and the kinds left out (with how many)."""
    kinds = POSTED_KINDS if with_groups else ("expense",)
    items, skipped = [], Counter[str]()
    for item in dataset.stream:
        if item.kind not in kinds:
            skipped[item.kind] += 1
        elif item.kind == "expense" and (item.data.get("trip_id") or item.data.get("receipt_id")):
            items.append(replace(item, data={**item.data, "trip_id": None, "receipt_id": None}))
        else:
            items.append(item)
    return items, skipped


async def run_live(
    dataset: Any,
    patterns: Sequence[str],
    target: Target,
    say: Callable[[str], None],
    *,
    name: str = "",
    with_groups: bool = True,
    stall_s: float = STALL_S,
) -> LiveRun:
    """Post ``dataset`` to ``target``, wait for its risk records, read them and judge them."""
    items, skipped = posted_items(dataset, with_groups)
    currencies = {i.data["group_id"]: i.data["currency"] for i in items if i.kind != "expense"}
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(target.mongo_uri)
    db = mongo[target.mongo_db]
    commits, backlog = RiskCommits(db), Backlog(target.nats_url)
    try:
        say(f"signing up {len(dataset.users)} people at {target.base_url}")
        clients = await open_clients(target.base_url, dataset.users, secrets.token_hex(3))
        try:
            groups = await make_groups(clients, dataset.groups, currencies) if with_groups else 0
            await commits.start()
            commits.expect([risk_key(i.kind, str(i.data["id"])) for i in items])
            await backlog.start()
            say(f"posting {len(items):,} items, one client per person")
            posting = await post_all(clients, items)
            say(f"posted in {posting.ended - posting.started:.1f} s; waiting for risk records")
            missing = await commits.settle(list(posting.accepted), stall_s)
        finally:
            await close_clients(clients.values())
            await commits.stop()
            await backlog.stop()
        ids = [expense_of_key(k) for k in posting.accepted]
        records, per_expense = await read_records(db, ids)
    finally:
        await mongo.close()
    live = live_replay(records, target.threshold)
    offline = offline_replay(dataset.users, items, target.threshold)
    return LiveRun(
        name=name,
        people=len(dataset.users),
        posted=Counter(i.kind for i in items),
        skipped=skipped,
        groups=groups,
        posting=posting,
        waits=sum(c.waits for c in clients.values()),
        commit_method=commits.method,
        committed=dict(commits.at),
        missing=missing,
        backlog=backlog.largest,
        backlog_error=backlog.error,
        records=records,
        per_expense=per_expense,
        live=table(live, dataset.labels, patterns),
        offline=table(offline, dataset.labels, patterns),
        comparison=compare(live, offline),
        live_scores=live,
        offline_scores=offline,
        labels=dataset.labels,
    )


async def run_embedded(
    dataset: Any,
    patterns: Sequence[str],
    threshold: int,
    name: str,
    with_groups: bool,
    log: TextIO,
) -> LiveRun:
    """The run on an embedded stack of its own (accounts, expenses, currency, fraud; splits
    for group bills), started in a temporary directory and stopped afterwards."""
    settings = Settings()
    bills = with_groups and any(i.kind == "group_expense" for i in dataset.stream)
    actors = ["accounts", "expenses", "currency", "fraud", *(["splits"] if bills else [])]
    env = {
        **WRITE_LIMITS,
        "LEDGERBUS_FRAUD_FLAG_THRESHOLD": str(threshold),
        "LEDGERBUS_RATES_REFRESH_INTERVAL_S": "0",  # the bundled rates only: no network
        "LEDGERBUS_ACCESS_TOKEN_TTL_S": "7200",
    }
    own = sampled_stack(settings, "fraud-live", "WARNING", actors, log, _say, env)
    async with own as (stack, _):
        layout = stack.layout
        target = Target(
            stack.base_url, layout.mongo.url, settings.mongo_db, layout.nats.url, threshold
        )
        return await run_live(dataset, patterns, target, _say, name=name, with_groups=with_groups)


def _say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="ledgerbus fraud live",
        description="Post a labelled data set through the HTTP API and judge the fraud actor.",
    )
    parser.add_argument("--url", help="a running `ledgerbus up` (default: an embedded stack)")
    parser.add_argument("--generator", choices=sorted(catalog.GENERATORS), default="statements")
    parser.add_argument("--seed", type=int, help="default: the generator's first held-out seed")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--threshold", type=int, default=defaults.fraud_flag_threshold)
    parser.add_argument("--no-groups", action="store_true", help="leave group bills out")
    parser.add_argument("--mongo-uri", default=defaults.mongo_uri, help="with --url")
    parser.add_argument("--mongo-db", default=defaults.mongo_db, help="with --url")
    parser.add_argument("--nats-url", default=defaults.nats_url, help="with --url")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else catalog.HELD_OUT_SEEDS[args.generator][0]
    dataset = catalog.GENERATORS[args.generator](seed, users=args.users, days=args.days)
    patterns = catalog.PATTERNS_OF[args.generator]
    name = f"{args.generator}, seed {seed}, {args.days} days, threshold {args.threshold}"
    groups = not args.no_groups
    if args.url:
        target = Target(
            args.url.rstrip("/"), args.mongo_uri, args.mongo_db, args.nats_url, args.threshold
        )
        run = asyncio.run(run_live(dataset, patterns, target, _say, name=name, with_groups=groups))
    else:
        fd, log_name = tempfile.mkstemp(prefix="ledgerbus-fraud-live-", suffix=".log")
        os.close(fd)
        _say(f"the stack's output goes to {log_name}")
        with Path(log_name).open("w") as log:
            embedded = run_embedded(dataset, patterns, args.threshold, name, groups, log)
            run = asyncio.run(embedded)
    print_live(run, sys.stdout)
    return 0 if not run.missing and not run.wrong_records and not run.posting.refused else 1


if __name__ == "__main__":
    raise SystemExit(main())
