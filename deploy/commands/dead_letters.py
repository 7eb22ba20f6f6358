"""``ledgerbus dlq``: the dead letters waiting, and sending them back to their handlers."""

from __future__ import annotations

import argparse
import sys

from bus.settings import Settings
from deploy.commands.command import Group, Subcommand, run_loop
from deploy.targets import add_server_flags


def _list_flags(parser: argparse.ArgumentParser) -> None:
    add_server_flags(parser, nats=False, mongo=True)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.dlq import list_letters

    run_loop(list_letters(settings, sys.stdout))
    return 0


def _redrive_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", help="dead letter ids (default: all waiting)")
    add_server_flags(parser, nats=True, mongo=True)


def _redrive(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.dlq import redrive

    run_loop(redrive(settings, args.ids, sys.stdout))
    return 0


DLQ = Group(
    "dlq",
    "dead letters",
    dest="dlq_command",
    subcommands=(
        Subcommand("list", None, _list_flags, _list),
        Subcommand("redrive", None, _redrive_flags, _redrive),
    ),
)
