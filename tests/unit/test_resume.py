"""The resume gate: catch-up from the log, held live events drained in order, gaps filled from
the log, late copies not sent twice (no sockets, no servers)."""

from __future__ import annotations

from typing import Any

from realtime.resume import Gates, catch_up, release

SCOPE = "user:u"


def _event(seq: int) -> dict[str, Any]:
    return {"seq": seq, "scope": SCOPE, "type": "expense.created"}


class Log:
    """The scope's event log; a live event can be delivered while the catch-up is sending."""

    def __init__(self, head: int) -> None:
        self.head = head

    async def read(self, scope: str, after: int, limit: int) -> list[dict[str, Any]]:
        return [_event(s) for s in range(after + 1, min(self.head, after + limit) + 1)]


async def test_live_events_during_catch_up_are_sent_once_in_order() -> None:
    gates, log, sent = Gates(), Log(head=1200), []
    gate = gates.open(SCOPE, "sid")

    async def emit(event: dict[str, Any]) -> None:
        sent.append(event["seq"])
        if event["seq"] == 1200:  # the last page is sent: three more commit, two are delivered
            # (out of order, and without 1202): the drain must fetch 1202 from the log
            log.head = 1203
            assert gates.skipped(SCOPE, _event(1203)) == ["sid"]
            assert gates.skipped(SCOPE, _event(1201)) == ["sid"]

    last = await catch_up(gate, SCOPE, 10, log.read, emit)
    assert sent == list(range(11, 1204))  # in order, 1202 from the log, nothing twice
    assert last == 1203
    assert gates.skipped(SCOPE, _event(1203)) == ["sid"]  # a late copy is held back
    assert gates.skipped(SCOPE, _event(1204)) == []  # live from here on
    gates.forget("sid")
    assert gates.skipped(SCOPE, _event(1205)) == []


async def test_a_held_scope_not_asked_for_is_released_in_order() -> None:
    gates, sent = Gates(), []
    gate = gates.open(SCOPE, "sid")
    for seq in (7, 5, 6, 5):
        gates.skipped(SCOPE, _event(seq))
    assert [scope for scope, _ in gates.holding("sid")] == [SCOPE]

    async def emit(event: dict[str, Any]) -> None:
        sent.append(event["seq"])

    await release(gate, SCOPE, Log(head=0).read, emit)
    assert sent == [5, 6, 7]
    assert gates.holding("sid") == []
