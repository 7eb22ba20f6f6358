"""How the supervisor waits while starting: stages of children, each child's readiness probe,
and the readiness of the whole, saying what it waits for (:mod:`deploy.waiting`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from deploy.children import Child, ChildFailedError, PartsProbe, ReadyProbe
from deploy.waiting import WaitingLog


def stages(children: Sequence[Child]) -> list[list[Child]]:
    """Consecutive children sharing a non-empty ``stage`` together; every other one alone."""
    found: list[list[Child]] = []
    for child in children:
        stage = child.spec.stage
        if found and stage and found[-1][0].spec.stage == stage:
            found[-1].append(child)
        else:
            found.append([child])
    return found


async def await_all(waits: Sequence[Coroutine[Any, Any, None]]) -> None:
    """Await every one concurrently; on the first failure cancel the rest and raise it."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if (exc := task.exception()) is not None:
                raise exc
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def await_ready(
    child: Child,
    waiting: WaitingLog,
    interval_s: float,
    drain: Callable[[Child], Awaitable[None]],
) -> None:
    """Poll the child's probe until it holds; raise ChildFailedError (with the child's output)
    if the child exits first or its ready timeout passes. A child without a probe is ready once
    spawned: an exit from then on is a crash, restarted by its policy, however soon it comes
    (not a failed start one time and a restart the next, by how the machine schedules)."""
    probe, process, name = child.spec.ready, child.process, child.spec.name
    assert process is not None
    if probe is None:
        waiting.ready(name)
        return
    deadline = time.monotonic() + child.spec.ready_timeout_s
    try:
        while True:
            if process.returncode is not None:
                await drain(child)
                raise ChildFailedError(
                    f"{name} exited with code {process.returncode} before it was "
                    f"ready; its output ends with:\n{child.output_tail()}"
                )
            if await probe_ok(probe):
                waiting.ready(name)
                return
            if time.monotonic() >= deadline:
                raise ChildFailedError(
                    f"{name} was not ready after {child.spec.ready_timeout_s:.0f} s; "
                    f"its output ends with:\n{child.output_tail()}"
                )
            waiting.waiting(name)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), interval_s)
    finally:
        waiting.forget(name)  # a no-op once said ready


async def await_whole(
    probe: PartsProbe, waiting: WaitingLog, timeout_s: float, interval_s: float
) -> None:
    """Poll ``probe`` until nothing is missing, saying what is; raise ChildFailedError naming
    what still was after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            missing = dict(await probe())
        except Exception as exc:
            missing = {"readiness": f"{type(exc).__name__}: {exc}"[:200]}
        waiting.update(missing)
        if not missing:
            return
        if time.monotonic() >= deadline:
            parts = "; ".join(f"{part}: {why}" for part, why in missing.items())
            raise ChildFailedError(f"not ready after {timeout_s:.0f} s, still waiting for {parts}")
        await asyncio.sleep(interval_s)


async def probe_ok(probe: ReadyProbe) -> bool:
    """Whether a readiness probe holds; a probe that raises does not."""
    try:
        return bool(await probe())
    except Exception:
        return False
