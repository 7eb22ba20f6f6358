"""What ``ledgerbus status`` shows: one screen of rich tables, or one JSON document, and the exit
code that sums it up (:data:`deploy.status_codes.EXIT_CODES`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from deploy.status import BusView, DurableRow, Limits
from deploy.status_codes import EXIT_CODES as EXIT_CODES
from deploy.status_codes import EXIT_LAGGING as EXIT_LAGGING
from deploy.status_codes import EXIT_NO_SUBSCRIBER as EXIT_NO_SUBSCRIBER
from deploy.status_codes import EXIT_OK as EXIT_OK
from deploy.status_codes import EXIT_UNREACHABLE as EXIT_UNREACHABLE
from deploy.status_processes import UpView


@dataclass(frozen=True)
class Snapshot:
    """One look at the bus (and at the local ``up``, when one runs on the data dir)."""

    at: datetime
    nats_url: str
    data_dir: str
    limits: Limits
    bus: BusView
    up: UpView | None

    @property
    def exit_code(self) -> int:
        if self.bus.error is not None:
            return EXIT_UNREACHABLE
        if any(not row.subscribed for row in self.bus.durables):
            return EXIT_NO_SUBSCRIBER
        return EXIT_LAGGING if any(row.problems for row in self.bus.durables) else EXIT_OK


def document(snapshot: Snapshot) -> dict[str, Any]:
    """The JSON document of ``status --json`` (times ISO 8601 UTC, ages and uptimes seconds)."""
    bus = snapshot.bus
    return {
        "at": snapshot.at.isoformat(),
        "exit_code": snapshot.exit_code,
        "nats": {"url": snapshot.nats_url, "error": bus.error},
        "limits": asdict(snapshot.limits),
        "streams": [asdict(row) for row in bus.streams],
        "durables": [_durable_json(row) for row in bus.durables],
        "missing_durables": bus.missing,
        "up": None
        if snapshot.up is None
        else {"data_dir": snapshot.data_dir, **asdict(snapshot.up)},
    }


def _durable_json(row: DurableRow) -> dict[str, Any]:
    found = asdict(row)
    for key in ("last_delivered", "last_applied"):
        found[key] = found[key].isoformat() if found[key] is not None else None
    found["lag"] = row.lag
    return found


def screen(snapshot: Snapshot) -> RenderableType:
    """The whole screen: a heading, streams, durables, and the local ``up``'s processes."""
    bus = snapshot.bus
    code = snapshot.exit_code
    style = "green" if code == EXIT_OK else "red"
    heading = Text.assemble(
        ("ledgerbus status", "bold"),
        f"  {snapshot.at:%Y-%m-%d %H:%M:%S} UTC  NATS {snapshot.nats_url}  ",
        (f"exit {code}: {EXIT_CODES[code]}", style),
    )
    parts: list[RenderableType] = [heading]
    if bus.error is not None:
        parts.append(Text(f"cannot read JetStream: {bus.error}", style="red"))
    else:
        parts += [_streams(bus), _durables(bus, snapshot.at)]
        if bus.missing:
            parts.append(Text(f"not created yet: {', '.join(bus.missing)}", style="dim"))
    if snapshot.up is not None:
        parts.append(_processes(snapshot.up, snapshot.data_dir))
    else:
        parts.append(Text(f"no ledgerbus up running on {snapshot.data_dir}", style="dim"))
    return Group(*parts)


def _streams(bus: BusView) -> Table:
    table = Table(title="Streams", title_justify="left")
    for column in ("stream", "subjects", "messages", "bytes", "first seq", "last seq"):
        table.add_column(column, justify="left" if column in ("stream", "subjects") else "right")
    for s in bus.streams:
        table.add_row(
            s.name,
            " ".join(s.subjects),
            f"{s.messages:,}",
            _bytes(s.bytes),
            str(s.first_seq),
            str(s.last_seq),
        )
    return table


def _durables(bus: BusView, now: datetime) -> Table:
    table = Table(title="Durable consumers", title_justify="left")
    columns = (
        "stream/durable",
        "actor",
        "pending",
        "ack pending",
        "redelivered",
        "waiting",
        "oldest unacked",
        "last applied",
        "state",
    )
    for column in columns:
        table.add_column(
            column,
            justify="right" if column not in ("stream/durable", "actor", "state") else "left",
        )
    for d in bus.durables:
        state = Text(", ".join(d.problems) or "ok", style="red" if d.problems else "green")
        waiting = "bound" if d.push_bound else str(d.waiting_pulls)
        table.add_row(
            f"{d.stream}/{d.name}",
            d.actor or "-",
            f"{d.pending:,}",
            f"{d.ack_pending:,}",
            f"{d.redelivered:,}",
            waiting,
            _seconds(d.oldest_unacked_age_s),
            _ago(d.last_applied, now),
            state,
        )
    return table


def _processes(up: UpView, data_dir: str) -> Table:
    title = f"ledgerbus up (pid {up.pid}, {data_dir}, up {_seconds(up.uptime_s)})"
    table = Table(title=title, title_justify="left")
    for column in ("process", "pid", "rss", "cpu %", "restarts", "uptime"):
        table.add_column(column, justify="left" if column == "process" else "right")
    for p in up.processes:
        table.add_row(
            p.name,
            str(p.pid) if p.pid is not None else Text(f"down (exit {p.last_exit_code})", "red"),
            _bytes(p.rss_bytes) if p.rss_bytes is not None else "-",
            f"{p.cpu_percent:.1f}" if p.cpu_percent is not None else "-",
            str(p.restarts),
            _seconds(p.uptime_s),
        )
    return table


def _bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 120:
        return f"{value:.1f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _ago(at: datetime | None, now: datetime) -> str:
    return "never" if at is None else f"{_seconds((now - at).total_seconds())} ago"
