"""The HTTP calls of ``ledgerbus bench budgets`` that must succeed, and the constants of its
run."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from actors.app import reaction_durable
from actors.budgets import BUDGETS
from deploy.bench.http import RequestFailedError, call

ACTORS = ["accounts", "expenses", "budgets"]
"""Sign-up and sign-in (accounts), categories and expenses (expenses), budgets (budgets)."""

SECOND = "actor:budgets#2"
"""The second budgets process, started for the second round on the same consumers."""

CURRENCY = "EUR"
BUDGET_THRESHOLDS = [25, 50, 75, 100]
ALERT_THRESHOLDS = list(range(10, 101, 10))
ALERT_AMOUNT = "10.00"
ALERT_BUDGET = "100.00"
DURABLES = [reaction_durable(BUDGETS.name, t) for t in BUDGETS.reactions]
REQUEST_TIMEOUT_S = 120.0
PENDING_WAIT_S = 600.0
STREAM_WAIT_S = 120.0
APPLY_WAIT_S = 1800.0
ALERT_WAIT_S = 30.0
CATEGORY_WAIT_S = 30.0

ApiObject = dict[str, Any]
"""An entity or answer of the API, as it came: JSON, which the benchmark reads but does not
type (its figures are typed)."""


async def await_command(http: aiohttp.ClientSession, command_id: str) -> ApiObject:
    """Poll ``/v1/commands/{id}`` (as its issuer) until it is no longer pending."""
    deadline = time.perf_counter() + PENDING_WAIT_S
    while True:
        status, data = await call(http, "GET", f"/v1/commands/{command_id}")
        if status == 200 and isinstance(data, dict) and data.get("status") != "pending":
            return data
        if status not in (200, 202):
            raise RequestFailedError(f"GET /v1/commands/{command_id} answered {status}: {data}")
        if time.perf_counter() > deadline:
            raise RequestFailedError(f"command {command_id} still pending after {PENDING_WAIT_S} s")
        await asyncio.sleep(0.2)


async def write(
    http: aiohttp.ClientSession, method: str, path: str, body: object = None
) -> ApiObject:
    """A write that must succeed: its entity (waiting out a 202)."""
    status, data = await call(http, method, path, body)
    if status == 202 and isinstance(data, dict):
        done = await await_command(http, str(data["command_id"]))
        outcome = done.get("outcome") or {}
        entity = outcome.get("entity") if isinstance(outcome, dict) else None
        if done.get("status") == "accepted" and isinstance(entity, dict):
            return dict(entity)
        raise RequestFailedError(f"{method} {path} {json.dumps(body)} ended {done}")
    if status not in (200, 201) or not isinstance(data, dict):
        raise RequestFailedError(f"{method} {path} {json.dumps(body)} answered {status}: {data}")
    return data


async def get(http: aiohttp.ClientSession, path: str) -> ApiObject:
    """A read that must answer 200 with an object."""
    status, data = await call(http, "GET", path)
    if status != 200 or not isinstance(data, dict):
        raise RequestFailedError(f"GET {path} answered {status}: {data}")
    return data


def local_today(timezone: str) -> date:
    """Today where the user lives (users sign up with their timezone)."""
    return datetime.now(ZoneInfo(timezone)).date()


def money(cents: int) -> str:
    """``cents`` as an amount with two decimals."""
    return str(Decimal(cents).scaleb(-2).quantize(Decimal("0.01")))
