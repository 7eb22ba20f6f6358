"""The flags the ``ledgerbus bench`` subcommands share, and how a benchmark's flags become its
options: ``--quick`` shrinks the defaults, and the flags given win."""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, TypeVar


class RunOptions(Protocol):
    """A benchmark's options: a frozen dataclass with the shared fields and a ``--quick`` form."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def stack_log_level(self) -> str: ...

    @property
    def json_path(self) -> Path | None: ...

    @property
    def log_path(self) -> Path | None: ...

    def shrunk(self) -> Self:
        """The ``--quick`` variant."""
        ...


Options = TypeVar("Options", bound=RunOptions)


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """``--stack-log-level``, ``--json`` and ``--log-file``."""
    add = parser.add_argument
    add("--stack-log-level", default="WARNING", help="log level of the stack's processes")
    add("--json", type=Path, default=None, dest="json_path", help="write every figure here")
    add("--log-file", type=Path, default=None, dest="log_path", help="children's output")


def add_quick_flag(parser: argparse.ArgumentParser, smoke: str) -> None:
    """``--quick``; ``smoke`` tells what the smoke run is."""
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: {smoke}")


def options_from_flags(defaults: Options, args: argparse.Namespace, *names: str) -> Options:
    """``defaults`` with the flags of :func:`add_run_flags`, shrunk by ``--quick``; then each
    option of ``names`` whose flag (of the same name) was given takes its value."""
    options = dataclasses.replace(
        defaults,
        stack_log_level=args.stack_log_level,
        json_path=args.json_path,
        log_path=args.log_path,
    )
    if args.quick:
        options = options.shrunk()
    given = {name: getattr(args, name) for name in names}
    return dataclasses.replace(options, **{k: v for k, v in given.items() if v is not None})


def log_path_of(name: str, log_path: Path | None) -> Path:
    """Where the children's output of benchmark ``name`` goes: ``--log-file``, or else
    ``ledgerbus-bench-<name>.log`` in the temporary directory."""
    return log_path or Path(tempfile.gettempdir()) / f"ledgerbus-bench-{name}.log"
