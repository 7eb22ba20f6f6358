"""Short MongoDB transactions retried on write conflicts with capped exponential backoff and jitter."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from prometheus_client import Counter
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

log = structlog.get_logger(__name__)
T = TypeVar("T")

RETRIES = Counter(
    "ledgerbus_transaction_retries_total",
    "Transactions run again after a transient failure, by reason: write_conflict (a "
    "TransientTransactionError or conflict code), stale_write (a replace lost to another "
    "writer), unknown_commit, or connection.",
    ["reason"],
)


class StaleWrite(Exception):
    """A replace matched no document at the version read: someone else wrote it first."""


def is_transient(exc: BaseException) -> bool:
    """Errors after which the whole transaction may simply be run again."""
    if isinstance(exc, StaleWrite):
        return True
    if isinstance(exc, PyMongoError) and (
        exc.has_error_label("TransientTransactionError")
        or exc.has_error_label("UnknownTransactionCommitResult")
    ):
        return True
    return isinstance(exc, OperationFailure) and exc.code in (112, 251, 24)


async def in_transaction(
    client: AsyncMongoClient,  # type: ignore[type-arg]
    work: Callable[[AsyncClientSession], Awaitable[T]],
    *,
    attempts: int = 12,
    base_delay_s: float = 0.005,
    max_delay_s: float = 0.5,
) -> T:
    """Run ``work`` in a transaction, retrying transient failures (write conflicts) with jitter.

    ``work`` must be safe to run again from scratch: it reads inside the transaction and stages
    its writes there. Non-transient errors, and transient ones after ``attempts`` tries, raise.
    """
    for attempt in range(1, attempts + 1):
        try:
            async with client.start_session() as session, await session.start_transaction():
                return await work(session)
        except (PyMongoError, StaleWrite) as exc:
            if (
                attempt == attempts
                or not is_transient(exc)
                or (isinstance(exc, ConnectionFailure) and attempt > 3)
            ):
                raise
            RETRIES.labels(retry_reason(exc)).inc()
            delay = min(max_delay_s, base_delay_s * 2**attempt) * random.uniform(0.5, 1.5)
            log.debug(
                "transaction_retry", attempt=attempt, delay_s=round(delay, 4), error=str(exc)[:200]
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def retry_reason(exc: BaseException) -> str:
    """Why a transaction is retried, one of a few words (the label of :data:`RETRIES`)."""
    if isinstance(exc, StaleWrite):
        return "stale_write"
    if isinstance(exc, ConnectionFailure):
        return "connection"
    if isinstance(exc, PyMongoError) and exc.has_error_label("UnknownTransactionCommitResult"):
        return "unknown_commit"
    return "write_conflict"
