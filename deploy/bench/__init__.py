"""``ledgerbus bench``: figures of the running system, measured on an embedded stack of its own.

``add_parser`` registers the ``bench`` subcommand on the ``ledgerbus`` parser, one subcommand
for each benchmark of :data:`deploy.bench.registry.BENCHMARKS` with the flags it declares, and
``run`` executes the chosen one. Nothing here connects or starts anything at import.
"""

from __future__ import annotations

import argparse
from typing import Any

from bus.settings import Settings


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``bench`` and its benchmarks to the subcommands of ``ledgerbus``."""
    from deploy.bench.registry import BENCHMARKS

    bench: argparse.ArgumentParser = subparsers.add_parser(
        "bench", help="benchmark the bus on an embedded stack of its own (prints figures)"
    )
    which = bench.add_subparsers(dest="bench_command", required=True)
    for benchmark in BENCHMARKS:
        benchmark.add_flags(which.add_parser(benchmark.name, help=benchmark.help))
    return bench


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chosen benchmark; 0 when it completed (speed is reported, never judged)."""
    from deploy.bench.registry import BENCHMARKS

    chosen = next(b for b in BENCHMARKS if b.name == args.bench_command)
    return chosen.execute(args, settings)
