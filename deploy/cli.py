"""The `ledgerbus` command: the embedded stack, each process alone, and the operators' tools.

Each subcommand declares its flags beside its code in :mod:`deploy.commands`; the parser is built
from :data:`deploy.commands.registry.COMMANDS` and the chosen entry runs.
"""

from __future__ import annotations

import argparse
import sys

from bus.logging import configure_logging
from bus.settings import Settings
from deploy.commands.registry import COMMANDS
from deploy.targets import EXIT_UNREACHABLE, Unreachable, with_server_flags


def _parser() -> argparse.ArgumentParser:
    """The ``ledgerbus`` parser: a subcommand for each entry of the table, in its order."""
    parser = argparse.ArgumentParser(
        prog="ledgerbus", description="Message-bus backend for mobile expense apps."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.declare(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one ``ledgerbus`` command; its exit code. A Ctrl-C that lands before a process has
    installed its own signal handling (while it is still loading) ends it quietly with 130; a
server an operator's command needs and cannot reach ends it with one line and 4."""
    try:
        return _command(argv)
    except KeyboardInterrupt:
        return 130
    except Unreachable as exc:
        print(f"ledgerbus: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE


def _command(argv: list[str] | None) -> int:
    """Parse ``argv``, apply the server flags to the settings, log as the chosen command, run it."""
    args = _parser().parse_args(argv)
    settings = with_server_flags(Settings(), args)
    configure_logging(settings.log_level, settings.log_format, process=args.command)
    chosen = next(command for command in COMMANDS if command.name == args.command)
    return chosen.execute(args, settings)


if __name__ == "__main__":
    sys.exit(main())
