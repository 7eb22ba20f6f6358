"""`ledgerbus replay`: a stream's history, in order, as JSON lines for analysts."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import IO, Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from bus.settings import Settings
from bus.subjects import COMMANDS_STREAM, EVENTS_STREAM
from deploy.targets import open_nats

STREAMS = {"commands": COMMANDS_STREAM, "events": EVENTS_STREAM}


def consumer_for(
    since: datetime | None, from_seq: int | None, subject: str | None
) -> ConsumerConfig:
    """An ephemeral, ack-less consumer that starts where the analyst asked."""
    config = ConsumerConfig(
        ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30.0
    )
    if from_seq is not None:
        config.deliver_policy, config.opt_start_seq = DeliverPolicy.BY_START_SEQUENCE, from_seq
    elif since is not None:
        config.deliver_policy = DeliverPolicy.BY_START_TIME
        moment = since if since.tzinfo is not None else since.replace(tzinfo=UTC)  # naive: UTC
        config.opt_start_time = moment.isoformat()  # type: ignore[assignment]
    if subject:
        config.filter_subject = subject
    return config


def record(msg: Any) -> dict[str, Any]:
    meta = msg.metadata
    try:
        data: Any = json.loads(msg.data)
    except ValueError:
        data = msg.data.decode("utf-8", errors="backslashreplace")
    return {
        "stream_seq": meta.sequence.stream,
        "subject": msg.subject,
        "published_at": meta.timestamp.isoformat() if meta.timestamp else None,
        "msg_id": (msg.headers or {}).get("Nats-Msg-Id"),
        "data": data,
    }


async def replay(
    settings: Settings,
    stream: str,
    *,
    since: datetime | None,
    from_seq: int | None,
    subject: str | None,
    out: IO[str],
    progress: IO[str] = sys.stderr,
    batch: int = 500,
) -> int:
    """Write every message up to the stream's current end; return how many were written."""
    name = STREAMS[stream]
    nc = await open_nats(settings, "replay", progress, role="analyst")
    written = 0
    try:
        js = nc.jetstream()
        info = await js.stream_info(name)
        last = info.state.last_seq
        if info.state.messages == 0:
            return 0
        sub = await js.pull_subscribe(
            subject or "", stream=name, config=consumer_for(since, from_seq, subject)
        )
        try:
            while True:
                try:
                    msgs = await sub.fetch(batch, timeout=2.0)
                except TimeoutError:
                    # Nothing came in time: the end, or only a slow server (then go on, so a
                    # busy cluster never cuts an export short).
                    if sub.pending_msgs == 0 and (await sub.consumer_info()).num_pending == 0:
                        break
                    continue
                for msg in msgs:
                    out.write(json.dumps(record(msg), separators=(",", ":")) + "\n")
                    written += 1
                seq = msgs[-1].metadata.sequence.stream
                progress.write(f"\r{name}: {written} messages, at seq {seq}/{last}")
                if seq >= last or msgs[-1].metadata.num_pending == 0:
                    break
        finally:
            await sub.unsubscribe()
        progress.write(f"\r{name}: {written} messages written{' ' * 20}\n")
    finally:
        await nc.close()
    return written
