"""Every ``ledgerbus`` subcommand, in the order ``ledgerbus --help`` lists them."""

from __future__ import annotations

import argparse

from bus.settings import Settings
from deploy.commands.command import Command, PackageCommand, Subparsers
from deploy.commands.dead_letters import DLQ
from deploy.commands.documents import ASYNCAPI
from deploy.commands.evaluations import FRAUD, OCR
from deploy.commands.exchange_rates import RATES
from deploy.commands.history import REBUILD, REPLAY
from deploy.commands.mail import MAIL, MAIL_SINK
from deploy.commands.processes import ACTOR, EDGE, REALTIME, UP
from deploy.commands.scale import SCALE
from deploy.commands.status import STATUS


def _add_bench_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    from deploy.bench import add_parser

    return add_parser(subparsers)


def _run_bench(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.bench import run

    return run(args, settings)


BENCH = PackageCommand("bench", _add_bench_parser, _run_bench)
"""``ledgerbus bench``: :mod:`deploy.bench` adds its parser (a subcommand per benchmark)."""

COMMANDS: tuple[Command, ...] = (
    UP,
    EDGE,
    REALTIME,
    ACTOR,
    STATUS,
    SCALE,
    REPLAY,
    DLQ,
    MAIL_SINK,
    MAIL,
    RATES,
    OCR,
    FRAUD,
    REBUILD,
    ASYNCAPI,
    BENCH,
)
