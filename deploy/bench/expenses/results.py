"""The figures of ``ledgerbus bench expenses``, typed; their fields are the keys of its JSON.
The load generator and the raw-database baseline run in processes of their own and hand their
figures over as JSON; ``from_json`` reads them back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deploy.bench.devices import DeviceSummary
from deploy.bench.expenses.options import BenchOptions
from deploy.bench.figures import ABSENT_WHEN_NONE, Header
from deploy.bench.stats import Events, Window

JsonObject = dict[str, Any]
"""Figures as another process wrote them, before they are typed again."""


@dataclass(frozen=True)
class RunWindow(Window):
    """The measured window of one phase: its :class:`Window`, and how the phase ran
    (``window_epoch``: its start and end, epoch seconds)."""

    mode: str
    clients: int
    users: int
    warmup_s: float
    duration_s: float
    window_epoch: list[float]

    @classmethod
    def from_json(cls, data: JsonObject) -> RunWindow:
        return cls(**data)


@dataclass(frozen=True, kw_only=True)
class Phase(RunWindow):
    """A phase of the load generator (``target_rate`` and ``late_sends`` only at a fixed rate;
    ``events`` None without a connected device)."""

    target_rate: float | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    late_sends: int | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    events: Events | None

    @classmethod
    def from_json(cls, data: JsonObject) -> Phase:
        seen = data.get("events")
        return cls(**{**data, "events": Events(**seen) if seen is not None else None})


@dataclass(frozen=True)
class LoadResult:
    """Every phase of one load-generator run, and its devices (None without any)."""

    phases: dict[str, Phase]
    devices: DeviceSummary | None

    @classmethod
    def from_json(cls, data: JsonObject) -> LoadResult:
        devices = data.get("devices")
        return cls(
            phases={name: Phase.from_json(p) for name, p in data["phases"].items()},
            devices=DeviceSummary(**devices) if devices is not None else None,
        )


@dataclass(frozen=True)
class Ratios:
    """The bus's closed-loop rate over each baseline's (None when either is missing)."""

    bus_over_naive_rest: float | None
    bus_over_raw_db: float | None


@dataclass(frozen=True)
class CpuWindows:
    """CPU % of one core per process, within each measured window."""

    bus_closed: dict[str, float]
    bus_hot: dict[str, float]
    raw_db: dict[str, float]
    naive_rest: dict[str, float]


@dataclass(frozen=True)
class DurabilityComparison:
    """The closed loop on each durability (``--durability-compare``): every write fsynced
    (``power_loss``) or left to the OS (``process_crash``), each on a fresh stack, and
    ``power_loss`` over ``process_crash``."""

    process_crash: Phase
    power_loss: Phase
    power_loss_over_process_crash: float | None


@dataclass(frozen=True)
class ExpensesResult:
    """One run of ``ledgerbus bench expenses``."""

    header: Header[BenchOptions]
    bus: dict[str, Phase]
    devices: DeviceSummary | None
    raw_db: RunWindow
    naive_rest: Phase
    ratios: Ratios
    memory_peak_mb: dict[str, float]
    memory_peak_under_load_mb: dict[str, float]
    cpu_percent: CpuWindows
    log_file: str
    elapsed_s: float
    durability: str = "process_crash"
    durability_compare: DurabilityComparison | None = field(default=None, metadata=ABSENT_WHEN_NONE)
