"""``ledgerbus bench``: figures of the running system, measured on an embedded stack of its own.

``add_parser`` registers the ``bench`` subcommand on the ``ledgerbus`` parser and ``run``
executes it. Nothing here connects or starts anything at import.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvloop

from bus.settings import Settings
from deploy.bench.flags import add_quick_flag, add_run_flags
from deploy.bench.options import add_arguments, options_from


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``bench`` (with its ``expenses`` benchmark) to the subcommands of ``ledgerbus``."""
    bench: argparse.ArgumentParser = subparsers.add_parser(
        "bench", help="benchmark the bus on an embedded stack of its own (prints figures)"
    )
    which = bench.add_subparsers(dest="bench_command", required=True)
    expenses = which.add_parser(
        "expenses",
        help="expense creation: closed loop, fixed rate, hot scope, Socket.IO delivery, "
        "memory, and raw-database and naive-REST baselines",
    )
    add_arguments(expenses)
    money = which.add_parser(
        "money",
        help="conversions per second in process, and the rates/convert endpoints over HTTP",
    )
    money.add_argument("--conversions", type=int, default=300_000)
    money.add_argument("--clients", type=int, default=16)
    money.add_argument("--duration", type=float, default=15.0, help="seconds per endpoint")
    money.add_argument("--no-http", action="store_true", help="only the in-process figures")
    groups = which.add_parser(
        "groups",
        help="a big group's balances: computed in process, and expenses, balances, past "
        "balances and explain over HTTP",
    )
    # Unset flags take the defaults of GroupsBenchOptions (the full run, or --quick's).
    add = groups.add_argument
    add("--members", type=int, default=None, help="members of the group (50)")
    add("--expenses", type=int, default=None, help="bills, in process and over HTTP (10000)")
    add("--clients", type=int, default=None, help="concurrent clients adding expenses (50)")
    add("--balance-reads", type=int, default=None, help="GET .../balances requests (200)")
    add("--as-of-reads", type=int, default=None, help="GET .../balances?as_of= requests (5)")
    add("--no-http", action="store_true", help="only the in-process figures")
    add_run_flags(groups)
    add_quick_flag(groups, "10 members, 300 expenses")
    sync = which.add_parser(
        "sync",
        help="offline sync: batches of commands, the change feed, and a device's catch-up "
        "over Socket.IO",
    )
    # Unset flags take the defaults of SyncBenchOptions (the full run, or --quick's).
    add = sync.add_argument
    add("--users", type=int, default=None, help="users sending batches at once (20)")
    add("--commands", type=int, default=None, help="commands they send in all (10000)")
    add("--batch", type=int, default=None, help="commands in a batch (100, the most)")
    add("--single-commands", type=int, default=None, help="commands of the lone device (10000)")
    add("--readers", type=int, default=None, help="concurrent change-feed readers (8)")
    add_run_flags(sync)
    add_quick_flag(sync, "5 users, 500 commands each way")
    budgets = which.add_parser(
        "budgets",
        help="expense events applied to budgets per second, and the delay from an expense to "
        "the budget alert on a device",
    )
    # Unset flags take the defaults of BudgetsBenchOptions (the full run, or --quick's).
    add = budgets.add_argument
    add("--users", type=int, default=None, help="users writing expenses (20)")
    add("--budgets", type=int, default=None, help="budgets of each user, 1 to 10 (3)")
    add("--expenses", type=int, default=None, help="expenses written in each round (2000)")
    add("--samples", type=int, default=None, help="expenses timed to their alert (100)")
    add("--one-process", action="store_true", help="one round only, with 1 budgets process")
    add_run_flags(budgets)
    add_quick_flag(budgets, "4 users, 120 expenses, 12 samples")
    receipts = which.add_parser(
        "receipts",
        help="receipts read per second by one ocr process, upload to receipt.scanned on a "
        "device at a fixed rate, and upload latency while the ocr process is saturated",
    )
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
    fraud = which.add_parser(
        "fraud",
        help="the delay from an expense event to its risk record at a fixed rate, expense "
        "events scored per second by one and two fraud processes, and the fraud actor's memory",
    )
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
    return bench


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chosen benchmark; 0 when it completed (speed is reported, never judged)."""
    if args.bench_command == "groups":
        from deploy.bench.groups import run_cli

        return run_cli(args, settings)
    if args.bench_command == "sync":
        from deploy.bench.sync import run_cli as run_sync_cli

        return run_sync_cli(args, settings)
    if args.bench_command == "budgets":
        from deploy.bench.budgets import run_cli as run_budgets_cli

        return run_budgets_cli(args, settings)
    if args.bench_command == "receipts":
        from deploy.bench.receipts import run_cli as run_receipts_cli

        return run_receipts_cli(args, settings)
    if args.bench_command == "fraud":
        from deploy.bench.fraud import run_cli as run_fraud_cli

        return run_fraud_cli(args, settings)
    if args.bench_command == "money":
        from deploy.bench.money import MoneyBenchOptions, run_money

        money = MoneyBenchOptions(
            conversions=args.conversions, clients=args.clients, duration_s=args.duration
        )
        print(uvloop.run(run_money(settings, money, not args.no_http, sys.stdout)), flush=True)
        return 0
    from deploy.bench.report import render, run_and_report
    from deploy.bench.runner import Run

    options = options_from(args)
    bench = Run(settings, options, sys.stdout)
    return run_and_report(
        "bench", bench.execute(), render, options.json_path, lambda: bench.log_path
    )
