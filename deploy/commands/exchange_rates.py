"""``ledgerbus rates``: fetch the exchange rates now, set an operator's rates for a day, or show
a day's rates against a base."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bus.settings import Settings
from deploy.commands.command import Group, Subcommand, run_loop
from deploy.targets import add_server_flags


def _refresh_flags(parser: argparse.ArgumentParser) -> None:
    add_server_flags(parser, nats=True, mongo=False)


def _refresh(args: argparse.Namespace, settings: Settings) -> int:
    from deploy import rates

    return run_loop(rates.refresh(settings, sys.stdout))


def _set_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("day", type=date.fromisoformat)
    parser.add_argument("rates", nargs="+", metavar="CUR=RATE")
    parser.add_argument("--force", action="store_true", help="accept a large jump")
    parser.add_argument("--note")
    add_server_flags(parser, nats=True, mongo=False)


def _set(args: argparse.Namespace, settings: Settings) -> int:
    from deploy import rates

    return run_loop(
        rates.set_rates(settings, args.day, args.rates, args.force, args.note, sys.stdout)
    )


def _show_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", default="EUR")
    parser.add_argument("--date", type=date.fromisoformat)
    parser.add_argument("--symbols", help="comma separated")
    add_server_flags(parser, nats=True, mongo=False)


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from deploy import rates

    symbols = args.symbols.split(",") if args.symbols else None
    return run_loop(rates.show(settings, args.base, args.date, symbols, sys.stdout))


RATES = Group(
    "rates",
    "exchange rates: refresh, set, show",
    dest="rates_command",
    subcommands=(
        Subcommand("refresh", "fetch from the configured provider now", _refresh_flags, _refresh),
        Subcommand("set", "an operator's rates for a day (per 1 EUR)", _set_flags, _set),
        Subcommand("show", "a day's rates against a base", _show_flags, _show),
    ),
)
