"""The benchmark whose flags are still added by hand and that runs from the parsed flags, not yet
declared as a :class:`deploy.bench.framework.Benchmark`: ``fraud``. Its module is loaded only
when it runs."""

from __future__ import annotations

import argparse

from bus.settings import Settings
from deploy.bench.flags import add_quick_flag, add_run_flags
from deploy.bench.framework import FlagsCommand


def _fraud_flags(fraud: argparse.ArgumentParser) -> None:
    # Unset flags take the defaults of FraudBenchOptions (the full run, or --quick's).
    add = fraud.add_argument
    add("--users", type=int, default=None, help="users writing expenses (20)")
    add("--history", type=int, default=None, help="expenses of each user before timing (30)")
    add("--rate", type=float, default=None, help="expenses a second arriving (10)")
    add("--duration", type=float, default=None, dest="duration_s", help="of arrivals, s (30)")
    add("--backlog", type=int, default=None, help="expenses scored in each round (2000)")
    add("--one-process", action="store_true", help="one round only, with 1 fraud process")
    add_run_flags(fraud)
    add_quick_flag(fraud, "4 users, 5 expenses a second for 4 s, a backlog of 100")


def _run_fraud(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.bench.fraud import run_cli

    return run_cli(args, settings)


FRAUD = FlagsCommand(
    "fraud",
    "the delay from an expense event to its risk record at a fixed rate, expense events scored "
    "per second by one and two fraud processes, and the fraud actor's memory",
    _fraud_flags,
    _run_fraud,
)
