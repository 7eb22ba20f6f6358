"""``ledgerbus scale <actor> N``: have the ``ledgerbus up`` running on the data dir run N
processes of an actor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bus.settings import Settings
from deploy.commands.command import Subcommand, run_loop

EXIT_FAILED = 1
EXIT_REFUSED = 2
EXIT_NO_UP = 3

DESCRIPTION = """\
Tell the `ledgerbus up` running on the data dir (through its control socket,
<data dir>/run/control.sock) to run N processes of an actor. New processes start like the
actor's first (same environment), named actor:<name>#2, #3 ...; scale answers once each is
ready (bound to the actor's durables). Processes taken away go last first, each drained as at a
stop (SIGTERM: stop fetching, finish and ack what it holds; SIGKILL after the grace period).
The count holds across restarts of a crashed process, until `up` stops."""

EPILOG = """\
exit codes:
  0  done: the actor runs N processes
  1  `up` could not do it (a new process did not become ready, or `up` is starting or stopping)
  2  refused: an unknown actor, or N below 1 or above {max}
  3  no `ledgerbus up` is running on the data dir"""


def _flags(parser: argparse.ArgumentParser) -> None:
    from deploy.control_replicas import MAX_PROCESSES

    parser.description = DESCRIPTION
    parser.epilog = EPILOG.format(max=MAX_PROCESSES)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "actor", help="accounts, expenses, currency, splits, budgets, ocr, fraud or notifications"
    )
    parser.add_argument("processes", type=int, metavar="N", help=f"1 to {MAX_PROCESSES}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the data dir of the `up` (default ./.ledgerbus)",
    )


def _scale(args: argparse.Namespace, settings: Settings) -> int:
    from actors.registry import ACTORS
    from deploy.control import ControlError, NoSupervisorError, scale
    from deploy.control_replicas import scale_refusal

    refusal = scale_refusal(args.actor, args.processes, ACTORS)
    if refusal is not None:
        print(f"ledgerbus scale: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        names = run_loop(scale(args.data_dir or settings.data_dir, args.actor, args.processes))
    except NoSupervisorError as exc:
        print(f"ledgerbus scale: {exc}", file=sys.stderr)
        return EXIT_NO_UP
    except ControlError as exc:
        print(f"ledgerbus scale: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"{args.actor}: {len(names)} process{'es' if len(names) != 1 else ''} ({', '.join(names)})"
    )
    return 0


SCALE = Subcommand("scale", "run N processes of an actor under the local up", _flags, _scale)
