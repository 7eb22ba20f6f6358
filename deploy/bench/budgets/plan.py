"""Who spends what in which category, and each user's budgets: budget 0 counts all spending,
budget ``b > 0`` the default category ``CATEGORY_NAMES[b - 1]``; the expenses go round the first
``budgets`` categories, so one in ``budgets`` counts only in the budget of all spending."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from random import Random

import aiohttp

from deploy.bench.budgets.api import (
    BUDGET_THRESHOLDS,
    CATEGORY_WAIT_S,
    CURRENCY,
    REQUEST_TIMEOUT_S,
    get,
    money,
    write,
)
from deploy.bench.budgets.options import CATEGORY_NAMES
from deploy.bench.http import RequestFailedError, session
from deploy.bench.users import BenchUser


@dataclass(frozen=True)
class Planned:
    """One expense to write: its user, category (an index of ``CATEGORY_NAMES``) and amount."""

    user: int
    category: int
    cents: int


def plan_round(rng: Random, users: int, budgets: int, count: int) -> list[Planned]:
    """``count`` expenses of 1.00 to 50.00, dealt to the users in turn, each user going round
    the first ``budgets`` categories."""
    return [
        Planned(j % users, (j // users) % budgets, rng.randint(100, 5_000)) for j in range(count)
    ]


def counts_in(budget: int, expense: Planned) -> bool:
    """Whether budget ``budget`` of the expense's user counts it (budget 0 counts all)."""
    return budget == 0 or expense.category == budget - 1


def matching(expense: Planned, budgets: int) -> int:
    """How many of its user's ``budgets`` budgets count the expense."""
    return sum(1 for b in range(budgets) if counts_in(b, expense))


@dataclass
class Owner:
    """A user of the throughput rounds: token, category ids by name, budget ids in order."""

    user: BenchUser
    categories: dict[str, str] = field(default_factory=dict)
    budgets: list[str] = field(default_factory=list)


async def categories_of(http: aiohttp.ClientSession) -> dict[str, str]:
    """The user's default categories by name (made by the expenses actor after sign-up)."""
    deadline = time.perf_counter() + CATEGORY_WAIT_S
    while True:
        data = await get(http, "/v1/categories")
        found = {str(c["name"]): str(c["id"]) for c in data["items"]}
        if all(name in found for name in CATEGORY_NAMES):
            return found
        if time.perf_counter() > deadline:
            raise RequestFailedError(f"default categories never all there: {sorted(found)}")
        await asyncio.sleep(0.2)


async def make_budgets(
    base_url: str, users: list[BenchUser], budgets: int, plans: list[list[Planned]]
) -> list[Owner]:
    """Each user's budgets, monthly in EUR: each one's amount is what the plan spends in it
    over every round, so its thresholds are crossed along the way, some in each round."""
    limit = asyncio.Semaphore(4)

    async def one(index: int, user: BenchUser) -> Owner:
        owner = Owner(user)
        async with limit, session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
            owner.categories = await categories_of(http)
            for b in range(budgets):
                cents = sum(
                    e.cents for plan in plans for e in plan if e.user == index and counts_in(b, e)
                )
                body: dict[str, object] = {
                    "name": "All spending" if b == 0 else CATEGORY_NAMES[b - 1],
                    "amount": money(max(100, cents)),
                    "currency": CURRENCY,
                    "period": "monthly",
                    "thresholds": BUDGET_THRESHOLDS,
                }
                if b > 0:
                    body["category_ids"] = [owner.categories[CATEGORY_NAMES[b - 1]]]
                owner.budgets.append(str((await write(http, "POST", "/v1/budgets", body))["id"]))
        return owner

    return list(await asyncio.gather(*(one(i, u) for i, u in enumerate(users))))
