"""The change feed (``GET /v1/sync/changes``, pages of 1,000): one reader reading a feed from 0
several times, several readers at once each reading its own user's feed; and
``GET /v1/sync/heads``."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import aiohttp

from deploy.bench.http import RequestFailedError, session
from deploy.bench.stats import latency_summary, rate
from deploy.bench.sync.batches import REQUEST_TIMEOUT_S
from deploy.bench.sync.results import FeedFigures, HeadsFigures
from deploy.bench.users import BenchUser

PAGE_LIMIT = 1000


@dataclass
class FeedRead:
    """Pages read from change feeds: their latencies, events, sizes and errors."""

    pages: list[float] = field(default_factory=list)
    events: int = 0
    bytes: int = 0
    errors: int = 0
    first_error: str | None = None
    gapless: bool = True

    def figures(self, readers: int, head: int, reads: list[int], duration: float) -> FeedFigures:
        """The figures of ``readers`` that read ``reads`` times each, in ``duration`` seconds."""
        return FeedFigures(
            readers=readers,
            head=head,
            reads=sum(reads),
            reads_each=round(sum(reads) / len(reads)) if reads else 0,
            events=self.events,
            pages=len(self.pages),
            page_limit=PAGE_LIMIT,
            duration_s=round(duration, 3),
            events_per_s=rate(self.events, duration),
            page_latency_ms=latency_summary(self.pages),
            bytes_per_page=round(self.bytes / len(self.pages)) if self.pages else 0,
            errors=self.errors,
            first_error=self.first_error,
            gapless=self.gapless,
        )


async def read_feed(http: aiohttp.ClientSession, scope: str, head: int, into: FeedRead) -> None:
    """Read ``scope`` from 0 up to ``head`` in pages of ``PAGE_LIMIT``, checking the seqs."""
    after = 0
    while after < head:
        path = f"/v1/sync/changes?scope={quote(scope)}&after={after}&limit={PAGE_LIMIT}"
        t0 = time.perf_counter()
        async with http.get(path) as resp:
            raw = await resp.read()
            status = resp.status
        elapsed = time.perf_counter() - t0
        if status != 200:
            into.errors += 1
            into.first_error = into.first_error or (
                f"GET {path} answered {status} {raw.decode(errors='replace')[:500]}"
            )
            return
        page = json.loads(raw)
        events = page["events"]
        if not events:
            into.gapless = False  # the head said there was more
            return
        into.pages.append(elapsed)
        into.events += len(events)
        into.bytes += len(raw)
        seqs = [e["seq"] for e in events]
        if seqs != list(range(after + 1, after + 1 + len(seqs))):
            into.gapless = False
        after = int(page["next_after"])


async def heads_of(base_url: str, user: BenchUser) -> dict[str, int]:
    """The head of each scope of ``user``."""
    async with (
        session(base_url, user.token, REQUEST_TIMEOUT_S) as http,
        http.get("/v1/sync/heads") as resp,
    ):
        data = await resp.json(content_type=None)
        if resp.status != 200 or not isinstance(data, dict):
            raise RequestFailedError(f"GET /v1/sync/heads answered {resp.status}: {data}")
        return {str(k): int(v) for k, v in data["scopes"].items()}


async def single_reader(base_url: str, user: BenchUser, head: int, times: int) -> FeedFigures:
    """One reader reads the user's own feed from 0, ``times`` times in a row."""
    scope = f"user:{user.id}"
    read = FeedRead()
    async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
        t0 = time.perf_counter()
        for _ in range(times):
            await read_feed(http, scope, head, read)
        duration = time.perf_counter() - t0
    return read.figures(1, head, [times], duration)


async def many_readers(
    base_url: str, readers: list[BenchUser], heads: list[int], target: int
) -> FeedFigures:
    """Every reader reads its own user's feed from 0, all at once, as many times as it takes
    to read about ``target`` events."""
    reads = [max(1, round(target / head)) if head else 1 for head in heads]
    read = FeedRead()
    sessions = [session(base_url, u.token, REQUEST_TIMEOUT_S) for u in readers]

    async def reader(i: int) -> None:
        for _ in range(reads[i]):
            await read_feed(sessions[i], f"user:{readers[i].id}", heads[i], read)

    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(reader(i) for i in range(len(readers))))
        duration = time.perf_counter() - t0
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    mean_head = round(sum(heads) / len(heads)) if heads else 0
    return read.figures(len(readers), mean_head, reads, duration)


async def heads_reads(base_url: str, user: BenchUser, count: int) -> HeadsFigures:
    """``GET /v1/sync/heads`` ``count`` times in a row."""
    latencies: list[float] = []
    errors, first_error, scopes = 0, None, 0
    async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
        for _ in range(count):
            t0 = time.perf_counter()
            async with http.get("/v1/sync/heads") as resp:
                raw = await resp.read()
                status = resp.status
            elapsed = time.perf_counter() - t0
            if status == 200:
                latencies.append(elapsed)
                scopes = len(json.loads(raw)["scopes"])
            else:
                errors += 1
                first_error = first_error or (
                    f"GET /v1/sync/heads answered {status} {raw.decode(errors='replace')[:500]}"
                )
    return HeadsFigures(count, latency_summary(latencies), scopes, errors, first_error)
