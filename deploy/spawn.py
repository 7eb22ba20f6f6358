"""One supervised child's process: started, its output re-printed with its name as a prefix,
and stopped.

A child runs in a session (process group) of its own, is told to die with its parent, and
writes into one pipe (stdout and stderr merged) that a pump re-prints line by line. It is
stopped with SIGTERM (an actor drains), then SIGKILL after a grace period, and whatever it left
in its process group goes with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import TextIO

import structlog

from deploy.children import LINE_LIMIT, Child, ChildFailedError, die_with_parent

log = structlog.get_logger("deploy.supervisor")


async def spawn(child: Child, out: TextIO) -> asyncio.subprocess.Process:
    """Start ``child``'s process and its output pump; raise ChildFailedError if it cannot be."""
    spec = child.spec
    spawning = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            *spec.argv,
            env=dict(spec.env) if spec.env is not None else None,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
            limit=LINE_LIMIT,
        )
    )
    try:
        process = await asyncio.shield(spawning)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):  # cancelled while forking: let a stop end it
            _adopt(child, await spawning, out)
        raise
    except OSError as exc:
        raise ChildFailedError(f"{spec.name} could not be started ({spec.argv[0]}): {exc}") from exc
    _adopt(child, process, out)
    return process


def _adopt(child: Child, process: asyncio.subprocess.Process, out: TextIO) -> None:
    child.process = process
    child.pump = asyncio.create_task(_pump(child, process, out))


async def _pump(child: Child, process: asyncio.subprocess.Process, out: TextIO) -> None:
    assert process.stdout is not None
    reader = process.stdout
    while True:
        try:
            raw = await reader.readline()
        except ValueError:  # a line longer than the limit: print it in pieces
            raw = await reader.read(LINE_LIMIT)
        if not raw:
            return
        line = raw.decode(errors="replace").rstrip("\r\n")
        child.tail.append(line)
        with contextlib.suppress(OSError, ValueError):  # our stdout closed: keep draining
            out.write(f"{child.prefix}{line}\n")
            out.flush()


async def drain_output(child: Child) -> None:
    """Let the output pump print what is left; bounded, as a grandchild may hold the pipe."""
    if child.pump is None:
        return
    try:
        await asyncio.wait_for(asyncio.shield(child.pump), 2.0)
    except TimeoutError:
        child.pump.cancel()


async def stop_process(child: Child, grace_s: float) -> int | None:
    """SIGTERM the child, SIGKILL it if it outlives ``grace_s``; its exit code if it was
    running (None if it was not)."""
    process = child.process
    code = None
    if process is not None and process.returncode is None:
        child.signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            log.warning("child_killed_after_grace", child=child.spec.name, grace_s=grace_s)
            child.signal(signal.SIGKILL)
            await process.wait()
        code = process.returncode
        log.info("child_stopped", child=child.spec.name, exit_code=code)
    if process is not None:
        # anything the child started in its group and left behind goes with it
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    return code
