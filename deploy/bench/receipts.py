"""``ledgerbus bench receipts``: how many receipts one ocr process reads a second, how soon an
uploaded receipt reaches its owner's device read, and whether uploads stay fast while the ocr
process is saturated, on an embedded stack of its own.

The stack is NATS, SecantusDB, the edge (HTTP and Socket.IO on one port), the accounts actor and
one ocr actor process, which reads with Tesseract in a pool of ``LEDGERBUS_OCR_WORKERS`` threads.
The receipts are the synthetic ones the tests use too (:mod:`deploy.synthetic.receipts`): every
upload is a different receipt (the same file uploaded again by the same person is the same
receipt and is not read again), mostly clean PNGs and a share of degraded JPEG "phone photos",
all rendered before anything is timed. Then:

0. Tesseract alone: a few receipts, clean and degraded, read one at a time in this process
   before the stack starts: the time one read takes, without queue, HTTP or database.
1. One at a time: each receipt is uploaded once the previous one was read, so nothing else is
   being read: the upload's latency with the ocr process idle, and the time from just before
   ``POST /v1/receipts`` to ``receipt.scanned`` on the owner's device when nothing waits.
2. Arrivals at a fixed rate (one a second for 60 s by default), sent on schedule whatever the
   answers: the time from just before each ``POST /v1/receipts`` to ``receipt.scanned`` on the
   owner's Socket.IO device; the target is a p95 under 2 s on one ocr process.
3. Saturation: several users upload a backlog as fast as they can (each one upload after
   another), and meanwhile a probe user uploads at a fixed rate. Receipts read per second by the
   one ocr process, from the first upload until the last receipt whose read the edge requested
   at once was read; the same until every receipt of the phase was read, however its read was
   requested; and the latency of the uploads while the ocr process was saturated, beside their
   latency with it idle.
4. Peak memory (RSS) of every process, the ocr actor's included, and CPU use in 2 and 3.

An upload the edge answers 202 before the ocr actor recorded the receipt (it waits
``LEDGERBUS_OUTCOME_WAIT_S`` for that) is read only once the ocr actor's sweeper sends it to be
read: those are counted apart, waited for (minutes, with the default sweeper settings), and not
part of the first throughput figure. At the end every receipt uploaded is read back over HTTP:
each must be scanned or failed. Errors are counted and printed, never counted as throughput.
Nothing is asserted: figures are printed (and written as JSON), speed is never judged; the one
target the issue sets is shown met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Collection, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import socketio

from bus.settings import Settings
from deploy.bench.devices import connect_device, disconnect_device
from deploy.bench.flags import log_path_of, options_from_flags
from deploy.bench.http import call, session
from deploy.bench.memory import (
    BENCH,
    MACHINE,
    OTHERS,
    CpuWindow,
    ProcessSampler,
    own_peak_rss_mb,
)
from deploy.bench.report import progress, report_bench, run_header
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack
from deploy.bench.stats import latency_summary, rate
from deploy.bench.table import cpu_line, latency_columns, latency_line, machine_line
from deploy.bench.users import BenchUser, sign_up_many
from deploy.synthetic.receipts.generator import make_receipts
from deploy.synthetic.receipts.generator import render as render_receipt

ACTORS = ["accounts", "ocr"]
"""Sign-up and sign-in (accounts), and the receipts: recorded and read (ocr)."""

OCR = "actor:ocr"
SCANNED = "receipt.scanned"
FAILED = "receipt.failed"
TARGET_P95_MS = 2000.0
"""The issue's target: p95 from upload to ``receipt.scanned`` on a device, on one ocr process."""

REQUEST_TIMEOUT_S = 120.0
IDLE_WAIT_S = 60.0
"""One at a time: how long one receipt may take to be read before the next is uploaded."""
STALL_S = 60.0
"""How long a phase waits for its receipts while none of them is read."""
SWEEPER_MARGIN_S = 30.0
IDLE_GAP_S = 0.3
"""One at a time: the pause after a receipt is read, before the next upload."""
LATE_SEND_S = 0.010
CHECK_CONCURRENCY = 8


@dataclass(frozen=True)
class ReceiptsBenchOptions:
    """Every figure the benchmark can be told; defaults are the full run."""

    users: int = 8
    backlog: int = 120
    probe: int = 40
    probe_rate: float = 2.0
    rate: float = 1.0
    duration_s: float = 60.0
    idle: int = 10
    reads: int = 5
    degraded: float = 0.1
    ocr_workers: int | None = None
    seed: int = 20261123
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False

    def shrunk(self) -> ReceiptsBenchOptions:
        """The ``--quick`` variant: 2 users, a backlog of 8, 5 s of arrivals, 2 of each else."""
        return replace(
            self, users=2, backlog=8, probe=4, duration_s=5.0, idle=2, reads=2, quick=True
        )


# --- command line ------------------------------------------------------------------------------


def options_from(args: argparse.Namespace) -> ReceiptsBenchOptions:
    """Options from parsed flags: ``--quick`` shrinks the defaults, given flags win."""
    o = options_from_flags(
        ReceiptsBenchOptions(),
        args,
        "users",
        "backlog",
        "probe",
        "probe_rate",
        "rate",
        "duration_s",
        "idle",
        "reads",
        "degraded",
        "ocr_workers",
    )
    return replace(
        o,
        users=max(1, o.users),
        backlog=max(1, o.backlog),
        probe=max(0, o.probe),
        probe_rate=max(0.1, o.probe_rate),
        rate=max(0.1, o.rate),
        duration_s=max(1.0, o.duration_s),
        idle=max(1, o.idle),
        reads=max(0, o.reads),
        degraded=min(1.0, max(0.0, o.degraded)),
        ocr_workers=max(1, o.ocr_workers) if o.ocr_workers is not None else None,
    )


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmark from parsed flags; 0 when it completed (speed is never judged)."""
    return report_bench("receipts", options_from(args), run_receipts, render, settings)


# --- the receipts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """One receipt as uploaded: the file, its type, and the total printed on it."""

    data: bytes
    content_type: str
    degraded: bool
    total: Decimal
    sha256: str

    @property
    def filename(self) -> str:
        return "receipt.jpg" if self.degraded else "receipt.png"


def degraded_at(index: int, share: float) -> bool:
    """Whether receipt ``index`` is a degraded photo: exactly ``share`` of any run of them,
    spread evenly."""
    return int((index + 1) * share) > int(index * share)


def render_images(seed: int, count: int, share: float) -> list[Image]:
    """``count`` different receipts, each rendered once, ``share`` of them degraded."""
    images = []
    for index, receipt in enumerate(make_receipts(seed, count)):
        degraded = degraded_at(index, share)
        data = render_receipt(receipt, degraded)
        kind = "image/jpeg" if degraded else "image/png"
        images.append(Image(data, kind, degraded, receipt.total, hashlib.sha256(data).hexdigest()))
    return images


def read_alone(seed: int, count: int) -> dict[str, Any]:
    """``count`` clean and ``count`` degraded receipts read one at a time in this process, as
    the ocr actor reads each one (Tesseract included), before anything else runs."""
    if count <= 0:
        return {"count": 0}
    from actors.ocr.imaging import UnreadableImage
    from actors.ocr.reader import scan

    timeout_ms = int(Settings().ocr_timeout_s * 1000)
    drawn = make_receipts(seed + 1, count)
    out: dict[str, Any] = {"count": count}
    for kind, degraded in (("clean", False), ("degraded", True)):
        seconds: list[float] = []
        right = failed = 0
        for receipt in drawn:
            data = render_receipt(receipt, degraded)
            t0 = time.perf_counter()
            try:
                found = scan(data, "image/jpeg" if degraded else "image/png", timeout_ms)
            except UnreadableImage:
                failed += 1
            else:
                right += int(same_amount(found.fields.get("total"), receipt.total))
            seconds.append(time.perf_counter() - t0)
        out[kind] = {"read_ms": latency_summary(seconds), "totals_right": right, "failed": failed}
    return out


def same_amount(read: object, printed: Decimal) -> bool:
    """Whether an amount read (text, or nothing) is the one printed."""
    if read is None:
        return False
    try:
        return Decimal(str(read)) == printed
    except InvalidOperation:
        return False


# --- the owners' devices -----------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """A receipt's ``receipt.scanned`` or ``receipt.failed`` on its owner's device."""

    kind: str
    at: float  # time.perf_counter() of this process, the clock the uploads use too
    total: object
    reason: str | None


class ReceiptDevices:
    """One python-socketio client of each user, noting when each receipt's outcome (scanned
    or failed) first arrives."""

    def __init__(self) -> None:
        self._clients: list[socketio.AsyncClient] = []
        self.arrivals: dict[str, Arrival] = {}
        self.events = Counter[str]()
        self._awaited: set[str] = set()
        self._progress = asyncio.Event()

    def _on(self, kind: str) -> Callable[[Any], None]:
        def on_event(data: Any = None) -> None:
            now = time.perf_counter()
            self.events[kind] += 1
            entity = data.get("data", {}).get("entity") if isinstance(data, dict) else None
            if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
                return
            receipt_id = str(entity["id"])
            fields = entity.get("fields")
            total = fields.get("total") if isinstance(fields, dict) else None
            reason = entity.get("reason")
            arrival = Arrival(kind, now, total, str(reason) if reason is not None else None)
            self.arrivals.setdefault(receipt_id, arrival)
            if receipt_id in self._awaited:
                self._awaited.discard(receipt_id)
                self._progress.set()

        return on_event

    async def connect(self, base_url: str, users: Sequence[BenchUser]) -> None:
        """Connect a device of every user (a few at a time); any failure ends the run."""
        limit = asyncio.Semaphore(8)

        async def one(user: BenchUser) -> None:
            client = socketio.AsyncClient(reconnection=False)
            client.on(SCANNED, self._on(SCANNED))
            client.on(FAILED, self._on(FAILED))
            async with limit:
                await connect_device(client, base_url, user.token)
            self._clients.append(client)

        await asyncio.gather(*(one(u) for u in users))

    @property
    def connected(self) -> int:
        return sum(1 for c in self._clients if c.connected)

    def waiting(self, ids: Collection[str]) -> int:
        """How many of ``ids`` have no outcome yet."""
        return sum(1 for i in ids if i not in self.arrivals)

    async def settle(self, ids: Collection[str], stall_s: float) -> None:
        """Wait until every one of ``ids`` has its outcome, or none arrived for ``stall_s``."""
        self._awaited = set(ids) - self.arrivals.keys()
        try:
            while self._awaited:
                self._progress.clear()
                try:
                    await asyncio.wait_for(self._progress.wait(), stall_s)
                except TimeoutError:
                    return
        finally:
            self._awaited = set()

    async def close(self) -> None:
        for client in self._clients:
            await disconnect_device(client)
        self._clients.clear()


# --- uploading ---------------------------------------------------------------------------------


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
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("status") == "pending" and "id" in body:
        posted.receipt_id, posted.recorded = str(body["id"]), True
    elif isinstance(body, dict) and body.get("command_id"):
        posted.receipt_id = receipt_id_for(owner.id, image.sha256)
    else:
        posted.detail = f"202 {raw.decode(errors='replace')[:300]}"
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


def upload_figures(posts: Sequence[Posted]) -> dict[str, Any]:
    """Status counts and the latency of the uploads answered 202 (errors are only counted)."""
    accepted = [p for p in posts if p.accepted]
    errors = [p for p in posts if not p.accepted]
    statuses = Counter(str(p.status) for p in errors)
    return {
        "uploads": len(posts),
        "accepted": len(accepted),
        "recorded": sum(1 for p in accepted if p.recorded),
        "recorded_late": sum(1 for p in accepted if not p.recorded),
        "errors": len(errors),
        "error_statuses": dict(sorted(statuses.items())),
        "first_error": errors[0].detail if errors else None,
        "latency_ms": latency_summary(p.seconds for p in accepted),
    }


def outcome_figures(posts: Sequence[Posted], devices: ReceiptDevices) -> dict[str, Any]:
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
    return {
        "accepted": accepted,
        "scanned": len(scanned),
        "failed": len(failed),
        "missing": accepted - len(scanned) - len(failed),
        "failure_reasons": dict(reasons.most_common(3)),
        "scanned_ms": latency_summary(scanned),
        "failed_ms": latency_summary(failed),
    }


# --- the phases --------------------------------------------------------------------------------


@dataclass
class Run:
    """The stack's users and devices, the images still to upload, and every upload so far."""

    base_url: str
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


IDLE, ARRIVALS, SATURATION = "idle", "arrivals", "saturation"
"""The phases over HTTP; each upload is of one."""


async def one_at_a_time(run: Run, owner: BenchUser, count: int) -> dict[str, Any]:
    """Each receipt uploaded once the previous one was read: nothing else is being read."""
    for image in run.take(count):
        posted = await run.upload(owner, image, IDLE)
        if posted.recorded and posted.receipt_id is not None:
            await run.devices.settle([posted.receipt_id], IDLE_WAIT_S)
        await asyncio.sleep(IDLE_GAP_S)
    return {"uploads": upload_figures(run.of(IDLE))}


def target(outcomes: dict[str, Any]) -> dict[str, Any]:
    """The issue's target, judged on the receipts scanned: met only when none was missing."""
    p95 = (outcomes.get("scanned_ms") or {}).get("p95")
    met = p95 is not None and p95 < TARGET_P95_MS and outcomes["missing"] == 0
    return {"p95_ms_under": TARGET_P95_MS, "p95_ms": p95, "met": met}


async def at_fixed_rate(
    run: Run, owner: BenchUser, o: ReceiptsBenchOptions, sampler: ProcessSampler
) -> dict[str, Any]:
    """Receipts arriving at ``o.rate`` a second for ``o.duration_s``, each timed from just
    before its upload to ``receipt.scanned`` on the owner's device."""
    images = run.take(round(o.rate * o.duration_s))
    window = CpuWindow(sampler)
    posts, late = await paced(len(images), o.rate, lambda n: run.upload(owner, images[n], ARRIVALS))
    await run.devices.settle([p.receipt_id for p in posts if p.recorded and p.receipt_id], STALL_S)
    return {
        "rate": o.rate,
        "duration_s": o.duration_s,
        "late_sends": late,
        "uploads": upload_figures(posts),
        "cpu_percent": window.close(),
    }


async def saturated(
    run: Run,
    owners: Sequence[BenchUser],
    probe_owner: BenchUser,
    o: ReceiptsBenchOptions,
    workers: int,
    sampler: ProcessSampler,
) -> dict[str, Any]:
    """A backlog uploaded flat out by ``owners`` (each one upload after another), and meanwhile
    the probe's uploads at a fixed rate; the time until every receipt whose read was requested
    at once is read."""
    backlog = run.take(o.backlog)
    probes = run.take(o.probe)
    sampler.under_load = True
    window = CpuWindow(sampler)
    first = time.perf_counter()

    def queued() -> int:
        """Receipts of the phase whose read was requested and that are not read yet."""
        ids = [p.receipt_id for p in run.of(SATURATION) if p.recorded and p.receipt_id]
        return run.devices.waiting(ids)

    async def client(index: int) -> list[Posted]:
        owner = owners[index]
        return [await run.upload(owner, i, SATURATION) for i in backlog[index :: len(owners)]]

    async def flat_out() -> tuple[list[Posted], float]:
        done = await asyncio.gather(*map(client, range(len(owners))))
        return [p for posts in done for p in posts], time.perf_counter() - first

    async def probe(n: int) -> Posted:
        before = queued()
        posted = await run.upload(probe_owner, probes[n], SATURATION)
        posted.waiting = before
        return posted

    uploading = asyncio.create_task(flat_out())
    probe_posts, probe_late = await paced(
        len(probes), o.probe_rate, probe, lambda: not uploading.done()
    )
    burst, burst_s = await uploading
    direct = [p for p in burst + probe_posts if p.recorded and p.receipt_id is not None]
    await run.devices.settle([p.receipt_id for p in direct if p.receipt_id], STALL_S)
    arrivals = [run.devices.arrivals.get(p.receipt_id or "") for p in direct]
    read_at = [a.at for a in arrivals if a is not None]
    elapsed = (max(read_at) - first) if read_at else 0.0
    cpu = window.close()
    sampler.under_load = False
    scanned = sum(1 for a in arrivals if a is not None and a.kind == SCANNED)
    failed = sum(1 for a in arrivals if a is not None and a.kind == FAILED)
    processed = scanned + failed
    ocr_cpu_s = cpu.get(OCR, 0.0) / 100 * window.seconds
    return {
        "owners": len(owners),
        "backlog_upload_s": round(burst_s, 3),
        "backlog": upload_figures(burst),
        "probe": {
            "rate": o.probe_rate,
            "planned": len(probes),
            "late_sends": probe_late,
            "waiting_when_sent": sorted(p.waiting for p in probe_posts if p.waiting is not None),
            **upload_figures(probe_posts),
        },
        "read_requested_at_once": len(direct),
        "scanned": scanned,
        "failed": failed,
        "missing": len(direct) - processed,
        "duration_s": round(elapsed, 3),
        "receipts_per_s": rate(scanned, elapsed),
        "outcomes_per_s": rate(processed, elapsed),
        "ocr_cpu_s_per_receipt": round(ocr_cpu_s / processed, 3) if processed else None,
        "worker_s_per_receipt": round(workers * elapsed / processed, 3) if processed else None,
        "cpu_percent": cpu,
    }


def all_read(posts: Sequence[Posted], devices: ReceiptDevices) -> dict[str, Any]:
    """From the first upload of ``posts`` until the last of them was read, whoever requested
    the read (the edge at once, or the sweeper later): the literal "time until all are read"."""
    accepted = [p for p in posts if p.receipt_id is not None]
    arrivals = [devices.arrivals.get(p.receipt_id or "") for p in accepted]
    done = [a for a in arrivals if a is not None]
    seconds = max(a.at for a in done) - min(p.sent for p in posts) if done else 0.0
    scanned = sum(1 for a in done if a.kind == SCANNED)
    return {
        "receipts": len(accepted),
        "read": len(done),
        "scanned": scanned,
        "seconds": round(seconds, 3),
        "receipts_per_s": rate(scanned, seconds),
    }


async def late_receipts(run: Run, settings: Settings, say: Callable[[str], None]) -> dict[str, Any]:
    """The receipts whose upload was answered before they were recorded: the edge requested no
    read, so the ocr actor's sweeper does, once they have waited ``ocr_retry_after_s``."""
    late = [p for p in run.posts if p.accepted and not p.recorded]
    wait_s = settings.ocr_retry_after_s + 2 * settings.ocr_sweep_s + SWEEPER_MARGIN_S
    if late and run.devices.waiting([p.receipt_id for p in late if p.receipt_id]):
        say(f"{len(late)} receipts recorded after their upload's answer: waiting for the sweeper")
        await run.devices.settle([p.receipt_id for p in late if p.receipt_id], wait_s)
    return {"waited_up_to_s": wait_s, **outcome_figures(late, run.devices)}


async def check_all(run: Run) -> dict[str, Any]:
    """Every receipt uploaded, read back over HTTP by its owner: its status at the end."""
    limit = asyncio.Semaphore(CHECK_CONCURRENCY)
    statuses: Counter[str] = Counter()

    async def one(p: Posted) -> None:
        async with limit:
            status, data = await call(
                run.sessions[p.owner.id], "GET", f"/v1/receipts/{p.receipt_id}"
            )
        if status == 200 and isinstance(data, dict):
            statuses[str(data.get("status"))] += 1
        else:
            statuses[f"HTTP {status}"] += 1

    await asyncio.gather(*(one(p) for p in run.posts if p.receipt_id is not None))
    return {"uploaded": sum(statuses.values()), "statuses": dict(sorted(statuses.items()))}


def accuracy(run: Run) -> dict[str, Any]:
    """The totals read (on the devices) against the totals printed, clean and degraded."""
    out: dict[str, Any] = {}
    for kind, degraded in (("clean", False), ("degraded", True)):
        right = scanned = 0
        for p in run.posts:
            arrival = run.devices.arrivals.get(p.receipt_id or "")
            if p.image.degraded != degraded or arrival is None or arrival.kind != SCANNED:
                continue
            scanned += 1
            right += int(same_amount(arrival.total, p.image.total))
        out[kind] = {"scanned": scanned, "totals_right": right}
    return out


# --- the run and its report --------------------------------------------------------------------


async def over_http(
    settings: Settings,
    o: ReceiptsBenchOptions,
    images: list[Image],
    say: Callable[[str], None],
    log: TextIO,
) -> dict[str, Any]:
    """Every figure over HTTP and Socket.IO, on a stack of its own that is stopped whatever
    happens."""
    workers = o.ocr_workers or settings.ocr_workers
    env = {**WRITE_LIMITS, "LEDGERBUS_OCR_WORKERS": str(workers)}
    devices = ReceiptDevices()
    sessions: dict[str, aiohttp.ClientSession] = {}
    async with sampled_stack(settings, "receipts", o.stack_log_level, ACTORS, log, say, env) as (
        stack,
        sampler,
    ):
        try:
            say(f"signing up {o.users + 2} users")
            t0 = time.perf_counter()
            users = await sign_up_many(stack.base_url, o.users + 2)
            sign_up_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            await devices.connect(stack.base_url, users)
            connect_s = time.perf_counter() - t0
            sessions.update(
                {u.id: session(stack.base_url, u.token, REQUEST_TIMEOUT_S) for u in users}
            )
            run = Run(stack.base_url, sessions, devices, images)
            alone, probe_owner, owners = users[0], users[1], users[2:]
            h: dict[str, Any] = {
                "users": len(users),
                "sign_up_s": round(sign_up_s, 3),
                "devices": devices.connected,
                "devices_connect_s": round(connect_s, 3),
                "ocr_workers": workers,
                "outcome_wait_s": settings.outcome_wait_s,
                "ocr_retry_after_s": settings.ocr_retry_after_s,
                "ocr_sweep_s": settings.ocr_sweep_s,
                "write_limits": dict(WRITE_LIMITS),
            }
            say(f"{o.idle} receipts one at a time, each once the previous one was read")
            h[IDLE] = await one_at_a_time(run, alone, o.idle)
            say(f"receipts arriving at {o.rate:g}/s for {o.duration_s:g} s, one user")
            h[ARRIVALS] = await at_fixed_rate(run, alone, o, sampler)
            say(
                f"{o.users} users uploading {o.backlog} receipts as fast as they can, a probe "
                f"user at {o.probe_rate:g}/s meanwhile"
            )
            h[SATURATION] = await saturated(run, owners, probe_owner, o, workers, sampler)
            h["late"] = await late_receipts(run, settings, say)
            # Outcomes last: a receipt read only after the sweeper counts with its whole wait.
            for phase in (IDLE, ARRIVALS, SATURATION):
                h[phase]["outcomes"] = outcome_figures(run.of(phase), devices)
            h[ARRIVALS]["target"] = target(h[ARRIVALS]["outcomes"])
            h[SATURATION]["all_read"] = all_read(run.of(SATURATION), devices)
            say(f"reading back all {sum(1 for p in run.posts if p.accepted)} receipts")
            h["final"] = await check_all(run)
            h["accuracy"] = accuracy(run)
            h["events_on_devices"] = dict(devices.events)
            sampler.sample()
            h["memory_peak_mb"] = sampler.peak_mb()
            h["memory_peak_saturated_mb"] = sampler.peak_mb(under_load=True)
            return h
        finally:
            await devices.close()
            for http in sessions.values():
                with contextlib.suppress(Exception):
                    await http.close()


async def run_receipts(settings: Settings, o: ReceiptsBenchOptions, out: TextIO) -> dict[str, Any]:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    figures = run_header("receipts", o)
    count = o.idle + round(o.rate * o.duration_s) + o.backlog + o.probe
    say(f"rendering {count} receipts ({o.degraded:.0%} degraded)")
    t0 = time.perf_counter()
    images = await asyncio.to_thread(render_images, o.seed, count, o.degraded)
    figures["images"] = {
        "count": len(images),
        "degraded": sum(1 for i in images if i.degraded),
        "render_s": round(time.perf_counter() - t0, 3),
        "mean_kb": round(sum(len(i.data) for i in images) / len(images) / 1024, 1),
    }
    if o.reads:
        say(f"reading {o.reads} clean and {o.reads} degraded receipts in this process")
    figures["alone"] = await asyncio.to_thread(read_alone, o.seed, o.reads)
    log_path = log_path_of("receipts", o.log_path)
    with log_path.open("w", buffering=1) as log:
        figures["http"] = await over_http(settings, o, images, say, log)
    figures["process_peak_rss_mb"] = own_peak_rss_mb()
    figures["log_file"] = str(log_path)
    figures["elapsed_s"] = round(time.monotonic() - began, 1)
    return figures


def row(label: str, count: str, latency: dict[str, float] | None, note: str = "") -> str:
    return latency_line(label, count, latency, note, 44)


def _head(title: str) -> list[str]:
    return ["", title, latency_columns(44)]


def _counts(counts: dict[str, int], what: str = "") -> str:
    return ", ".join(f"{what}{k}: {n}" for k, n in counts.items())


def _uploads(label: str, u: dict[str, Any], note: str = "", details: bool = True) -> list[str]:
    lines = [row(label, f"{u['accepted']}/{u['uploads']}", u["latency_ms"], note)]
    if details and (u["errors"] or u["recorded_late"]):
        statuses = _counts(u["error_statuses"], "HTTP ")
        lines.append(
            f"    errors {u['errors']}" + (f" ({statuses})" if statuses else "") + "; answered "
            f"202 before the receipt was recorded: {u['recorded_late']}"
        )
    if details and u.get("first_error"):
        lines.append(f"    first error: {u['first_error']}")
    return lines


def _outcomes(label: str, r: dict[str, Any]) -> list[str]:
    lines = [row(label, f"{r['scanned']}/{r['accepted']}", r["scanned_ms"])]
    if r["failed"] or r["missing"]:
        lines.append(
            f"    failed {r['failed']}"
            + (f" ({_counts(r['failure_reasons'])})" if r["failure_reasons"] else "")
            + f", no outcome on the device {r['missing']}"
        )
    return lines


def _alone(a: dict[str, Any]) -> list[str]:
    if not a.get("count"):
        return []
    n = a["count"]
    lines = _head(
        "Tesseract alone: one receipt at a time in this process, before the stack started"
    )
    for kind, label in (("clean", "clean PNG"), ("degraded", "degraded JPEG")):
        k = a[kind]
        note = f"totals read right {k['totals_right']}/{n}" + (
            f", unreadable {k['failed']}" if k["failed"] else ""
        )
        lines.append(row(label, f"{n}", k["read_ms"], note))
    return lines


def render(f: dict[str, Any]) -> str:
    """The figures as lines a person reads (the JSON holds the same and more)."""
    o, m, h, img = f["options"], f["machine"], f["http"], f["images"]
    db = "on SecantusDB"
    idle, arr, sat, late = h["idle"], h["arrivals"], h["saturation"], h["late"]
    probe, t = sat["probe"], arr["target"]
    workers = h["ocr_workers"]
    limits = h["write_limits"]
    lines = [
        "",
        "ledgerbus bench receipts" + (" (--quick)" if o["quick"] else ""),
        machine_line(m),
        "  stack     edge (HTTP and Socket.IO on one port), NATS JetStream, accounts actor, and "
        f"1 ocr process reading with Tesseract in {workers} threads (LEDGERBUS_OCR_WORKERS)",
        f"  receipts  synthetic (deploy.synthetic.receipts, seed {o['seed']}), each a different "
        f"one: {img['count'] - img['degraded']} clean PNG, {img['degraded']} degraded JPEG; "
        f"{img['mean_kb']:.0f} KiB on average, rendered in {img['render_s']:.1f} s before "
        "anything was timed",
        f"  writes    per user {limits['LEDGERBUS_WRITES_PER_USER_S']}/s, burst "
        f"{limits['LEDGERBUS_WRITES_BURST']} (set for this run, so the limiter never answers); "
        f"the edge waits {h['outcome_wait_s']:g} s for a receipt to be recorded",
        f"  {h['users']} users signed up in {h['sign_up_s']:.1f} s; {h['devices']} Socket.IO "
        f"devices (one each) connected in {h['devices_connect_s']:.1f} s",
    ]
    lines += _alone(f["alone"])
    i_up, i_out = idle["uploads"], idle["outcomes"]
    lines += _head(
        f"one at a time, the ocr process idle ({db}): each uploaded once the last was read"
    )
    lines += _uploads("POST /v1/receipts answered 202, OCR idle", i_up)
    lines += _outcomes("upload -> receipt.scanned on the device", i_out)

    a_up, a_out = arr["uploads"], arr["outcomes"]
    verdict = "MET" if t["met"] else "MISSED"
    p95 = f"{t['p95_ms']:.0f} ms" if t["p95_ms"] is not None else "none scanned"
    lines += _head(
        f"receipts arriving at {arr['rate']:g}/s for {arr['duration_s']:g} s, one user and its "
        f"device, 1 ocr process ({db})"
    )
    lines += _outcomes("upload -> receipt.scanned on the device", a_out)
    lines += _uploads("POST /v1/receipts answered 202", a_up)
    lines += [
        f"  target: p95 under {t['p95_ms_under']:.0f} ms on one ocr process: {verdict} "
        f"(p95 {p95}"
        + (f", {a_out['missing']} without an outcome" if a_out["missing"] else "")
        + ")",
        f"    sends more than 10 ms late: {arr['late_sends']}; CPU % of one core: "
        f"{cpu_line(arr['cpu_percent'])}",
    ]

    b_up = sat["backlog"]
    processed = sat["scanned"] + sat["failed"]
    every = sat["all_read"]
    lines += [
        "",
        f"saturation: {sat['owners']} users upload {o['backlog']} receipts as fast as they can "
        f"(one upload after another each), and meanwhile a probe user at {probe['rate']:g}/s "
        f"({db})",
        f"  {'receipts read by 1 ocr process':<44} {sat['receipts_per_s']:>9.2f} receipts/s   "
        f"{sat['scanned']} scanned"
        + (f" (+{sat['failed']} failed: {sat['outcomes_per_s']:.2f}/s)" if sat["failed"] else "")
        + f" in {sat['duration_s']:.1f} s, first upload to last read",
        f"    of the {sat['read_requested_at_once']} receipts whose read the edge requested at "
        f"once; no outcome: {sat['missing']}"
        + (f" (waited until none came for {STALL_S:g} s)" if sat["missing"] else ""),
        f"    per receipt: {sat['ocr_cpu_s_per_receipt'] or 0:.2f} CPU s of the ocr process; "
        f"{workers} workers x {sat['duration_s']:.1f} s / {processed} = "
        f"{sat['worker_s_per_receipt'] or 0:.2f} s of a worker",
        f"  {'all of them read, the sweeper included':<44} {every['receipts_per_s']:>9.2f} "
        f"receipts/s   {every['scanned']} scanned of {every['receipts']} (outcomes "
        f"{every['read']}) in {every['seconds']:.1f} s from the first upload",
        latency_columns(44),
    ]
    lines += _uploads(
        f"uploads of the backlog ({sat['owners']} clients flat out)",
        b_up,
        f"all sent in {sat['backlog_upload_s']:.1f} s",
    )
    waiting = probe["waiting_when_sent"]
    spread = f"{waiting[0]} to {waiting[-1]} reads waiting when sent" if waiting else "none sent"
    lines += _uploads(f"uploads meanwhile (probe, {probe['rate']:g}/s)", probe, spread)
    lines += _uploads("uploads with the ocr process idle (above)", i_up, details=False)
    lines += _outcomes("upload -> receipt.scanned, backlog and probe", sat["outcomes"])
    lines.append(f"    CPU % of one core: {cpu_line(sat['cpu_percent'])}")
    if late["accepted"]:
        lines += [
            "",
            f"answered before the ocr actor recorded them (after {h['outcome_wait_s']:g} s): "
            f"{late['accepted']} receipts, read only once the sweeper requested it (pending "
            f"{h['ocr_retry_after_s']:g} s, swept every {h['ocr_sweep_s']:g} s; waited up to "
            f"{late['waited_up_to_s']:g} s)",
            *_outcomes("upload -> receipt.scanned on the device", late),
        ]
    final, acc = h["final"], h["accuracy"]
    shown = ", ".join(f"{k} {v}" for k, v in final["statuses"].items())
    lines += [
        "",
        f"every receipt uploaded, read back (GET /v1/receipts/{{id}}): {shown} "
        f"(of {final['uploaded']})",
        f"totals read as printed: clean {acc['clean']['totals_right']}/"
        f"{acc['clean']['scanned']} scanned, degraded {acc['degraded']['totals_right']}/"
        f"{acc['degraded']['scanned']} scanned",
        "",
        f"  {'process':<20} {'peak RSS MiB':>12} {'saturated':>10} {'CPU% 1/s':>9} "
        f"{'CPU% sat.':>9}",
    ]
    saturated_mb = h["memory_peak_saturated_mb"]
    rows: list[tuple[str, float | None]] = [
        *h["memory_peak_mb"].items(),
        (BENCH, None),
        (MACHINE, None),
        (OTHERS, None),
    ]
    for name, mb in rows:
        cpu = [c.get(name) for c in (arr["cpu_percent"], sat["cpu_percent"])]
        text = [f"{c:.0f}" if c is not None else "-" for c in cpu]
        if name == BENCH:
            mb = f["process_peak_rss_mb"]
        rss = f"{mb:.1f}" if mb is not None else ""
        busy = f"{saturated_mb[name]:.1f}" if name in saturated_mb else ""
        lines.append(f"  {name:<20} {rss:>12} {busy:>10} {text[0]:>9} {text[1]:>9}")
    lines += [
        f"  ('{BENCH}' is this process: it rendered the receipts, read some with Tesseract, "
        "uploads and listens; 'saturated': while the backlog was uploaded and read; the edge's "
        "peak is at sign-up, whose argon2id hashing takes 64 MiB per password)",
        f"  (CPU% is of one core; {m['cores_logical']} cores = {100 * m['cores_logical']}; "
        f"a large '{OTHERS}' means other work skewed the figures)",
        "",
        f"  database  {f['database']}",
        f"  children's output: {f['log_file']}",
        f"  took {f.get('elapsed_s', 0):.0f} s",
        "",
    ]
    return "\n".join(lines)
