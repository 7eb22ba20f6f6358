"""The control channel of a running ``ledgerbus up``: a Unix socket under its data dir.

``<data_dir>/run/control.sock`` (mode 0600, in a 0700 directory) takes one JSON request per
connection, a line, and answers one JSON line: ``{"op": "scale", "actor": "expenses",
"processes": 2}`` -> ``{"ok": true, "actor": "expenses", "processes": ["actor:expenses",
"actor:expenses#2"]}``, or ``{"ok": false, "error": "..."}``. :func:`scale` is the client, for
``ledgerbus scale`` and for any Python code (a benchmark) that wants N processes of an actor.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import structlog

from deploy.children import ChildSpec
from deploy.control_replicas import ActorCensus, actor_child, replica_env, scale_refusal
from deploy.control_state import private_run_dir, socket_path
from deploy.supervisor import ScaleError, Supervisor

log = structlog.get_logger(__name__)

REQUEST_TIMEOUT_S = 5.0
"""How long the channel waits for a request's line once a client has connected."""
SCALE_TIMEOUT_S = 180.0
"""How long :func:`scale` waits for an answer: new processes must be ready, removed ones drained."""


class ControlError(RuntimeError):
    """The running ``up`` refused a request or could not carry it out; the message says why."""


class NoSupervisorError(ControlError):
    """No ``ledgerbus up`` answers on the data dir's control socket."""


async def scale(
    data_dir: Path,
    actor: str,
    processes: int,
    *,
    known: Collection[str] | None = None,
    timeout_s: float = SCALE_TIMEOUT_S,
) -> list[str]:
    """Have the ``up`` running on ``data_dir`` run ``processes`` processes of ``actor``; the
    names of that actor's processes once done (new ones ready, removed ones drained).

    Raise ControlError (refused, or failed) or NoSupervisorError. ``known`` (default: every
    actor) lets a caller refuse a bad request before asking.
    """
    if known is None:
        from actors.registry import ACTORS

        known = ACTORS
    refusal = scale_refusal(actor, processes, known)
    if refusal is not None:
        raise ControlError(refusal)
    answer = await request(
        data_dir, {"op": "scale", "actor": actor, "processes": processes}, timeout_s
    )
    return [str(name) for name in answer["processes"]]


async def request(data_dir: Path, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Send one request to the control socket of ``data_dir``; its answer if ``ok``."""
    path = socket_path(data_dir)
    try:
        reader, writer = await asyncio.open_unix_connection(str(path))
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise NoSupervisorError(f"no ledgerbus up is running on {path.parent.parent}") from exc
    except OSError as exc:
        raise NoSupervisorError(f"cannot reach {path}: {exc}") from exc
    try:
        writer.write(json.dumps(body).encode() + b"\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout_s)
    except TimeoutError as exc:
        raise ControlError(f"no answer from {path} within {timeout_s:g} s") from exc
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    try:
        answer = json.loads(line)
    except ValueError as exc:
        raise ControlError(f"an unreadable answer from {path}: {line[:200]!r}") from exc
    if not isinstance(answer, dict) or not answer.get("ok"):
        error = answer.get("error") if isinstance(answer, dict) else answer
        raise ControlError(str(error))
    return answer


@asynccontextmanager
async def control_channel(
    supervisor: Supervisor,
    data_dir: Path,
    *,
    nats_url: str,
    actors: Collection[str],
    tls: ssl.SSLContext | None = None,
) -> AsyncIterator[None]:
    """Serve the control socket of ``data_dir`` while the block runs (the ``up`` of
    ``actors``, whose NATS is ``nats_url``, over ``tls`` when given). A socket another live
    ``up`` serves is left alone, and so is one whose path is too long for a Unix socket: ``up``
    runs on without a control channel then."""
    census = ActorCensus(nats_url, tls=tls)
    channel = _Channel(supervisor, census, set(actors))
    path = socket_path(data_dir)
    server = await _listen(path, channel)
    try:
        yield
    finally:
        if server is not None:
            server.close()
            _forget(path)
        await census.close()


async def _listen(path: Path, channel: _Channel) -> asyncio.Server | None:
    private_run_dir(path.parent.parent)
    if await _answers(path):
        log.warning("control_socket_in_use", path=str(path))
        return None
    _forget(path)  # left by an up that was killed
    try:
        server = await asyncio.start_unix_server(channel.serve, path=str(path))
    except OSError as exc:
        log.warning("control_socket_unavailable", path=str(path), error=str(exc))
        return None
    _owner_only(path)
    return server


def _forget(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _owner_only(path: Path) -> None:
    path.chmod(0o600)


async def _answers(path: Path) -> bool:
    try:
        _, writer = await asyncio.open_unix_connection(str(path))
    except OSError:
        return False
    writer.close()
    return True


class _Channel:
    """Answers the requests of one ``up``'s control socket."""

    def __init__(self, supervisor: Supervisor, census: ActorCensus, actors: set[str]) -> None:
        self._supervisor = supervisor
        self._census = census
        self._actors = actors

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), REQUEST_TIMEOUT_S)
            answer = await self.answer(line)
        except (TimeoutError, OSError, ValueError) as exc:
            answer = {"ok": False, "error": f"no request read: {type(exc).__name__}"}
        except Exception as exc:  # the client hears of it; the supervisor runs on
            log.exception("control_request_failed")
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        with contextlib.suppress(OSError):  # the client gave up: nothing to tell
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()
        writer.close()

    async def answer(self, line: bytes) -> dict[str, Any]:
        """The answer to one request line."""
        try:
            body = json.loads(line)
            op, actor, processes = body["op"], body["actor"], body["processes"]
        except (ValueError, KeyError, TypeError):
            return {"ok": False, "error": "expected {op: scale, actor, processes}"}
        counted = isinstance(processes, int) and not isinstance(processes, bool)
        if op != "scale" or not counted or not isinstance(actor, str):
            return {"ok": False, "error": f"unknown request {body!r}"[:300]}
        refusal = scale_refusal(actor, processes, self._actors)
        if refusal is not None:
            return {"ok": False, "error": refusal}
        log.info("scale_requested", actor=actor, processes=processes)
        try:
            names = await self._supervisor.scale(actor_child(actor), processes, self._replica)
        except ScaleError as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True, "actor": actor, "processes": names}

    def _replica(self, first: ChildSpec, name: str) -> ChildSpec:
        """An added process of an actor: the first's spec under its own name, ready once it
        answers the actor's ping beside the others."""
        child = name.partition("#")[0]
        actor = child.removeprefix("actor:")

        def running() -> int:
            return sum(1 for n in self._supervisor.pids() if n.partition("#")[0] == child)

        env = replica_env(first.env, self._supervisor.specs())
        return replace(first, name=name, env=env, ready=self._census.probe(actor, running))
