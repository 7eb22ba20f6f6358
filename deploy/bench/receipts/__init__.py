"""``ledgerbus bench receipts``: how many receipts one ocr process reads a second, how soon an
uploaded receipt reaches its owner's device read, and whether uploads stay fast while the ocr
process is saturated, on an embedded stack of its own.

The stack is NATS, SecantusDB, the edge (HTTP and Socket.IO on one port), the accounts actor and
one ocr actor process, which reads with Tesseract in a pool of ``LEDGERBUS_OCR_WORKERS`` threads.
The receipts are synthetic, each a different one, all rendered before anything is timed
(:mod:`.images`). Then:

0. Tesseract alone: a few receipts, clean and degraded, read one at a time in this process
   before the stack starts: the time one read takes, without queue, HTTP or database.
1. One at a time: each receipt is uploaded once the previous one was read, so nothing else is
   being read: the upload's latency with the ocr process idle, and the time from just before
   ``POST /v1/receipts`` to ``receipt.scanned`` on the owner's device when nothing waits.
2. Arrivals at a fixed rate (one a second for 60 s by default), sent on schedule whatever the
   answers: the time from just before each ``POST /v1/receipts`` to ``receipt.scanned`` on the
   owner's Socket.IO device; the target is a p95 under 2 s on one ocr process (:mod:`.phases`).
3. Saturation: several users upload a backlog as fast as they can while a probe user uploads
   at a fixed rate: receipts read per second by the one ocr process, and the latency of the
   uploads while it was saturated, beside their latency with it idle (:mod:`.saturation`).
4. Peak memory (RSS) of every process, the ocr actor's included, and CPU use in 2 and 3.

An upload the edge answers 202 before the ocr actor recorded the receipt (it waits
``LEDGERBUS_OUTCOME_WAIT_S`` for that) is read only once the ocr actor's sweeper sends it to be
read: those are counted apart, waited for (minutes, with the default sweeper settings), and not
part of the first throughput figure. At the end every receipt uploaded is read back over HTTP:
each must be scanned or failed. Errors are counted and printed, never counted as throughput.
Nothing is asserted: figures are printed (and written as JSON), speed is never judged; the one
target the issue sets is shown met or missed. Importing this package loads only the options;
the run and the render load when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.framework import Benchmark
from deploy.bench.receipts.options import ReceiptsBenchOptions, settle

if TYPE_CHECKING:
    from deploy.bench.receipts.results import ReceiptsResult


async def _run(settings: Settings, options: ReceiptsBenchOptions, out: TextIO) -> ReceiptsResult:
    from deploy.bench.receipts.runner import run_receipts

    return await run_receipts(settings, options, out)


def _render(result: ReceiptsResult) -> str:
    from deploy.bench.receipts.render import render

    return render(result)


RECEIPTS = Benchmark(
    name="receipts",
    help="receipts read per second by one ocr process, upload to receipt.scanned on a device at "
    "a fixed rate, and upload latency while the ocr process is saturated",
    options=ReceiptsBenchOptions,
    run=_run,
    render=_render,
    smoke="2 users, a backlog of 8, 5 s of arrivals",
    settle=settle,
)
