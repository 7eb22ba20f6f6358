"""Writing a round's expenses over HTTP: each user is one client writing its own expenses one
after another, all users at once; a 202 is waited out afterwards."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import date

import aiohttp

from deploy.bench.budgets.api import CURRENCY, REQUEST_TIMEOUT_S, await_command, money
from deploy.bench.budgets.options import CATEGORY_NAMES
from deploy.bench.budgets.plan import Owner, Planned
from deploy.bench.budgets.results import WriteFigures
from deploy.bench.http import JSON_HEADERS, session
from deploy.bench.stats import Sample, window


@dataclass
class WriteRun:
    """The requests of a round, the expenses they created, and what went wrong."""

    samples: list[Sample] = field(default_factory=list)
    created: list[Planned] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    pending_accepted: int = 0
    pending_rejected: int = 0
    duration_s: float = 0.0

    def figures(self) -> WriteFigures:
        return WriteFigures(
            **vars(window(self.samples, self.duration_s)),
            duration_s=round(self.duration_s, 3),
            pending_accepted=self.pending_accepted,
            pending_rejected=self.pending_rejected,
            expenses_created=len(self.created),
            first_error=self.details[0] if self.details else None,
        )


def _body(owner: Owner, expense: Planned, day: date, number: int) -> bytes:
    return json.dumps(
        {
            "amount": money(expense.cents),
            "currency": CURRENCY,
            "date": day.isoformat(),
            "category_id": owner.categories[CATEGORY_NAMES[expense.category]],
            "description": f"bench budgets {number}",
        }
    ).encode()


async def write_expenses(
    base_url: str, owners: list[Owner], plan: list[Planned], day: date, first: int
) -> WriteRun:
    """Every planned expense POSTed once, numbered from ``first``."""
    run = WriteRun()
    sessions = [session(base_url, o.user.token, REQUEST_TIMEOUT_S) for o in owners]
    pending: list[tuple[int, Planned, str]] = []

    async def client(index: int) -> None:
        http = sessions[index]
        for n, expense in enumerate(plan):
            if expense.user != index:
                continue
            body = _body(owners[index], expense, day, first + n)
            start = time.perf_counter()
            status, command_id = 0, None
            try:
                async with http.post("/v1/expenses", data=body, headers=JSON_HEADERS) as resp:
                    raw = await resp.read()
                    status = resp.status
                    command_id = resp.headers.get("X-Command-Id")
                if status == 202:
                    command_id = json.loads(raw).get("command_id")
                    pending.append((index, expense, str(command_id)))
                elif status == 201:
                    run.created.append(expense)
                else:
                    run.details.append(f"{status} {raw.decode(errors='replace')[:300]}")
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                run.details.append(f"{type(exc).__name__}: {exc}"[:300])
            run.samples.append(Sample(start, time.perf_counter(), status, command_id))

    started = time.perf_counter()
    try:
        await asyncio.gather(*(client(i) for i in range(len(owners))))
        run.duration_s = time.perf_counter() - started
        for index, expense, command_id in pending:
            done = await await_command(sessions[index], command_id)
            if done.get("status") == "accepted":
                run.created.append(expense)
                run.pending_accepted += 1
            else:
                run.pending_rejected += 1
                run.details.append(f"202 then {json.dumps(done)[:300]}")
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    return run
