"""Resume after a reconnect: a socket's catch-up from the event log, then the live stream, with
no gap and no duplicate between the two.

While a socket catches up on a scope it has a *gate* on that scope: the fan-out does not send
it that scope's live events but keeps them in the gate's buffer. The catch-up sends the log's
events after the device's `seq`, then drains the buffer in `seq` order (reading the log again
for any `seq` the buffer skips: an event is in the log before it is published), and closes the
gate the moment the buffer is empty — with no await in between, so no live event can fall
between the last one sent and the first one the room delivers. Once open, the gate keeps its
*floor* (the last `seq` sent by the catch-up): a late copy at or below it is not sent again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

PAGE = 500

Emit = Callable[[dict[str, Any]], Awaitable[None]]
"""Send one event (as JSON) to the resuming socket."""

ReadAfter = Callable[[str, int, int], Awaitable[list[dict[str, Any]]]]
"""``(scope, after, limit)`` -> the log's events after `seq` ``after``, in order."""


@dataclass
class Gate:
    catching_up: bool = True
    floor: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)

    def holds(self, seq: int) -> bool:
        """Whether the fan-out must not send this `seq` to the socket itself."""
        return self.catching_up or seq <= self.floor


class Gates:
    """Every gate of this node: scope -> socket id -> gate."""

    def __init__(self) -> None:
        self._by_scope: dict[str, dict[str, Gate]] = {}

    def held(self) -> int:
        """Live events buffered for sockets still catching up."""
        return sum(
            len(gate.buffer)
            for gates in self._by_scope.values()
            for gate in gates.values()
            if gate.catching_up
        )

    def open(self, scope: str, sid: str) -> Gate:
        """A gate holding ``scope``'s live events for ``sid`` from now on (a socket already
        holding them keeps its gate and what it buffered)."""
        gates = self._by_scope.setdefault(scope, {})
        gate = gates.get(sid)
        if gate is None or not gate.catching_up:
            gate = gates[sid] = Gate()
        return gate

    def holding(self, sid: str) -> list[tuple[str, Gate]]:
        """The scopes whose live events are held for ``sid``, with their gates."""
        return [
            (scope, gates[sid])
            for scope, gates in self._by_scope.items()
            if sid in gates and gates[sid].catching_up
        ]

    def skipped(self, scope: str, event: dict[str, Any]) -> list[str]:
        """The sockets the room must skip for ``event``; catching-up ones keep it."""
        gates = self._by_scope.get(scope)
        if not gates:
            return []
        skip = []
        for sid, gate in gates.items():
            if gate.catching_up:
                gate.buffer.append(event)
            if gate.holds(event["seq"]):
                skip.append(sid)
        return skip

    def drop(self, scope: str, sid: str) -> None:
        """Stop holding ``scope`` for ``sid`` (it left the group): what was held is dropped."""
        gates = self._by_scope.get(scope)
        if gates is not None:
            gates.pop(sid, None)
            if not gates:
                del self._by_scope[scope]

    def forget(self, sid: str) -> None:
        for scope in list(self._by_scope):
            gates = self._by_scope[scope]
            gates.pop(sid, None)
            if not gates:
                del self._by_scope[scope]


async def release(gate: Gate, scope: str, read: ReadAfter, emit: Emit) -> None:
    """Hand a held scope to the live stream without being asked for a catch-up: from the first
    event held on, in `seq` order, filling any gap from the log (as :func:`catch_up` does)."""
    if not gate.buffer:
        gate.catching_up = False
        return
    first = min(event["seq"] for event in gate.buffer)
    await catch_up(gate, scope, first - 1, read, emit)


async def catch_up(gate: Gate, scope: str, after: int, read: ReadAfter, emit: Emit) -> int:
    """Send the socket everything after ``after``, then hand it to the live stream; returns the
    last `seq` sent by the catch-up."""
    last = after
    while True:
        page = await read(scope, last, PAGE)
        for event in page:
            await emit(event)
            last = event["seq"]
        if len(page) < PAGE:
            break
    while True:
        if not gate.buffer:
            gate.catching_up = False  # no await since the check: nothing can slip between
            gate.floor = last
            return last
        pending = sorted(gate.buffer, key=lambda e: e["seq"])
        gate.buffer.clear()
        for event in pending:
            if event["seq"] <= last:
                continue  # already sent from the log
            if event["seq"] > last + 1:  # published out of order: the log has what is between
                for missed in await read(scope, last, event["seq"] - last - 1):
                    await emit(missed)
                    last = missed["seq"]
            await emit(event)  # the log filled any gap before it
            last = event["seq"]
