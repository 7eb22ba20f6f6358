"""What ``ledgerbus bench expenses`` asks of its helper processes (the load generator and the
raw-database baseline), handed over as JSON files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.bench.expenses.options import BenchOptions
from deploy.bench.figures import plain
from deploy.bench.users import BenchUser


@dataclass(frozen=True)
class PhasePlan:
    """One phase of the load generator: closed loop, or a fixed ``rate`` (open loop)."""

    name: str
    mode: str
    tokens: list[str]
    warmup_s: float
    duration_s: float
    rate: float | None = None


@dataclass(frozen=True)
class LoadPlan:
    """The phases to run in order, against ``base_url``; ``device_tokens`` get a device."""

    base_url: str
    phases: list[PhasePlan]
    device_tokens: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadPlan:
        return cls(
            base_url=data["base_url"],
            phases=[PhasePlan(**p) for p in data["phases"]],
            device_tokens=list(data.get("device_tokens", [])),
        )


@dataclass(frozen=True)
class RawPlan:
    """The raw-database baseline: one closed loop of writes per owner."""

    owners: list[str]
    warmup_s: float
    duration_s: float


def write_plan(path: Path, plan: LoadPlan | RawPlan) -> None:
    """``plan`` as JSON at ``path``."""
    path.write_text(json.dumps(plain(plan)))


def bus_plan(base_url: str, users: list[BenchUser], hot: BenchUser, o: BenchOptions) -> LoadPlan:
    """The three bus phases, for the load generator."""
    tokens = [u.token for u in users]
    return LoadPlan(
        base_url=base_url,
        device_tokens=tokens[: o.sampled_socket_users],
        phases=[
            PhasePlan("closed", "closed", tokens, o.warmup_s, o.duration_s),
            PhasePlan("rate", "rate", tokens, o.phase_warmup_s, o.rate_duration_s, o.rate),
            PhasePlan(
                "hot", "closed", [hot.token] * o.hot_clients, o.phase_warmup_s, o.hot_duration_s
            ),
        ],
    )


def naive_plan(base_url: str, users: list[BenchUser], o: BenchOptions) -> LoadPlan:
    """The naive REST server's one closed-loop phase."""
    tokens = [u.token for u in users]
    phase = PhasePlan("closed", "closed", tokens, o.baseline_warmup_s, o.baseline_duration_s)
    return LoadPlan(base_url=base_url, phases=[phase])
