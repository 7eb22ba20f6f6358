"""Uploading receipts (``POST /v1/receipts``), on a fixed schedule or not, and the figures of
uploads: their answers, and their outcomes on the owners' devices."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from deploy.bench.receipts.devices import SCANNED, ReceiptDevices
from deploy.bench.receipts.images import Image
from deploy.bench.receipts.results import OutcomeFigures, UploadFigures
from deploy.bench.stats import latency_summary
from deploy.bench.users import BenchUser

LATE_SEND_S = 0.010
"""A paced upload sent more than this after its time is counted late."""

IDLE, ARRIVALS, SATURATION = "idle", "arrivals", "saturation"
"""The phases over HTTP; each upload is of one."""


@dataclass
class Posted:
    """One ``POST /v1/receipts``: its image, when it was sent and answered, and what came back."""

    image: Image
    owner: BenchUser
    phase: str
    sent: float
    answered: float = 0.0
    status: int = 0
    receipt_id: str | None = None
    recorded: bool = False  # 202 with the receipt: recorded, its read requested at once
    detail: str | None = None
    waiting: int | None = None  # receipts of the phase not yet read when it was sent

    @property
    def accepted(self) -> bool:
        return self.receipt_id is not None

    @property
    def seconds(self) -> float:
        return self.answered - self.sent


def receipt_id_for(owner: str, sha256: str) -> str:
    """The receipt's id, which the edge derives from the owner and the file."""
    from http_edge.routes.receipts import receipt_id_of

    return receipt_id_of(owner, sha256)


def read_answer(posted: Posted, raw: bytes) -> None:
    """What a 202 said: the pending receipt (recorded), or the command when the edge stopped
    waiting for the ocr actor to record it (the receipt's id is then derived)."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("status") == "pending" and "id" in body:
        posted.receipt_id, posted.recorded = str(body["id"]), True
    elif isinstance(body, dict) and body.get("command_id"):
        posted.receipt_id = receipt_id_for(posted.owner.id, posted.image.sha256)
    else:
        posted.detail = f"202 {raw.decode(errors='replace')[:300]}"


async def upload(http: aiohttp.ClientSession, owner: BenchUser, image: Image, phase: str) -> Posted:
    """``POST /v1/receipts`` of one file (multipart ``file``): a 202 with the pending receipt,
    or a 202 with the command when the edge stopped waiting for the ocr actor to record it."""
    form = aiohttp.FormData()
    form.add_field("file", image.data, filename=image.filename, content_type=image.content_type)
    posted = Posted(image, owner, phase, time.perf_counter())
    raw = b""
    try:
        async with http.post("/v1/receipts", data=form) as resp:
            raw = await resp.read()
            posted.status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        posted.detail = f"{type(exc).__name__}: {exc}"[:300]
    posted.answered = time.perf_counter()
    if posted.status != 202:
        if posted.detail is None:
            posted.detail = f"{posted.status} {raw.decode(errors='replace')[:300]}"
        return posted
    read_answer(posted, raw)
    return posted


async def paced(
    count: int,
    per_second: float,
    send: Callable[[int], Coroutine[Any, Any, Posted]],
    keep_going: Callable[[], bool] = lambda: True,
) -> tuple[list[Posted], int]:
    """Send ``count`` uploads on a fixed schedule, each on its own whatever the answers of the
    others (an open loop), while ``keep_going`` holds: the uploads, and how many were sent more
    than 10 ms after their time."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks: list[asyncio.Task[Posted]] = []
    late = 0
    for n in range(count):
        due = start + n / per_second
        await asyncio.sleep(max(0.0, due - loop.time()))
        if not keep_going():
            break
        late += int(loop.time() - due > LATE_SEND_S)
        tasks.append(asyncio.create_task(send(n)))
    return list(await asyncio.gather(*tasks)), late


def upload_figures(posts: Sequence[Posted]) -> UploadFigures:
    """Status counts and the latency of the uploads answered 202 (errors are only counted)."""
    accepted = [p for p in posts if p.accepted]
    errors = [p for p in posts if not p.accepted]
    statuses = Counter(str(p.status) for p in errors)
    return UploadFigures(
        uploads=len(posts),
        accepted=len(accepted),
        recorded=sum(1 for p in accepted if p.recorded),
        recorded_late=sum(1 for p in accepted if not p.recorded),
        errors=len(errors),
        error_statuses=dict(sorted(statuses.items())),
        first_error=errors[0].detail if errors else None,
        latency_ms=latency_summary(p.seconds for p in accepted),
    )


def outcome_figures(posts: Sequence[Posted], devices: ReceiptDevices) -> OutcomeFigures:
    """From just before each upload to its outcome on the owner's device: scanned (the
    latency), failed (counted, timed apart), or none (missing)."""
    scanned: list[float] = []
    failed: list[float] = []
    reasons: Counter[str] = Counter()
    for p in posts:
        arrival = devices.arrivals.get(p.receipt_id) if p.receipt_id else None
        if arrival is None:
            continue
        if arrival.kind == SCANNED:
            scanned.append(arrival.at - p.sent)
        else:
            failed.append(arrival.at - p.sent)
            reasons[arrival.reason or "?"] += 1
    accepted = sum(1 for p in posts if p.accepted)
    return OutcomeFigures(
        accepted=accepted,
        scanned=len(scanned),
        failed=len(failed),
        missing=accepted - len(scanned) - len(failed),
        failure_reasons=dict(reasons.most_common(3)),
        scanned_ms=latency_summary(scanned),
        failed_ms=latency_summary(failed),
    )


@dataclass
class Run:
    """The users' sessions and devices, the images still to upload, and every upload so far."""

    sessions: dict[str, aiohttp.ClientSession]
    devices: ReceiptDevices
    images: list[Image]
    posts: list[Posted] = field(default_factory=list)

    def take(self, count: int) -> list[Image]:
        taken, self.images = self.images[:count], self.images[count:]
        return taken

    async def upload(self, owner: BenchUser, image: Image, phase: str) -> Posted:
        posted = await upload(self.sessions[owner.id], owner, image, phase)
        self.posts.append(posted)
        return posted

    def of(self, phase: str) -> list[Posted]:
        return [p for p in self.posts if p.phase == phase]
