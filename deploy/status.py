"""``ledgerbus status``: every stream and durable consumer as JetStream reports them, judged.

A durable is judged on three things:

- **subscribed**: a pull consumer has a subscriber while it has a pull request waiting
  (``num_waiting``) or delivered or had an ack within ``ACTIVE_WITHIN_S`` (``last_active`` of
  ``delivered`` and of ``ack_floor``); a push consumer while it is bound. A pull consumer found
  without one is looked at once more ``SECOND_LOOK_S`` later (a subscriber renews its pull
  request every few seconds, and a look can fall between two).
- **lag**: ``num_pending`` (not yet delivered) plus ``num_ack_pending`` (delivered, not acked).
- **oldest unacked age**: how long ago the first message past the durable's ack floor on its
  filter subject was published (``ack_floor.stream_seq + 1``, read from the stream): the oldest
  message it has not acknowledged, delivered or not. If that message is gone from the stream,
  the time since the ack floor last moved (its ``last_active``, else the consumer's creation).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo, StreamInfo
from nats.js.errors import Error as JetStreamError
from nats.js.errors import NotFoundError

from actors.app import subscriptions
from actors.registry import ACTORS

ACTIVE_WITHIN_S = 30.0
"""A pull consumer that delivered or saw an ack this recently counts as subscribed."""
SECOND_LOOK_S = 0.5
LIST_PAGE = 256
"""JetStream's page size for stream and consumer lists."""


@dataclass(frozen=True)
class Limits:
    """When a durable's backlog is a problem: more than ``max_lag`` messages pending or ack
    pending, or an oldest unacked message older than ``max_age_s``."""

    max_lag: int
    max_age_s: float


@dataclass(frozen=True)
class StreamRow:
    name: str
    subjects: tuple[str, ...]
    messages: int
    bytes: int
    first_seq: int
    last_seq: int
    consumers: int


@dataclass(frozen=True)
class DurableRow:
    """One durable consumer as JetStream reports it, with what is derived from it."""

    stream: str
    name: str
    actor: str | None
    filter_subject: str | None
    pending: int
    ack_pending: int
    redelivered: int
    waiting_pulls: int
    push_bound: bool
    subscribed: bool
    last_delivered: datetime | None
    last_applied: datetime | None
    oldest_unacked_age_s: float | None
    oldest_unacked_from: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def lag(self) -> int:
        return self.pending + self.ack_pending


@dataclass(frozen=True)
class BusView:
    """The streams and durables of one NATS server, or why they could not be read."""

    streams: list[StreamRow] = field(default_factory=list)
    durables: list[DurableRow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Durables an actor consumes that its stream does not have (yet)."""
    error: str | None = None


def owners() -> dict[tuple[str, str], str]:
    """(stream, durable) -> the actor that consumes it, for every actor's subscriptions."""
    return {
        (stream, durable): name
        for name, definition in ACTORS.items()
        for stream, _, durable, *_ in subscriptions(definition)
    }


def is_subscribed(info: ConsumerInfo, now: datetime) -> bool:
    """Whether a subscriber is bound to the consumer (see the module docstring)."""
    if info.config.deliver_subject:
        return bool(info.push_bound)
    if (info.num_waiting or 0) > 0:
        return True
    seen = [s.last_active for s in (info.delivered, info.ack_floor) if s and s.last_active]
    return any((now - at).total_seconds() <= ACTIVE_WITHIN_S for at in seen)


def judged(row: DurableRow, limits: Limits) -> DurableRow:
    """``row`` with its problems named."""
    problems = []
    if not row.subscribed:
        problems.append("no subscriber")
    if row.lag > limits.max_lag:
        problems.append(f"lag {row.lag} > {limits.max_lag}")
    age = row.oldest_unacked_age_s
    if age is not None and age > limits.max_age_s:
        problems.append(f"oldest unacked {age:.0f} s > {limits.max_age_s:g} s")
    return replace(row, problems=tuple(problems))


def durable_row(
    info: ConsumerInfo, actor: str | None, now: datetime, oldest: tuple[datetime, str] | None
) -> DurableRow:
    """The row of one consumer; ``oldest``: when its oldest unacked message was published (or
    its ack floor last moved) and which of the two it is."""
    delivered, floor = info.delivered, info.ack_floor
    return DurableRow(
        stream=info.stream_name,
        name=info.name,
        actor=actor,
        filter_subject=info.config.filter_subject,
        pending=info.num_pending or 0,
        ack_pending=info.num_ack_pending or 0,
        redelivered=info.num_redelivered or 0,
        waiting_pulls=info.num_waiting or 0,
        push_bound=bool(info.push_bound),
        subscribed=is_subscribed(info, now),
        last_delivered=delivered.last_active if delivered else None,
        last_applied=floor.last_active if floor else None,
        oldest_unacked_age_s=max((now - oldest[0]).total_seconds(), 0.0) if oldest else None,
        oldest_unacked_from=oldest[1] if oldest else None,
    )


def stream_row(info: StreamInfo) -> StreamRow:
    state = info.state
    return StreamRow(
        name=info.config.name or "",
        subjects=tuple(info.config.subjects or ()),
        messages=state.messages,
        bytes=state.bytes,
        first_seq=state.first_seq,
        last_seq=state.last_seq,
        consumers=state.consumer_count,
    )


async def read_bus(js: JetStreamContext, limits: Limits) -> BusView:
    """Every stream and durable consumer, judged against ``limits``; or the error."""
    try:
        streams = await _paged_streams(js)
        infos = [info for s in streams for info in await _paged_consumers(js, s.config.name)]
        infos = [info for info in infos if info.config.durable_name]
        known = owners()
        rows = await asyncio.gather(*(_durable(js, info, known) for info in infos))
    except (JetStreamError, TimeoutError, OSError) as exc:
        return BusView(error=f"{type(exc).__name__}: {exc}"[:300])
    found = {(row.stream, row.name) for row in rows}
    names = {s.config.name for s in streams}
    missing = sorted(
        f"{stream}/{durable}"
        for stream, durable in known
        if stream in names and (stream, durable) not in found
    )
    return BusView(
        streams=[stream_row(s) for s in streams],
        durables=[judged(row, limits) for row in sorted(rows, key=lambda r: (r.stream, r.name))],
        missing=missing,
    )


async def _durable(
    js: JetStreamContext, info: ConsumerInfo, known: dict[tuple[str, str], str]
) -> DurableRow:
    now = datetime.now(UTC)
    if not is_subscribed(info, now):
        await asyncio.sleep(SECOND_LOOK_S)
        info = await js.consumer_info(info.stream_name, info.name)
        now = datetime.now(UTC)
    oldest = await oldest_unacked(js, info)
    return durable_row(info, known.get((info.stream_name, info.name)), now, oldest)


async def oldest_unacked(js: JetStreamContext, info: ConsumerInfo) -> tuple[datetime, str] | None:
    """When the consumer's oldest unacknowledged message was published (see the module
    docstring); None when it has nothing pending or ack pending."""
    if (info.num_pending or 0) + (info.num_ack_pending or 0) == 0:
        return None
    floor = info.ack_floor
    subject = info.config.filter_subject or ">"
    try:
        msg = await js.get_msg(
            info.stream_name, seq=(floor.stream_seq if floor else 0) + 1, subject=subject, next=True
        )
    except NotFoundError:
        msg = None
    if msg is not None and msg.time is not None:
        return msg.time, "stream"
    return (floor.last_active if floor and floor.last_active else info.created), "ack_floor"


async def _paged_streams(js: JetStreamContext) -> list[StreamInfo]:
    found: list[StreamInfo] = []
    while True:
        page = await js.streams_info(offset=len(found))
        found += page
        if len(page) < LIST_PAGE:
            return found


async def _paged_consumers(js: JetStreamContext, stream: str | None) -> list[ConsumerInfo]:
    found: list[ConsumerInfo] = []
    while stream:
        page = await js.consumers_info(stream, offset=len(found) or None)
        found += page
        if len(page) < LIST_PAGE:
            break
    return found
