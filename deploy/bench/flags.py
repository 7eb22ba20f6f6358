"""The flags the ``ledgerbus bench`` subcommands share (``--stack-log-level``, ``--json``,
``--log-file``, ``--quick``), and where the children's output of a run goes."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """``--stack-log-level``, ``--json`` and ``--log-file``."""
    add = parser.add_argument
    add("--stack-log-level", default="WARNING", help="log level of the stack's processes")
    add("--json", type=Path, default=None, dest="json_path", help="write every figure here")
    add("--log-file", type=Path, default=None, dest="log_path", help="children's output")


def add_quick_flag(parser: argparse.ArgumentParser, smoke: str) -> None:
    """``--quick``; ``smoke`` tells what the smoke run is."""
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: {smoke}")


def log_path_of(name: str, log_path: Path | None) -> Path:
    """Where the children's output of benchmark ``name`` goes: ``--log-file``, or else
    ``ledgerbus-bench-<name>.log`` in the temporary directory."""
    return log_path or Path(tempfile.gettempdir()) / f"ledgerbus-bench-{name}.log"
