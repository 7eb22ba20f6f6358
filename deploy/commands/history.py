"""The event log's history: ``replay`` streams a JetStream stream as JSON lines, and ``rebuild``
recounts read models from it (and compares them with the live ones)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bus.settings import Settings
from deploy.commands.command import Subcommand, run_loop
from deploy.targets import add_server_flags


def _replay_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stream", choices=["commands", "events"], required=True)
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--since",
        type=datetime.fromisoformat,
        help="ISO time, e.g. 2026-11-20T00:00:00+00:00 (UTC if no offset)",
    )
    start.add_argument("--from-seq", type=int)
    parser.add_argument("--subject", help="filter, e.g. 'evt.user.*.expense.>'")
    parser.add_argument("--out", type=Path, help="file to write (default stdout)")
    add_server_flags(parser, nats=True, mongo=False)


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.replay import replay

    out = args.out.open("w") if args.out else sys.stdout
    try:
        run_loop(
            replay(
                settings,
                args.stream,
                since=args.since,
                from_seq=args.from_seq,
                subject=args.subject,
                out=out,
            )
        )
    finally:
        if args.out:
            out.close()
    return 0


def _rebuild_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "what", choices=["budgets"], help="budgets: every budget's spending, compared with live"
    )
    add_server_flags(parser, nats=False, mongo=True)


def _rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """1 when a recounted read model differs from the live one."""
    from deploy.rebuild import rebuild_budgets

    report = run_loop(rebuild_budgets(settings, sys.stdout))
    return 1 if report.differences else 0


REPLAY = Subcommand(
    "replay", "stream a JetStream stream's history as JSON lines", _replay_flags, _replay
)
REBUILD = Subcommand("rebuild", "recount read models from the event log", _rebuild_flags, _rebuild)
