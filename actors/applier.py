"""Group commit: apply whatever commands are waiting as one batch, in one short transaction.

A subscriber hands each pulled message to :meth:`BatchApplier.submit` and returns. The message
waits in the lane of its scope; each lane's worker takes everything queued there (up to
``batch_max``), applies it in one transaction with bulk writes,
then publishes the events, answers each waiting node and acks — so at low load a batch is one
command and adds no latency, and under load batches grow by themselves. The message is acked
only after its outcome is durable; a failing command is isolated by splitting the batch.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import structlog
from nats.aio.msg import Msg
from pymongo.errors import ConnectionFailure

from actors.activity import ActivityLog
from actors.attempt import Attempted, Decoded, Result, attempt
from actors.inbound import Inbound, Undecodable, decode, partition_key
from actors.kernel import (
    ActorDefinition,
    FollowsCommits,
    KeysLanes,
    Runtime,
    ShapesBatches,
)
from actors.metrics import ActorMetrics
from actors.outcomes import decode_payload
from actors.ports import Publisher
from actors.relay import PublishedMarker
from actors.tracing import causes, end_batch, start_batch
from bus.envelopes import Event, utcnow
from bus.settings import Settings
from storage.database import Database
from storage.dead_letters import DeadLetterStore
from storage.transactions import in_transaction
from storage.unit_of_work import BatchWork

log = structlog.get_logger(__name__)


def lane_key(runtime: Runtime | None, item: Inbound) -> str:
    """What ``item`` is serialised on: the scope a command writes to; an event's scope, or the
    key its actor's runtime gives (see :class:`actors.kernel.KeysLanes`)."""
    if item.event is None:
        return partition_key(item.command)
    if isinstance(runtime, KeysLanes):
        try:
            return runtime.lane_key(item.event)
        except (KeyError, TypeError, ValueError):  # a malformed event: its scope will do
            pass
    return item.event.scope


def lane_index(key: str, lanes: int) -> int:
    """The lane of a key among ``lanes`` (the same in every process)."""
    return zlib.crc32(key.encode()) % lanes


def is_outage(exc: BaseException) -> bool:
    """The database (not the command) is the problem: retry later, never dead-letter for it."""
    return isinstance(exc, ConnectionFailure)


class BatchApplier:
    """Applies an actor's inbound messages in batches; see the module docstring."""

    def __init__(
        self,
        actor: ActorDefinition,
        database: Database,
        publisher: Publisher,
        settings: Settings,
        *,
        dead_letters: DeadLetterStore,
        marker: PublishedMarker,
        runtime: Runtime | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.actor = actor
        self._runtime = runtime
        self._db = database
        self._publisher = publisher
        self._settings = settings
        self._dead = dead_letters
        self._marker = marker
        self._clock = clock
        self._batch_max = min(settings.batch_max, actor.batch_max or settings.batch_max)
        lanes = max(1, settings.actor_lanes)
        if isinstance(runtime, ShapesBatches):  # the actor's own settings, not every actor's
            lanes, batch_max = runtime.batch_shape()
            lanes, self._batch_max = max(1, lanes), max(1, batch_max)
        self._lanes: list[asyncio.Queue[Inbound]] = [
            asyncio.Queue(maxsize=self._batch_max * 2) for _ in range(lanes)
        ]
        self._workers: list[asyncio.Task[None]] = []
        # (message, key) -> True if another process of the actor took it (see actors.app)
        self.hand_over: Callable[[Msg, str], Awaitable[bool]] | None = None
        self.applied = 0
        self.activity = ActivityLog(actor.name, settings.activity_log_interval_s)
        self.metrics = ActorMetrics(actor)

    def start(self) -> None:
        if not self._workers:
            self._workers = [
                asyncio.create_task(self._run(lane), name=f"applier-{self.actor.name}-{n}")
                for n, lane in enumerate(self._lanes)
            ]
            self._workers.append(
                asyncio.create_task(self.activity.run(), name=f"activity-{self.actor.name}")
            )

    async def submit(self, msg: Msg, *, handed_over: bool = False) -> None:
        """Queue a pulled message in its scope's lane; waits when that lane is full (backpressure).

        Lanes run their batches concurrently; a scope always maps to the same lane, so two
        transactions of one process never contend for the same `seq` counter. An event whose
        key belongs to another process (see ``hand_over``) is handed to it instead, unless it
        was handed over to this one.
        """
        try:
            item = decode(msg, self.actor.name)
        except Undecodable as exc:  # can never be applied: no lane, straight to the dead letters
            await self._dead_letter(msg, f"undecodable: {exc}", None)
            return
        key = lane_key(self._runtime, item)
        hand_over = None if handed_over or item.event is None else self.hand_over
        if hand_over is not None and await hand_over(msg, key):
            return
        await self._lanes[lane_index(key, len(self._lanes))].put(item)

    def queued(self) -> int:
        """Messages waiting in this process's lanes (not those in hand)."""
        return sum(lane.qsize() for lane in self._lanes)

    async def drain(self, timeout_s: float) -> None:
        """Finish what is queued and in hand (bounded), then stop the workers."""
        try:
            await asyncio.wait_for(
                asyncio.gather(*(lane.join() for lane in self._lanes)), timeout_s
            )
        except TimeoutError:
            log.warning(
                "drain_timeout", actor=self.actor.name, left=sum(q.qsize() for q in self._lanes)
            )
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        self.activity.flush()  # what happened since the last summary

    async def _run(self, lane: asyncio.Queue[Inbound]) -> None:
        while True:
            taken = [await lane.get()]
            while len(taken) < self._batch_max and not lane.empty():
                taken.append(lane.get_nowait())
            self.metrics.batch(len(taken))
            span = start_batch(self.actor.name, taken)
            try:
                prepared = await self._prepare(taken)
                if prepared is not None:
                    await self._apply(taken, prepared, self._decode(taken))
            except Exception:
                log.exception("batch_crashed", actor=self.actor.name, size=len(taken))
                for item in taken:
                    await _quiet(item.msg.nak(delay=self._settings.consumer_nak_delay_s))
            finally:
                end_batch(span, taken)
                for _ in taken:
                    lane.task_done()

    def _decode(self, items: list[Inbound]) -> Decoded:
        """Each command's payload, decoded once for the batch's reads and its handler."""
        return {
            item.command.command_id: decode_payload(self.actor, item.command)
            for item in items
            if item.event is None
        }

    async def _prepare(self, items: list[Inbound]) -> Mapping[str, Any] | None:
        """The runtime's work before the transaction; if it fails, the batch is retried later
        like any failure (backoff, dead letters), not applied without it."""
        if self._runtime is None:
            return {}
        try:
            return await self._runtime.prepare([item.command for item in items])
        except Exception as exc:
            log.warning("batch_prepare_failed", actor=self.actor.name, error=repr(exc)[:300])
            for item in items:
                await self._fail(item, exc)
            return None

    async def _apply(
        self, items: list[Inbound], prepared: Mapping[str, Any], decoded: Decoded
    ) -> None:
        try:
            with self.metrics.transaction():
                results, events, outbox_id = await in_transaction(
                    self._db.client,
                    lambda session: self._attempt(session, items, prepared, decoded),
                )
        except Exception as exc:  # the database's, or a command that cannot be written
            if len(items) > 1 and not is_outage(exc):
                half = len(items) // 2
                log.warning(
                    "batch_split", actor=self.actor.name, size=len(items), error=str(exc)[:200]
                )
                await self._apply(items[:half], prepared, decoded)
                await self._apply(items[half:], prepared, decoded)
                return
            for item in items:
                await self._fail(item, exc)
            return
        await self._after_commit(results, events, outbox_id)

    async def _attempt(
        self, session: object, items: list[Inbound], prepared: Mapping[str, Any], decoded: Decoded
    ) -> Attempted:
        batch = BatchWork(session, self._runtime, prepared)  # type: ignore[arg-type]
        return await attempt(self.actor, batch, items, decoded, self._clock)

    async def _after_commit(
        self, results: list[Result], events: list[Event], outbox_id: str | None
    ) -> None:
        self.activity.count("batches")
        if isinstance(self._runtime, FollowsCommits):
            applied = [
                r.item.event
                for r in results
                if r.item.event is not None and r.applied.outcome is not None
            ]
            if applied:
                self._runtime.committed(applied)
        try:
            await self._publisher.publish_events(events, causes(results) if events else None)
        except Exception as exc:  # the relay publishes them later; the effect is durable
            log.warning(
                "event_publish_failed", actor=self.actor.name, count=len(events), error=str(exc)
            )
        else:
            self.metrics.published(len(events))
            if outbox_id is not None:
                self._marker.add(outbox_id)
        for result in results:
            command, applied = result.item.command, result.applied
            if applied.error is not None or applied.outcome is None:
                await self._fail(result.item, applied.error or RuntimeError("no outcome"))
                continue
            kind = "replayed" if applied.replayed else applied.outcome.status
            self.activity.count("applied" if kind == "accepted" else kind)
            self.metrics.command(command.type, kind)
            log.debug(
                "command_replayed" if applied.replayed else "command_applied",
                command_id=command.command_id,
                user_id=command.actor.user_id,
                actor=self.actor.name,
                type=command.type,
                status=applied.outcome.status,
                code=applied.outcome.code,
            )
            if command.reply_to and result.item.event is None:
                try:
                    await self._publisher.send_outcome(command.reply_to, applied.outcome)
                except Exception as exc:  # the waiting node re-reads the stored outcome
                    log.warning(
                        "outcome_send_failed", command_id=command.command_id, error=str(exc)
                    )
            await _quiet(result.item.msg.ack())
            self.applied += 1

    async def _fail(self, item: Inbound, exc: BaseException) -> None:
        deliveries = item.deliveries
        if not is_outage(exc) and deliveries >= self._settings.consumer_max_deliver:
            await self._dead_letter(
                item.msg,
                f"failed {deliveries} times: {exc!r}"[:1000],
                item.command.command_id,
                item.command.actor.user_id,
                item.command.type,
            )
            return
        delay = min(60.0, self._settings.consumer_nak_delay_s * 2 ** min(deliveries - 1, 6))
        self.activity.count("retried")
        self.metrics.command(item.command.type, "retried")
        log.warning(
            "command_retry",
            command_id=item.command.command_id,
            deliveries=deliveries,
            delay_s=delay,
            error=repr(exc)[:300],
        )
        await _quiet(item.msg.nak(delay=delay))

    async def _dead_letter(
        self,
        msg: Msg,
        reason: str,
        command_id: str | None,
        issuer: str | None = None,
        command_type: str | None = None,
    ) -> None:
        try:
            await self._dead.record(
                msg, reason=reason, consumer=self.actor.name, command_id=command_id, issuer=issuer
            )
        except Exception as exc:
            log.error("dead_letter_write_failed", error=str(exc))
            await _quiet(msg.nak(delay=self._settings.consumer_nak_delay_s))
            return
        log.error("dead_lettered", subject=msg.subject, command_id=command_id, reason=reason)
        self.activity.count("dead_lettered")
        self.metrics.command(command_type, "dead_lettered")
        await _quiet(msg.term())


async def _quiet(ack: object) -> None:
    """Ack/nak/term; a failure there only means the message will be redelivered (and deduped)."""
    try:
        await ack  # type: ignore[misc]
    except Exception as exc:
        log.warning("ack_failed", error=str(exc))
