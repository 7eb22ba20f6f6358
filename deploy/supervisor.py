"""An asyncio supervisor for the processes of one machine: start in order, restart, stop cleanly.

Children start in stages (see :mod:`deploy.startup`), each ready before the next, so servers are
up before the processes that use them; then the whole's readiness check, if any, must hold. Their
merged output is re-printed with a name prefix. A child that dies is restarted with capped
exponential backoff unless it keeps crashing, which stops everything. Stopping goes in reverse
order (each stage at once), SIGTERM then SIGKILL after a grace period; children run in their
own process group (a terminal's Ctrl-C reaches only us, so the order holds) and on Linux are
told to die with us, so a killed supervisor leaves no orphans.

While it runs, a child can be given more processes or fewer (:meth:`Supervisor.scale`): the new
ones (``name#2``, ``name#3`` ...) start like the first, in its stage, each supervised as it is;
the last ones go first, drained like any child at a stop. A :class:`ProcessLedger` records every
start, exit, restart and change of scale (``up`` writes it to its state file).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TextIO

import structlog

from deploy.children import (
    COLOURS,
    Child,
    ChildFailedError,
    ChildSpec,
    PartsProbe,
    ReadyProbe,
    RestartPolicy,
    die_with_parent,
    prefix_for,
)
from deploy.control_state import ProcessLedger
from deploy.spawn import drain_output, spawn, stop_process
from deploy.startup import await_all, await_ready, await_whole, stages
from deploy.waiting import WaitingLog

__all__ = [
    "ChildFailedError",
    "ChildSpec",
    "PartsProbe",
    "ReadyProbe",
    "RestartPolicy",
    "ScaleError",
    "Supervisor",
    "die_with_parent",
]

log = structlog.get_logger(__name__)

ReplicaSpec = Callable[[ChildSpec, str], ChildSpec]
"""How a child's n-th process is specified, from its first's spec and its name."""


class ScaleError(RuntimeError):
    """A change of scale that cannot be made; the message says why."""


def same_as_first(first: ChildSpec, name: str) -> ChildSpec:
    """The default :data:`ReplicaSpec`: the first's spec under the new name."""
    return replace(first, name=name)


class Supervisor:
    """Runs a list of children; see the module docstring for the rules."""

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        *,
        grace_s: float = 10.0,
        policy: RestartPolicy | None = None,
        out: TextIO | None = None,
        probe_interval_s: float = 0.2,
        ready: PartsProbe | None = None,
        ready_timeout_s: float = 60.0,
        on_stop: Callable[[], Awaitable[None]] | None = None,
        say_every_s: float = 5.0,
        ledger: ProcessLedger | None = None,
    ) -> None:
        """``ready``: the whole's readiness, awaited after the children's; ``on_stop``: run
        first when stopping; ``say_every_s``: how often a wait is said again; ``ledger``: where
        the children's starts, exits and restarts are recorded."""
        self._out = out if out is not None else sys.stdout
        self._colour = self._out.isatty()
        self._width = max([10, *(len(s.name) + 1 for s in specs)])
        self._children = [self._child(s, i) for i, s in enumerate(specs)]
        self._ledger = ledger if ledger is not None else ProcessLedger(None)
        self._scale_lock = asyncio.Lock()
        self._started = False
        self._grace_s = grace_s
        self._policy = policy or RestartPolicy()
        self._probe_interval_s = probe_interval_s
        self._ready = ready
        self._ready_timeout_s = ready_timeout_s
        self._on_stop = on_stop
        self._say_every_s = say_every_s
        self._waiting = WaitingLog(self._say, every_s=say_every_s)
        self._stopping = False
        self._done = asyncio.Event()
        self._stop_lock = asyncio.Lock()
        self.failure: str | None = None

    def _child(self, spec: ChildSpec, index: int) -> Child:
        colour = COLOURS[index % len(COLOURS)] if self._colour else None
        return Child(spec, prefix_for(spec.name, self._width, colour))

    @property
    def started(self) -> bool:
        """Whether every stage has started and is ready (from then until a stop, it scales)."""
        return self._started

    def pids(self) -> dict[str, int]:
        """The pid of each running child, by name."""
        return {c.spec.name: c.process.pid for c in self._children if c.process and c.alive}

    def specs(self) -> list[ChildSpec]:
        """The spec of every child, running or not, added ones included."""
        return [c.spec for c in self._children]

    async def start(self) -> None:
        """Start every stage in order, each ready before the next, then await the whole's
        readiness; raise ChildFailedError."""
        for stage in stages(self._children):
            for child in stage:
                await self._spawn(child)
            await await_all([self._await_ready(child) for child in stage])
            for child in stage:
                child.watcher = asyncio.create_task(self._watch(child))
        if self._ready is not None:
            await await_whole(
                self._ready,
                WaitingLog(self._say, every_s=self._say_every_s),
                self._ready_timeout_s,
                self._probe_interval_s,
            )
        self._started = True

    async def wait(self) -> None:
        """Return once a stop is requested or a child has failed for good."""
        await self._done.wait()

    def request_stop(self) -> None:
        """Ask :meth:`run` to stop everything (what the first SIGINT/SIGTERM does)."""
        self._done.set()

    def kill_all(self) -> None:
        """SIGKILL every child at once (what a second Ctrl-C does)."""
        self._stopping = True
        for child in self._children:
            child.signal(signal.SIGKILL)

    async def stop(self) -> None:
        """Stop stages in reverse order: SIGTERM, then SIGKILL after the grace period."""
        self._stopping = True
        self._done.set()
        async with self._stop_lock:
            if self._on_stop is not None:
                hook, self._on_stop = self._on_stop, None
                with contextlib.suppress(Exception):
                    await hook()
            watchers = [c.watcher for c in self._children if c.watcher is not None]
            watchers = [w for w in watchers if w is not asyncio.current_task()]
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            for stage in reversed(stages(self._children)):  # a stage's children together
                await asyncio.gather(*(self._stop_child(child) for child in stage))

    async def scale(
        self, name: str, count: int, spec_for: ReplicaSpec = same_as_first
    ) -> list[str]:
        """Run ``count`` processes of the child ``name``; the names of its processes after.

        New ones (``name#2`` ...) are specified by ``spec_for`` from the first's spec, start in
        its stage and are ready before this returns; the last ones are stopped first (SIGTERM:
        they drain, then SIGKILL after the grace period). Raise ScaleError if it cannot be done
        (not started yet, stopping, no such child, a new process not ready).
        """
        if count < 1:
            raise ScaleError(f"{name} needs at least one process (asked for {count})")
        async with self._scale_lock:
            if not self._started or self._stopping or self._done.is_set():
                raise ScaleError("not running (still starting, or stopping)")
            group = self._processes_of(name)
            if not group:
                raise ScaleError(f"no child is named {name}")
            for index in range(len(group) + 1, count + 1):
                await self._add(spec_for(group[0].spec, f"{name}#{index}"), after=group[-1])
                group = self._processes_of(name)
            for child in reversed(group[count:]):
                await self._remove(child)
            return [child.spec.name for child in self._processes_of(name)]

    def _processes_of(self, name: str) -> list[Child]:
        return [c for c in self._children if c.spec.name.partition("#")[0] == name]

    async def _add(self, spec: ChildSpec, *, after: Child) -> None:
        child = self._child(spec, len(self._children))
        self._children.insert(self._children.index(after) + 1, child)
        try:
            await self._spawn(child)
            self._ledger.order([c.spec.name for c in self._children])
            await self._await_ready(child)
        except ChildFailedError as exc:
            await self._remove(child)
            raise ScaleError(str(exc)) from exc
        except asyncio.CancelledError:
            await self._remove(child)
            raise
        child.watcher = asyncio.create_task(self._watch(child))
        log.info("child_added", child=spec.name)

    async def _remove(self, child: Child) -> None:
        """Stop ``child`` for good (drained like at a stop) and forget it."""
        if child.watcher is not None:
            child.watcher.cancel()
            await asyncio.gather(child.watcher, return_exceptions=True)
        await self._stop_child(child)
        if child in self._children:
            self._children.remove(child)
        self._ledger.removed(child.spec.name)
        log.info("child_removed", child=child.spec.name)

    async def run(self, on_ready: Callable[[], None] | None = None, *, signals: bool = True) -> int:
        """Start, call ``on_ready``, wait for a signal or a fatal failure, stop; the exit code.

        0 after a requested stop (also during startup), 1 if a child failed to start or kept
        crashing (``failure`` says why).
        """
        loop = asyncio.get_running_loop()
        if signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self._on_signal)
        try:
            starting = asyncio.create_task(self.start())
            stop_asked = asyncio.create_task(self._done.wait())
            await asyncio.wait({starting, stop_asked}, return_when=asyncio.FIRST_COMPLETED)
            stop_asked.cancel()
            if not starting.done():
                starting.cancel()
                await asyncio.wait({starting})
            elif isinstance(exc := starting.exception(), ChildFailedError):
                self._fail(str(exc))
            elif exc is not None:
                raise exc
            elif on_ready is not None:
                on_ready()
            await self.wait()
        finally:
            await self.stop()
            self._ledger.close()
            if signals:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(signum)
        if self.failure is not None:
            log.error("supervisor_failed", reason=self.failure)
            return 1
        return 0

    # --- internals -----------------------------------------------------------------------------

    async def _await_ready(self, child: Child) -> None:
        await await_ready(child, self._waiting, self._probe_interval_s, self._drain)

    def _say(self, line: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # our stdout closed: nothing to tell
            self._out.write(f"{line}\n")
            self._out.flush()

    def _on_signal(self) -> None:
        # act before logging: our own stdout may be a closed pipe
        if self._done.is_set():
            self.kill_all()
            log.warning("supervisor_killing_children")
        else:
            self._done.set()
            log.info("supervisor_stopping", grace_s=self._grace_s)

    async def _spawn(self, child: Child) -> None:
        process = await spawn(child, self._out)
        self._ledger.started(child.spec.name, process.pid)
        log.info("child_started", child=child.spec.name, pid=process.pid)

    async def _watch(self, child: Child) -> None:
        """Wait for the child to exit; restart it or end the supervisor."""
        while True:
            assert child.process is not None
            code = await child.process.wait()
            self._ledger.exited(child.spec.name, code)
            await self._drain(child)
            if self._stopping or self._done.is_set():
                return
            name = child.spec.name
            if not child.spec.restart:
                self._fail(f"{name} exited with code {code}")
                return
            if self._policy.record_crash(child.crashes, time.monotonic()):
                self._fail(
                    f"{name} crashed {len(child.crashes)} times within "
                    f"{self._policy.window_s:.0f} s (last exit code {code}); giving up. "
                    f"Its output ends with:\n{child.output_tail()}"
                )
                return
            delay = self._policy.backoff(len(child.crashes))
            log.warning("child_restarting", child=name, exit_code=code, restart_in_s=delay)
            await asyncio.sleep(delay)
            if self._stopping or self._done.is_set():
                return
            try:
                await self._spawn(child)
                await self._await_ready(child)
            except ChildFailedError as exc:
                log.warning("child_not_ready_after_restart", child=name, reason=str(exc))
                child.signal(signal.SIGKILL)

    def _fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
        self._done.set()

    async def _stop_child(self, child: Child) -> None:
        code = await stop_process(child, self._grace_s)
        if code is not None:
            self._ledger.exited(child.spec.name, code)
        await self._drain(child)

    async def _drain(self, child: Child) -> None:
        await drain_output(child)
