"""Benchmarks whose flags are still added by hand and that run from the parsed flags, not yet
declared as a :class:`deploy.bench.framework.Benchmark`: ``receipts`` and ``fraud``. Each one's
module is loaded only when it runs."""

from __future__ import annotations

import argparse

from bus.settings import Settings
from deploy.bench.flags import add_quick_flag, add_run_flags
from deploy.bench.framework import FlagsCommand


def _receipts_flags(receipts: argparse.ArgumentParser) -> None:
    # Unset flags take the defaults of ReceiptsBenchOptions (the full run, or --quick's).
    add = receipts.add_argument
    add("--users", type=int, default=None, help="users uploading the backlog at once (8)")
    add("--backlog", type=int, default=None, help="receipts they upload flat out (120)")
    add("--probe", type=int, default=None, help="most uploads while saturated (40)")
    add("--probe-rate", type=float, default=None, help="uploads a second while saturated (2)")
    add("--rate", type=float, default=None, help="receipts a second arriving (1)")
    add("--duration", type=float, default=None, dest="duration_s", help="of arrivals, s (60)")
    add("--idle", type=int, default=None, help="receipts uploaded one at a time (10)")
    add("--reads", type=int, default=None, help="receipts of each kind read in process (5)")
    add("--degraded", type=float, default=None, help="share of degraded photos, 0-1 (0.1)")
    add("--ocr-workers", type=int, default=None, help="LEDGERBUS_OCR_WORKERS (the setting, 2)")
    add_run_flags(receipts)
    add_quick_flag(receipts, "2 users, a backlog of 8, 5 s of arrivals")


def _run_receipts(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.bench.receipts import run_cli

    return run_cli(args, settings)


RECEIPTS = FlagsCommand(
    "receipts",
    "receipts read per second by one ocr process, upload to receipt.scanned on a device at a "
    "fixed rate, and upload latency while the ocr process is saturated",
    _receipts_flags,
    _run_receipts,
)


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
