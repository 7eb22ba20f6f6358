"""The knobs of ``ledgerbus bench expenses``, each with its flag (``--quick`` shrinks them, and
caps the counts given)."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from deploy.bench.optionflags import Quick, flag


@dataclass(frozen=True)
class BenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run. ``--quick`` is a few
    seconds per phase and a handful of clients (counts given are capped, times replaced)."""

    clients: int = flag(
        50, "concurrent HTTP clients, one user each", shown="", quick=lambda n: min(n, 8)
    )
    duration_s: float = flag(
        60.0, "measured closed-loop seconds", name="--duration", shown="", quick=lambda _: 3.0
    )
    warmup_s: float = flag(
        10.0, "unmeasured seconds before it", name="--warmup", shown="", quick=lambda _: 1.0
    )
    rate: float = flag(
        50.0, "commands/s of the fixed-rate phase", shown="", quick=lambda r: min(r, 20.0)
    )
    rate_duration_s: float = flag(30.0, None, name="--rate-duration", quick=lambda _: 3.0)
    hot_clients: int = flag(8, "clients sharing one scope", shown="", quick=lambda n: min(n, 4))
    hot_duration_s: float = flag(20.0, None, name="--hot-duration", quick=lambda _: 3.0)
    phase_warmup_s: float = flag(
        2.0, "settle time of later phases", name="--phase-warmup", shown="", quick=lambda _: 1.0
    )
    baseline_duration_s: float = flag(30.0, None, name="--baseline-duration", quick=lambda _: 3.0)
    baseline_warmup_s: float = flag(5.0, None, name="--baseline-warmup", quick=lambda _: 1.0)
    socket_users: int = flag(
        50, "users with a Socket.IO device", shown="", quick=lambda n: min(n, 8)
    )
    expenses_actors: int = flag(1, "expenses processes", shown="")
    durability_compare: bool = flag(
        False,
        "then run the closed loop again on a fresh stack of the other durability "
        "(process_crash / power_loss) and print both and their ratio",
    )
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    keep_data: bool = flag(False, "keep the temporary data directory", late=True)
    quick: bool = False

    @property
    def sampled_socket_users(self) -> int:
        """How many of the load's users also get a Socket.IO device."""
        return max(0, min(self.socket_users, self.clients))


def settle(o: BenchOptions) -> BenchOptions:
    """At least one client, hot client and expenses process; no negative device count."""
    return replace(
        o,
        clients=max(1, o.clients),
        hot_clients=max(1, o.hot_clients),
        socket_users=max(0, o.socket_users),
        expenses_actors=max(1, o.expenses_actors),
    )


@functools.cache
def default_log_path() -> Path:
    """``ledgerbus-bench-<time>.log`` in the temporary directory, the time of the first call
    (so the run and its failure message name the same file)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return Path(tempfile.gettempdir()) / f"ledgerbus-bench-{stamp}.log"


def log_file(o: BenchOptions) -> Path:
    """Where the children's output goes: ``--log-file``, or :func:`default_log_path`."""
    return o.log_path or default_log_path()
