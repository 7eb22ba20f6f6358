"""Saturation: several users upload a backlog as fast as they can (each one upload after
another), and meanwhile a probe user uploads at a fixed rate. The receipts read per second by
the one ocr process, from the first upload until the last receipt whose read the edge requested
at once was read; and the same until every receipt of the phase was read, however its read was
requested (:func:`all_read`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from deploy.bench.memory import CpuWindow, ProcessSampler
from deploy.bench.receipts.devices import FAILED, SCANNED, ReceiptDevices
from deploy.bench.receipts.images import Image
from deploy.bench.receipts.options import ReceiptsBenchOptions
from deploy.bench.receipts.phases import STALL_S
from deploy.bench.receipts.results import AllRead, ProbeFigures, SaturationRun
from deploy.bench.receipts.uploads import SATURATION, Posted, Run, paced, upload_figures
from deploy.bench.stats import rate
from deploy.bench.users import BenchUser

OCR = "actor:ocr"


@dataclass(frozen=True)
class Uploaded:
    """The uploads of the phase: the backlog's, how long they took, and the probe's."""

    burst: list[Posted]
    burst_s: float
    probe: list[Posted]
    probe_late: int


async def upload_all(
    run: Run,
    owners: Sequence[BenchUser],
    probe_owner: BenchUser,
    backlog: list[Image],
    probes: list[Image],
    probe_rate: float,
) -> Uploaded:
    """The backlog uploaded flat out by ``owners``, each one upload after another, and
    meanwhile the probe's uploads at ``probe_rate`` until the backlog is all sent; each probe
    notes how many reads were waiting when it was sent."""
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
        len(probes), probe_rate, probe, lambda: not uploading.done()
    )
    burst, burst_s = await uploading
    return Uploaded(burst, burst_s, probe_posts, probe_late)


def probe_figures(up: Uploaded, planned: int, probe_rate: float) -> ProbeFigures:
    """The probe's figures: its own, then those of its uploads."""
    return ProbeFigures(
        rate=probe_rate,
        planned=planned,
        late_sends=up.probe_late,
        waiting_when_sent=sorted(p.waiting for p in up.probe if p.waiting is not None),
        **vars(upload_figures(up.probe)),
    )


async def saturated(
    run: Run,
    owners: Sequence[BenchUser],
    probe_owner: BenchUser,
    o: ReceiptsBenchOptions,
    workers: int,
    sampler: ProcessSampler,
) -> SaturationRun:
    """A backlog uploaded flat out by ``owners``, and meanwhile the probe's uploads at a fixed
    rate; the time until every receipt whose read was requested at once is read."""
    backlog = run.take(o.backlog)
    probes = run.take(o.probe)
    sampler.under_load = True
    window = CpuWindow(sampler)
    first = time.perf_counter()
    up = await upload_all(run, owners, probe_owner, backlog, probes, o.probe_rate)
    direct = [p for p in up.burst + up.probe if p.recorded and p.receipt_id is not None]
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
    return SaturationRun(
        owners=len(owners),
        backlog_upload_s=round(up.burst_s, 3),
        backlog=upload_figures(up.burst),
        probe=probe_figures(up, len(probes), o.probe_rate),
        read_requested_at_once=len(direct),
        scanned=scanned,
        failed=failed,
        missing=len(direct) - processed,
        duration_s=round(elapsed, 3),
        receipts_per_s=rate(scanned, elapsed),
        outcomes_per_s=rate(processed, elapsed),
        ocr_cpu_s_per_receipt=round(ocr_cpu_s / processed, 3) if processed else None,
        worker_s_per_receipt=round(workers * elapsed / processed, 3) if processed else None,
        cpu_percent=cpu,
    )


def all_read(posts: Sequence[Posted], devices: ReceiptDevices) -> AllRead:
    """From the first upload of ``posts`` until the last of them was read, whoever requested
    the read (the edge at once, or the sweeper later): the literal "time until all are read"."""
    accepted = [p for p in posts if p.receipt_id is not None]
    arrivals = [devices.arrivals.get(p.receipt_id or "") for p in accepted]
    done = [a for a in arrivals if a is not None]
    seconds = max(a.at for a in done) - min(p.sent for p in posts) if done else 0.0
    scanned = sum(1 for a in done if a.kind == SCANNED)
    return AllRead(
        receipts=len(accepted),
        read=len(done),
        scanned=scanned,
        seconds=round(seconds, 3),
        receipts_per_s=rate(scanned, seconds),
    )
