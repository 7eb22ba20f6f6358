"""The shape of a ``ledgerbus`` subcommand: a name, its flags, and what it runs.

A :class:`Subcommand` adds its own parser (with its help line and flags); a :class:`Group` holds
subcommands of its own (``dlq list``, ``rates set``) and runs the one chosen; a
:class:`PackageCommand` is a package that builds its parser itself (``bench``). ``deploy.cli``
builds the parser from the table and calls ``execute`` on the chosen entry.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeVar

import uvloop

from bus.settings import Settings

T = TypeVar("T")

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``add_subparsers`` returns: where a subcommand adds its parser."""


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run a process's main coroutine on uvloop (faster I/O on every hot path)."""
    return uvloop.run(main)


class Command(Protocol):
    """One entry of a subcommand table, as ``deploy.cli`` and :class:`Group` see it."""

    @property
    def name(self) -> str: ...

    def declare(self, subparsers: Subparsers) -> None:
        """Add this subcommand (its parser and flags) to ``subparsers``."""

    def execute(self, args: argparse.Namespace, settings: Settings) -> int:
        """Run it with the parsed flags; its exit code."""


@dataclass(frozen=True)
class Subcommand:
    """A subcommand whose flags ``flags`` adds and which ``run`` executes.

    ``help`` is the line the parent's ``--help`` lists; ``None`` lists the name alone.
    """

    name: str
    help: str | None
    flags: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]

    def declare(self, subparsers: Subparsers) -> None:
        # argparse lists a subcommand given ``help=None`` on a line of its own: give it only if set
        if self.help is None:
            parser = subparsers.add_parser(self.name)
        else:
            parser = subparsers.add_parser(self.name, help=self.help)
        self.flags(parser)

    def execute(self, args: argparse.Namespace, settings: Settings) -> int:
        return self.run(args, settings)


@dataclass(frozen=True)
class Group:
    """A subcommand with subcommands of its own, chosen by the parsed ``dest``."""

    name: str
    help: str
    dest: str
    subcommands: Sequence[Command]

    def declare(self, subparsers: Subparsers) -> None:
        parser = subparsers.add_parser(self.name, help=self.help)
        inner = parser.add_subparsers(dest=self.dest, required=True)
        for subcommand in self.subcommands:
            subcommand.declare(inner)

    def execute(self, args: argparse.Namespace, settings: Settings) -> int:
        chosen = getattr(args, self.dest)
        return next(c for c in self.subcommands if c.name == chosen).execute(args, settings)


@dataclass(frozen=True)
class PackageCommand:
    """A subcommand whose package adds its own parser (and subcommands) and runs it."""

    name: str
    add_parser: Callable[[Subparsers], object]
    run: Callable[[argparse.Namespace, Settings], int]

    def declare(self, subparsers: Subparsers) -> None:
        self.add_parser(subparsers)

    def execute(self, args: argparse.Namespace, settings: Settings) -> int:
        return self.run(args, settings)
