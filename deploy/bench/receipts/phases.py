"""The phases over HTTP but saturation (:mod:`.saturation`): one at a time, arrivals at a fixed
rate, the receipts recorded after their upload's answer, every receipt read back, and the totals
read against those printed."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from bus.settings import Settings
from deploy.bench.http import call
from deploy.bench.memory import CpuWindow, ProcessSampler
from deploy.bench.receipts.devices import SCANNED
from deploy.bench.receipts.images import same_amount
from deploy.bench.receipts.options import ReceiptsBenchOptions
from deploy.bench.receipts.results import (
    Accuracy,
    ArrivalsRun,
    FinalFigures,
    IdleRun,
    KindAccuracy,
    LateFigures,
    OutcomeFigures,
    Target,
)
from deploy.bench.receipts.uploads import (
    ARRIVALS,
    IDLE,
    Run,
    outcome_figures,
    paced,
    upload_figures,
)
from deploy.bench.users import BenchUser

TARGET_P95_MS = 2000.0
"""The issue's target: p95 from upload to ``receipt.scanned`` on a device, on one ocr process."""

IDLE_WAIT_S = 60.0
"""One at a time: how long one receipt may take to be read before the next is uploaded."""
IDLE_GAP_S = 0.3
"""One at a time: the pause after a receipt is read, before the next upload."""
STALL_S = 60.0
"""How long a phase waits for its receipts while none of them is read."""
SWEEPER_MARGIN_S = 30.0
CHECK_CONCURRENCY = 8


async def one_at_a_time(run: Run, owner: BenchUser, count: int) -> IdleRun:
    """Each receipt uploaded once the previous one was read: nothing else is being read."""
    for image in run.take(count):
        posted = await run.upload(owner, image, IDLE)
        if posted.recorded and posted.receipt_id is not None:
            await run.devices.settle([posted.receipt_id], IDLE_WAIT_S)
        await asyncio.sleep(IDLE_GAP_S)
    return IdleRun(uploads=upload_figures(run.of(IDLE)))


def target(outcomes: OutcomeFigures) -> Target:
    """The issue's target, judged on the receipts scanned: met only when none was missing."""
    p95 = (outcomes.scanned_ms or {}).get("p95")
    met = p95 is not None and p95 < TARGET_P95_MS and outcomes.missing == 0
    return Target(p95_ms_under=TARGET_P95_MS, p95_ms=p95, met=met)


async def at_fixed_rate(
    run: Run, owner: BenchUser, o: ReceiptsBenchOptions, sampler: ProcessSampler
) -> ArrivalsRun:
    """Receipts arriving at ``o.rate`` a second for ``o.duration_s``, each timed from just
    before its upload to ``receipt.scanned`` on the owner's device."""
    images = run.take(round(o.rate * o.duration_s))
    window = CpuWindow(sampler)
    posts, late = await paced(len(images), o.rate, lambda n: run.upload(owner, images[n], ARRIVALS))
    await run.devices.settle([p.receipt_id for p in posts if p.recorded and p.receipt_id], STALL_S)
    return ArrivalsRun(
        rate=o.rate,
        duration_s=o.duration_s,
        late_sends=late,
        uploads=upload_figures(posts),
        cpu_percent=window.close(),
    )


async def late_receipts(run: Run, settings: Settings, say: Callable[[str], None]) -> LateFigures:
    """The receipts whose upload was answered before they were recorded: the edge requested no
    read, so the ocr actor's sweeper does, once they have waited ``ocr_retry_after_s``."""
    late = [p for p in run.posts if p.accepted and not p.recorded]
    ids = [p.receipt_id for p in late if p.receipt_id]
    wait_s = settings.ocr_retry_after_s + 2 * settings.ocr_sweep_s + SWEEPER_MARGIN_S
    if late and run.devices.waiting(ids):
        say(f"{len(late)} receipts recorded after their upload's answer: waiting for the sweeper")
        await run.devices.settle(ids, wait_s)
    outcomes = outcome_figures(late, run.devices)
    return LateFigures(waited_up_to_s=wait_s, **vars(outcomes))


async def check_all(run: Run) -> FinalFigures:
    """Every receipt uploaded, read back over HTTP by its owner: its status at the end."""
    limit = asyncio.Semaphore(CHECK_CONCURRENCY)
    statuses: Counter[str] = Counter()

    async def one(receipt_id: str, owner: BenchUser) -> None:
        async with limit:
            status, data = await call(run.sessions[owner.id], "GET", f"/v1/receipts/{receipt_id}")
        if status == 200 and isinstance(data, dict):
            statuses[str(data.get("status"))] += 1
        else:
            statuses[f"HTTP {status}"] += 1

    await asyncio.gather(
        *(one(p.receipt_id, p.owner) for p in run.posts if p.receipt_id is not None)
    )
    return FinalFigures(uploaded=sum(statuses.values()), statuses=dict(sorted(statuses.items())))


def kind_accuracy(run: Run, degraded: bool) -> KindAccuracy:
    """Receipts of one kind scanned (on the devices), and those whose total read is printed."""
    right = scanned = 0
    for p in run.posts:
        arrival = run.devices.arrivals.get(p.receipt_id or "")
        if p.image.degraded != degraded or arrival is None or arrival.kind != SCANNED:
            continue
        scanned += 1
        right += int(same_amount(arrival.total, p.image.total))
    return KindAccuracy(scanned=scanned, totals_right=right)


def accuracy(run: Run) -> Accuracy:
    """The totals read (on the devices) against the totals printed, clean and degraded."""
    return Accuracy(clean=kind_accuracy(run, False), degraded=kind_accuracy(run, True))
