"""Amounts shown in a currency the caller picks (``?display=EUR``): conversions are asked of the
currency actor by request-reply, a page or a summary at a time, never computed here."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from bus.conversions import (
    MAX_CONVERSIONS,
    Conversion,
    ConvertBatch,
    ConvertBatchReply,
    ConvertRequest,
    RateProblem,
)
from bus.entities import Expense
from bus.money import round_to_currency
from bus.subjects import CONVERT_RPC
from http_edge.queries import ask_actor
from http_edge.schemas import (
    CategoryTotal,
    CurrencyTotal,
    DisplayValue,
    ExpenseSummary,
    Unconverted,
)
from storage.queries import AmountRow

M = TypeVar("M", bound=BaseModel)


async def ask_currency(request: web.Request, subject: str, query: BaseModel, answer: type[M]) -> M:
    """One query to the currency actor, its failures in HTTP terms (``http_edge.queries``)."""
    return await ask_actor(request, subject, query, answer, what="currency conversion")


async def convert_many(
    request: web.Request, wanted: Sequence[ConvertRequest]
) -> list[Conversion | RateProblem]:
    """Every conversion in ``wanted`` (identical ones asked once), in order."""
    unique = list(dict.fromkeys(wanted))
    chunks = [unique[i : i + MAX_CONVERSIONS] for i in range(0, len(unique), MAX_CONVERSIONS)]
    replies = await asyncio.gather(
        *(
            ask_currency(request, CONVERT_RPC, ConvertBatch(items=c), ConvertBatchReply)
            for c in chunks
        )
    )
    answers: dict[ConvertRequest, Conversion | RateProblem] = {}
    for chunk, reply in zip(chunks, replies, strict=True):
        answers.update(zip(chunk, reply.results, strict=True))
    return [answers[w] for w in wanted]


def conversion_request(amount: Decimal, currency: str, to: str, on: date) -> ConvertRequest:
    return ConvertRequest(amount=amount, from_currency=currency, to_currency=to, date=on)


def display_value(to: str, answer: Conversion | RateProblem) -> DisplayValue:
    if isinstance(answer, RateProblem):
        return DisplayValue(currency=to, status="missing", reason=answer.message, stale=False)
    return DisplayValue(
        currency=to,
        amount=answer.converted_amount,
        rate=answer.rate,
        rate_date=answer.rate_date,
        source=answer.source,
        stale=answer.stale,
        status="ok",
    )


async def with_display(
    request: web.Request, expenses: Sequence[Expense], to: str | None
) -> list[dict[str, object]]:
    """The expenses as JSON, each with a ``display`` value in ``to`` when one is asked for."""
    items: list[dict[str, object]] = [e.model_dump(mode="json") for e in expenses]
    if to is None or not expenses:
        return items
    answers = await convert_many(
        request, [conversion_request(e.amount, e.currency, to, e.date) for e in expenses]
    )
    for item, answer in zip(items, answers, strict=True):
        item["display"] = display_value(to, answer).model_dump(mode="json")
    return items


async def summarize(request: web.Request, rows: Sequence[AmountRow], to: str) -> ExpenseSummary:
    """Totals of ``rows`` in ``to``: each expense converted at its own date's rate (exactly as
    a list shows it), then added up, so a total is always the sum of the values shown."""
    answers = await convert_many(
        request, [conversion_request(r.amount, r.currency, to, r.date) for r in rows]
    )
    recorded: dict[str, list[Decimal]] = defaultdict(list)
    converted: dict[str, Decimal | None] = {}
    by_category: dict[str | None, Decimal] = defaultdict(Decimal)
    unconverted: dict[tuple[str, date], tuple[Decimal, str]] = {}
    stale = False
    for row, answer in zip(rows, answers, strict=True):
        recorded[row.currency].append(row.amount)
        if isinstance(answer, RateProblem):
            amount, _ = unconverted.get((row.currency, row.date), (Decimal(0), ""))
            unconverted[(row.currency, row.date)] = (amount + row.amount, answer.message)
            converted[row.currency] = None
            continue
        stale = stale or answer.stale
        by_category[row.category_id] += answer.converted_amount
        so_far = converted.setdefault(row.currency, Decimal(0))
        if so_far is not None:
            converted[row.currency] = so_far + answer.converted_amount
    zero = round_to_currency(Decimal(0), to)
    return ExpenseSummary(
        display_currency=to,
        total=sum(by_category.values(), zero),
        count=len(rows),
        by_currency=[
            CurrencyTotal(currency=c, amount=sum(a), count=len(a), converted=converted.get(c))
            for c, a in sorted(recorded.items())
        ],
        by_category=[
            CategoryTotal(category_id=k, amount=v)
            for k, v in sorted(by_category.items(), key=lambda kv: kv[0] or "")
        ],
        unconverted=[
            Unconverted(currency=c, date=d, amount=a, reason=why)
            for (c, d), (a, why) in sorted(unconverted.items())
        ],
        stale=stale,
    )
