"""The benchmark's people: signed up, with their email address, the threshold mails turned on,
and their budgets (one default category each, a threshold every tenth)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import aiohttp

from deploy.bench.groups.api import await_command
from deploy.bench.http import RequestFailedError, call, session
from deploy.bench.notifications.options import THRESHOLDS
from deploy.bench.users import BenchUser, sign_up_many

REQUEST_TIMEOUT_S = 120.0
CURRENCY = "EUR"
BUDGET_AMOUNT = "100.00"
CATEGORY_WAIT_S = 30.0
STEP = "10.00"
"""An expense of a tenth of a budget: each crosses the next threshold."""


@dataclass(frozen=True)
class Person:
    user: BenchUser
    email: str
    today: date
    budgets: list[tuple[str, str, str]]  # (budget id, its name, the category it counts)


async def must(http: aiohttp.ClientSession, method: str, path: str, body: object = None) -> dict:  # type: ignore[type-arg]
    """A write or read that must succeed (a 202 waited out): its answer."""
    status, data = await call(http, method, path, body)
    if status == 202 and isinstance(data, dict):
        done = await await_command(http, str(data["command_id"]))
        outcome = done.get("outcome") or {}
        if done.get("status") == "accepted" and isinstance(outcome.get("entity"), dict):
            return dict(outcome["entity"])
        raise RequestFailedError(f"{method} {path} ended {done}")
    if status not in (200, 201) or not isinstance(data, dict):
        raise RequestFailedError(f"{method} {path} answered {status}: {data}")
    return data


async def _prepare(base_url: str, user: BenchUser, budgets: int) -> Person:
    async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
        me = await must(http, "GET", "/v1/me")
        prefs = {"kinds": {"budget_threshold": {"email": True}}}
        await must(http, "PATCH", "/v1/notifications/preferences", prefs)
        categories = await _categories(http, budgets)
        made = []
        for n, category in enumerate(categories[:budgets]):
            name = f"Bench {n}"
            body = {
                "name": name,
                "amount": BUDGET_AMOUNT,
                "currency": CURRENCY,
                "period": "monthly",
                "category_ids": [category["id"]],
                "thresholds": THRESHOLDS,
            }
            budget = await must(http, "POST", "/v1/budgets", body)
            made.append((str(budget["id"]), name, str(category["id"])))
    today = datetime.now(ZoneInfo(str(me["timezone"]))).date()
    return Person(user, str(me["email"]), today, made)


async def _categories(http: aiohttp.ClientSession, wanted: int) -> list[dict]:  # type: ignore[type-arg]
    """The person's default categories, made by the expenses actor as they signed up (waited
    for: a sign-in may come before them)."""
    deadline = asyncio.get_running_loop().time() + CATEGORY_WAIT_S
    while True:
        found: list[dict] = (await must(http, "GET", "/v1/categories"))["items"]  # type: ignore[type-arg]
        if len(found) >= wanted or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.2)


async def people(base_url: str, count: int, budgets: int) -> list[Person]:
    users = await sign_up_many(base_url, count)
    limit = asyncio.Semaphore(4)

    async def one(user: BenchUser) -> Person:
        async with limit:
            return await _prepare(base_url, user, budgets)

    return list(await asyncio.gather(*(one(u) for u in users)))


async def email_of(base_url: str, user: BenchUser) -> str:
    async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
        return str((await must(http, "GET", "/v1/me"))["email"])
