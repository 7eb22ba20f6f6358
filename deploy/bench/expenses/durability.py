"""``--durability-compare``: the closed loop on both durabilities of the embedded stack, each on a
fresh stack, and how much of the throughput fsyncing every commit keeps."""

from __future__ import annotations

from typing import Literal

from deploy.bench.expenses.options import BenchOptions
from deploy.bench.expenses.plans import LoadPlan, PhasePlan
from deploy.bench.expenses.results import DurabilityComparison, LoadResult
from deploy.bench.stats import ratio
from deploy.bench.users import BenchUser

Durability = Literal["process_crash", "power_loss"]


def other_durability(durability: str) -> Durability:
    """The durability the comparison runs second."""
    return "process_crash" if durability == "power_loss" else "power_loss"


def closed_plan(base_url: str, users: list[BenchUser], o: BenchOptions) -> LoadPlan:
    """The closed-loop phase alone, as the full run's (same clients, warm-up and length)."""
    tokens = [u.token for u in users]
    return LoadPlan(
        base_url=base_url,
        phases=[PhasePlan("closed", "closed", tokens, o.warmup_s, o.duration_s)],
    )


def compare(first: str, first_run: LoadResult, second_run: LoadResult) -> DurabilityComparison:
    """Both closed loops by durability (``first`` is the durability of ``first_run``)."""
    runs = {first: first_run.phases["closed"], other_durability(first): second_run.phases["closed"]}
    crash, power = runs["process_crash"], runs["power_loss"]
    return DurabilityComparison(
        process_crash=crash,
        power_loss=power,
        power_loss_over_process_crash=ratio(power.commands_per_s, crash.commands_per_s),
    )
