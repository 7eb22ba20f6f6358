"""The `ledgerbus` command: the embedded stack, each process alone, and the operators' tools."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Coroutine
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import uvloop

from bus.logging import configure_logging
from bus.settings import Settings
from deploy.targets import add_server_flags, with_server_flags

T = TypeVar("T")


def _run(main: Coroutine[Any, Any, T]) -> T:
    """Run a process's main coroutine on uvloop (faster I/O on every hot path)."""
    return uvloop.run(main)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledgerbus", description="Message-bus backend for mobile expense apps."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser(
        "up", help="start NATS, SecantusDB, the edge with Socket.IO and every actor"
    )
    up.add_argument("--data-dir", type=Path, default=None, help="default ./.ledgerbus")
    up.add_argument(
        "--http-port", type=int, default=None, help="default LEDGERBUS_HTTP_PORT (8080)"
    )
    up.add_argument("--nats-port", type=int, default=4222)
    up.add_argument("--nats-monitor-port", type=int, default=8222)
    up.add_argument("--mongo-port", type=int, default=27017)

    edge = sub.add_parser("edge", help="the HTTP edge (with Socket.IO unless --no-realtime)")
    edge.add_argument("--no-realtime", action="store_true")
    add_server_flags(edge, nats=True, mongo=True)
    realtime = sub.add_parser("realtime", help="a Socket.IO node alone")
    add_server_flags(realtime, nats=True, mongo=True)

    from actors.registry import ACTORS

    actor = sub.add_parser("actor", help="one actor process (start more to scale it)")
    actor.add_argument("name", choices=sorted(ACTORS))
    add_server_flags(actor, nats=True, mongo=True)

    replay = sub.add_parser("replay", help="stream a JetStream stream's history as JSON lines")
    replay.add_argument("--stream", choices=["commands", "events"], required=True)
    start = replay.add_mutually_exclusive_group()
    start.add_argument(
        "--since",
        type=datetime.fromisoformat,
        help="ISO time, e.g. 2026-11-20T00:00:00+00:00 (UTC if no offset)",
    )
    start.add_argument("--from-seq", type=int)
    replay.add_argument("--subject", help="filter, e.g. 'evt.user.*.expense.>'")
    replay.add_argument("--out", type=Path, help="file to write (default stdout)")
    add_server_flags(replay, nats=True, mongo=False)

    dlq = sub.add_parser("dlq", help="dead letters")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True)
    add_server_flags(dlq_sub.add_parser("list"), nats=False, mongo=True)
    redrive = dlq_sub.add_parser("redrive")
    redrive.add_argument("ids", nargs="*", help="dead letter ids (default: all waiting)")
    add_server_flags(redrive, nats=True, mongo=True)

    rates = sub.add_parser("rates", help="exchange rates: refresh, set, show")
    rates_sub = rates.add_subparsers(dest="rates_command", required=True)
    add_server_flags(
        rates_sub.add_parser("refresh", help="fetch from the configured provider now"),
        nats=True,
        mongo=False,
    )
    set_rates = rates_sub.add_parser("set", help="an operator's rates for a day (per 1 EUR)")
    set_rates.add_argument("day", type=date.fromisoformat)
    set_rates.add_argument("rates", nargs="+", metavar="CUR=RATE")
    set_rates.add_argument("--force", action="store_true", help="accept a large jump")
    set_rates.add_argument("--note")
    add_server_flags(set_rates, nats=True, mongo=False)
    show_rates = rates_sub.add_parser("show", help="a day's rates against a base")
    show_rates.add_argument("--base", default="EUR")
    show_rates.add_argument("--date", type=date.fromisoformat)
    show_rates.add_argument("--symbols", help="comma separated")
    add_server_flags(show_rates, nats=True, mongo=False)

    ocr = sub.add_parser("ocr", help="receipt reading: accuracy on generated receipts")
    ocr.add_argument("ocr_command", choices=["evaluate"])
    ocr.add_argument(
        "ocr_args", nargs=argparse.REMAINDER, help="--seed, --count, --workers, --misses"
    )
    fraud = sub.add_parser("fraud", help="fraud scoring: precision and recall on generated data")
    fraud.add_argument(
        "fraud_command",
        choices=["evaluate", "live"],
        help="evaluate: the rules on labelled data sets; live: a data set posted over HTTP",
    )
    fraud.add_argument(
        "fraud_args",
        nargs=argparse.REMAINDER,
        help="evaluate: --generator, --seed, --tuning, --users, --threshold, --jobs; "
        "live: --url, --generator, --seed, --users, --days, --threshold",
    )
    rebuild = sub.add_parser("rebuild", help="recount read models from the event log")
    rebuild.add_argument(
        "what", choices=["budgets"], help="budgets: every budget's spending, compared with live"
    )
    add_server_flags(rebuild, nats=False, mongo=True)
    asyncapi = sub.add_parser("asyncapi", help="print the bus's AsyncAPI document")
    asyncapi.add_argument("--out", type=Path)

    from deploy.bench import add_parser as add_bench_parser

    add_bench_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one ``ledgerbus`` command; its exit code. A Ctrl-C that lands before a process has
    installed its own signal handling (while it is still loading) ends it quietly with 130."""
    try:
        return _command(argv)
    except KeyboardInterrupt:
        return 130


def _command(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    settings = with_server_flags(Settings(), args)
    configure_logging(settings.log_level, settings.log_format, process=args.command)
    if args.command == "up":
        from actors.registry import ACTORS
        from deploy.stack import run_up

        return _run(
            run_up(
                settings,
                actors=sorted(ACTORS),
                http_port=args.http_port,
                nats_port=args.nats_port,
                nats_monitor_port=args.nats_monitor_port,
                mongo_port=args.mongo_port,
                data_dir=args.data_dir or settings.data_dir,
            )
        )
    if args.command in ("edge", "realtime"):
        from deploy.serve import run_web

        edge = args.command == "edge"
        _run(run_web(settings, edge=edge, realtime=not edge or not args.no_realtime))
        return 0
    if args.command == "actor":
        from deploy.serve import run_actor

        _run(run_actor(settings, args.name))
        return 0
    if args.command == "replay":
        from deploy.replay import replay

        out = args.out.open("w") if args.out else sys.stdout
        try:
            _run(
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
    if args.command == "rates":
        from deploy import rates as rates_cli

        if args.rates_command == "refresh":
            return _run(rates_cli.refresh(settings, sys.stdout))
        if args.rates_command == "set":
            return _run(
                rates_cli.set_rates(
                    settings, args.day, args.rates, args.force, args.note, sys.stdout
                )
            )
        symbols = args.symbols.split(",") if args.symbols else None
        return _run(rates_cli.show(settings, args.base, args.date, symbols, sys.stdout))
    if args.command == "dlq":
        from deploy.dlq import list_letters, redrive

        if args.dlq_command == "list":
            _run(list_letters(settings, sys.stdout))
        else:
            _run(redrive(settings, args.ids, sys.stdout))
        return 0
    if args.command == "ocr":
        from deploy.ocr_eval import main as evaluate_ocr

        return evaluate_ocr(args.ocr_args)
    if args.command == "fraud" and args.fraud_command == "live":
        from deploy.fraud_live import main as fraud_live

        return fraud_live(args.fraud_args)
    if args.command == "fraud":
        from deploy.fraud_eval import main as evaluate_fraud

        return evaluate_fraud(args.fraud_args)
    if args.command == "rebuild":
        from deploy.rebuild import rebuild_budgets

        report = _run(rebuild_budgets(settings, sys.stdout))
        return 1 if report.differences else 0
    if args.command == "asyncapi":
        from deploy.asyncapi import asyncapi_document

        text = json.dumps(asyncapi_document(settings), indent=2)
        if args.out:
            args.out.write_text(text + "\n")
        else:
            print(text)
        return 0
    if args.command == "bench":
        from deploy.bench import run as run_bench

        return run_bench(args, settings)
    return 2


if __name__ == "__main__":
    sys.exit(main())
