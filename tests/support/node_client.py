"""The official Socket.IO JavaScript client (``socket.io-client``, run by Node.js) as a test device.

``tests/js/client.mjs`` holds any number of named sockets in one ``node`` process; this module
installs its pinned packages when they are missing, starts it, sends it instructions (one JSON
line each on stdin) and records its reports (one JSON line each on stdout), so a test can drive
the sockets and assert on exactly what the JavaScript client saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parents[1] / "js"
CLIENT_SCRIPT = JS_DIR / "client.mjs"
WAIT_S = 30.0
INSTALL_TIMEOUT_S = 240.0  # inside pytest's own 300 s per test, so the failure says why
MAX_LINE = 16 * 1024 * 1024  # a catch-up can send many events; each is one line

Report = dict[str, Any]


def missing_tool() -> str | None:
    """Why the JavaScript client cannot run here (no Node.js), or None when it can."""
    if shutil.which("node") is None:
        return "Node.js (`node`) is not on PATH; the socket.io-client check needs Node 20"
    if not installed() and shutil.which("npm") is None:
        return "`npm` is not on PATH and tests/js/node_modules is missing"
    return None


def pinned_version() -> str:
    """The exact socket.io-client version tests/js/package.json pins."""
    manifest = json.loads((JS_DIR / "package.json").read_text())
    return str(manifest["dependencies"]["socket.io-client"])


def installed() -> bool:
    """Whether tests/js/node_modules holds a finished install of the pinned client (npm writes
    ``node_modules/.package-lock.json`` last, so an interrupted install does not count)."""
    modules = JS_DIR / "node_modules"
    client_manifest = modules / "socket.io-client" / "package.json"
    if not (modules / ".package-lock.json").is_file() or not client_manifest.is_file():
        return False
    return bool(json.loads(client_manifest.read_text()).get("version") == pinned_version())


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """One install at a time, also across test processes that start together."""
    with (JS_DIR / ".install.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_installed() -> None:
    """Install tests/js/package-lock.json exactly (``npm ci``) unless it is installed already."""
    with _install_lock():
        if installed():
            return
        npm = shutil.which("npm")
        assert npm is not None, "npm is not on PATH"
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed in {JS_DIR}:\n{done.stdout}\n{done.stderr}"
        assert installed(), f"npm ci finished but socket.io-client {pinned_version()} is missing"


@dataclass
class JsClients:
    """One ``node client.mjs`` process: named socket.io-client sockets and all they reported."""

    base_url: str
    reports: list[Report] = field(default_factory=list)
    _process: asyncio.subprocess.Process | None = None
    _reader: asyncio.Task[None] | None = None
    _stderr: asyncio.Task[bytes] | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _refs: int = 0
    _ended: bool = False

    async def start(self) -> Report:
        """Start node and return its ``ready`` report (the client's protocol revision)."""
        node = shutil.which("node")
        assert node is not None, "node is not on PATH"
        self._process = await asyncio.create_subprocess_exec(
            node,
            str(CLIENT_SCRIPT),
            self.base_url,
            cwd=JS_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=MAX_LINE,
        )
        assert self._process.stderr is not None
        self._stderr = asyncio.create_task(self._process.stderr.read())
        self._reader = asyncio.create_task(self._read())
        return await self.wait(lambda r: r["kind"] == "ready", "node to start")

    async def close(self) -> None:
        """Close stdin (the script then closes its sockets and exits) and wait for node."""
        process = self._process
        if process is None:
            return
        if process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), WAIT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
        for task in (self._reader, self._stderr):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _read(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        async for line in self._process.stdout:
            report = json.loads(line)
            async with self._changed:
                self.reports.append(report)
                self._changed.notify_all()
        async with self._changed:
            self._ended = True
            self._changed.notify_all()

    async def _send(self, op: str, client: str | None = None, **fields: Any) -> int:
        assert self._process is not None
        assert self._process.stdin is not None
        self._refs += 1
        instruction = {"op": op, "ref": self._refs, "client": client, **fields}
        self._process.stdin.write(json.dumps(instruction).encode() + b"\n")
        await self._process.stdin.drain()
        return self._refs

    async def wait(
        self,
        matches: Callable[[Report], bool],
        what: str,
        since: int = 0,
        timeout_s: float = WAIT_S,
    ) -> Report:
        """The first report from index ``since`` on that ``matches``, once there is one."""

        def found() -> Report | None:
            return next((r for r in self.reports[since:] if matches(r)), None)

        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: found() is not None or self._ended), timeout_s
                )
            except TimeoutError:
                raise AssertionError(
                    self._failure(f"no report of {what} in {timeout_s}s")
                ) from None
            report = found()
        if report is None:
            raise AssertionError(self._failure(f"node exited before reporting {what}"))
        assert report["kind"] != "bad_instruction", report
        return report

    def _failure(self, message: str) -> str:
        stderr = ""
        if self._stderr is not None and self._stderr.done():
            stderr = self._stderr.result().decode(errors="replace")[-2000:]
        recent = "\n".join(json.dumps(r)[:300] for r in self.reports[-15:])
        return f"{message}\nlast reports:\n{recent}\nnode stderr:\n{stderr}"

    # ---- instructions -------------------------------------------------------------------------

    async def connect(self, client: str, auth: dict[str, Any] | None) -> Report:
        """(Re)connect socket ``client`` with ``auth``: its ``connect`` or ``connect_error``."""
        ref = await self._send("connect", client, auth=auth)
        return await self.wait(
            lambda r: r.get("ref") == ref and r["kind"] in ("connect", "connect_error"),
            f"{client} connecting",
        )

    async def connected(self, client: str, auth: dict[str, Any]) -> None:
        """Connect ``client`` and insist that the server accepted it."""
        report = await self.connect(client, auth)
        assert report["kind"] == "connect", report

    async def emit(self, client: str, event: str, data: Any) -> Any:
        """``socket.emitWithAck(event, data)`` on ``client``: the server's acknowledgement."""
        return (await self.emit_report(client, event, data))["ack"]

    async def emit_report(self, client: str, event: str, data: Any) -> Report:
        """As :meth:`emit`, but the whole ``ack`` report (see :meth:`index_of`)."""
        ref = await self._send("emit", client, event=event, data=data)
        report = await self.wait(
            lambda r: r.get("ref") == ref and r["kind"] in ("ack", "ack_timeout"),
            f"the ack of {event} on {client}",
            timeout_s=WAIT_S + 10,  # the script's own ack timeout is WAIT_S
        )
        assert report["kind"] == "ack", report
        return report

    def index_of(self, report: Report) -> int:
        """Where ``report`` is among all reports: what came before it arrived before it."""
        return next(i for i, r in enumerate(self.reports) if r is report)

    async def disconnect(self, client: str) -> Report:
        """Close ``client``'s socket from the client side; its ``disconnect`` report."""
        since = len(self.reports)
        await self._send("disconnect", client)
        return await self.disconnected(client, since)

    async def disconnected(self, client: str, since: int = 0) -> Report:
        """The first ``disconnect`` of ``client`` from report ``since`` on, once there is one."""
        return await self.wait(
            lambda r: r["kind"] == "disconnect" and r["client"] == client,
            f"{client} disconnecting",
            since,
        )

    async def state(self, client: str) -> Report:
        """Whether ``client`` is connected, as socket.io-client says."""
        ref = await self._send("state", client)
        return await self.wait(lambda r: r.get("ref") == ref, f"the state of {client}")

    # ---- what the sockets received --------------------------------------------------------

    def events(
        self, client: str, name: str | None = None, since: int = 0, until: int | None = None
    ) -> list[Any]:
        """Payloads of events ``client`` received (of event ``name`` if given), in order,
        among reports ``since`` to ``until`` (excluded)."""
        return [
            r["data"]
            for r in self.reports[since:until]
            if r["kind"] == "event"
            and r["client"] == client
            and (name is None or r["event"] == name)
        ]

    async def event(
        self, client: str, name: str, matches: Callable[[Any], bool], since: int = 0
    ) -> Any:
        """The payload of the first event ``name`` on ``client`` that ``matches``."""
        report = await self.wait(
            lambda r: (
                r["kind"] == "event"
                and r["client"] == client
                and r["event"] == name
                and matches(r["data"])
            ),
            f"{name} on {client}",
            since,
        )
        return report["data"]
