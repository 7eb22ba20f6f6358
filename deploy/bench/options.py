"""The knobs of ``ledgerbus bench expenses`` and their command-line flags (``--quick`` shrinks them)."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from deploy.bench.flags import add_quick_flag, add_run_flags


@dataclass(frozen=True)
class BenchOptions:
    """Every figure the benchmark can be told; defaults are the full run."""

    clients: int = 50
    duration_s: float = 60.0
    warmup_s: float = 10.0
    rate: float = 50.0
    rate_duration_s: float = 30.0
    hot_clients: int = 8
    hot_duration_s: float = 20.0
    phase_warmup_s: float = 2.0
    baseline_duration_s: float = 30.0
    baseline_warmup_s: float = 5.0
    socket_users: int = 50
    expenses_actors: int = 1
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    keep_data: bool = False
    quick: bool = False

    def shrunk(self) -> BenchOptions:
        """The ``--quick`` variant: a few seconds per phase and a handful of clients."""
        return dataclasses.replace(
            self,
            clients=min(self.clients, 8),
            duration_s=3.0,
            warmup_s=1.0,
            rate=min(self.rate, 20.0),
            rate_duration_s=3.0,
            hot_clients=min(self.hot_clients, 4),
            hot_duration_s=3.0,
            phase_warmup_s=1.0,
            baseline_duration_s=3.0,
            baseline_warmup_s=1.0,
            socket_users=min(self.socket_users, 8),
            quick=True,
        )

    @property
    def sampled_socket_users(self) -> int:
        """How many of the load's users also get a Socket.IO device."""
        return max(0, min(self.socket_users, self.clients))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of the ``expenses`` benchmark."""
    d = BenchOptions()
    add = parser.add_argument
    add("--clients", type=int, default=d.clients, help="concurrent HTTP clients, one user each")
    add("--duration", type=float, default=d.duration_s, help="measured closed-loop seconds")
    add("--warmup", type=float, default=d.warmup_s, help="unmeasured seconds before it")
    add("--rate", type=float, default=d.rate, help="commands/s of the fixed-rate phase")
    add("--rate-duration", type=float, default=d.rate_duration_s)
    add("--hot-clients", type=int, default=d.hot_clients, help="clients sharing one scope")
    add("--hot-duration", type=float, default=d.hot_duration_s)
    add("--phase-warmup", type=float, default=d.phase_warmup_s, help="settle time of later phases")
    add("--baseline-duration", type=float, default=d.baseline_duration_s)
    add("--baseline-warmup", type=float, default=d.baseline_warmup_s)
    add("--socket-users", type=int, default=d.socket_users, help="users with a Socket.IO device")
    add("--expenses-actors", type=int, default=d.expenses_actors, help="expenses processes")
    add_run_flags(parser)
    add("--keep-data", action="store_true", help="keep the temporary data directory")
    add_quick_flag(parser, "3 s phases, 8 clients")


def options_from(args: argparse.Namespace) -> BenchOptions:
    """Options from parsed flags, shrunk when ``--quick`` was given."""
    options = BenchOptions(
        clients=max(1, args.clients),
        duration_s=args.duration,
        warmup_s=args.warmup,
        rate=args.rate,
        rate_duration_s=args.rate_duration,
        hot_clients=max(1, args.hot_clients),
        hot_duration_s=args.hot_duration,
        phase_warmup_s=args.phase_warmup,
        baseline_duration_s=args.baseline_duration,
        baseline_warmup_s=args.baseline_warmup,
        socket_users=max(0, args.socket_users),
        expenses_actors=max(1, args.expenses_actors),
        stack_log_level=args.stack_log_level,
        json_path=args.json_path,
        log_path=args.log_path,
        keep_data=args.keep_data,
    )
    return options.shrunk() if args.quick else options
