"""``ledgerbus status``: streams, durable consumers and the local ``up``'s processes at a glance."""

from __future__ import annotations

import argparse
from pathlib import Path

from bus.settings import Settings
from deploy.commands.command import Subcommand, run_loop
from deploy.status_codes import exit_codes_help
from deploy.targets import add_server_flags

DEFAULT_MAX_LAG = 1000
DEFAULT_MAX_AGE_S = 60.0
DEFAULT_WATCH_S = 2.0

DESCRIPTION = """\
One screen of every JetStream stream (messages, bytes, first and last seq) and every durable
consumer, and, when a `ledgerbus up` runs on the data dir, the processes it supervises (pid,
RSS, CPU% of one core, restarts, uptime).

Per durable:
  pending         messages not yet delivered (num_pending)
  ack pending     delivered, not yet acknowledged (num_ack_pending)
  redelivered     messages delivered more than once (num_redelivered)
  waiting         pull requests waiting (num_waiting); "bound" for a bound push consumer
  oldest unacked  how long ago the first message past the durable's ack floor
                  (ack_floor.stream_seq + 1, on its filter subject) was published: the oldest
                  message it has not acknowledged, delivered or not. If that message has left
                  the stream: the time since the ack floor last moved
  last applied    when the ack floor last moved (ack_floor.last_active)
  no subscriber   a pull consumer with no waiting pull request on two looks 0.5 s apart and
                  nothing delivered or acknowledged for 30 s (delivered / ack_floor last_active)

Ages are measured with this machine's clock against the server's timestamps."""

EPILOG = f"""\
{exit_codes_help()}
With --watch, the code of the last refresh."""


def _watch_seconds(text: str) -> float:
    seconds = float(text)
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the refresh interval must be above 0 seconds")
    return seconds


def _flags(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the data dir of a local `up` (default ./.ledgerbus)",
    )
    parser.add_argument(
        "--max-lag",
        type=int,
        default=DEFAULT_MAX_LAG,
        metavar="N",
        help=f"most pending + ack pending a durable may have (default {DEFAULT_MAX_LAG})",
    )
    parser.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE_S,
        metavar="SECONDS",
        help=f"oldest unacked age a durable may have (default {DEFAULT_MAX_AGE_S:g})",
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--watch",
        nargs="?",
        type=_watch_seconds,
        const=DEFAULT_WATCH_S,
        default=None,
        metavar="SECONDS",
        help=f"refresh the screen every SECONDS (default {DEFAULT_WATCH_S:g}) until Ctrl-C",
    )
    shown.add_argument("--json", action="store_true", help="print one JSON document instead")
    add_server_flags(parser, nats=True, mongo=False)


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.status import Limits
    from deploy.status_run import StatusOptions, run_status

    options = StatusOptions(
        data_dir=args.data_dir or settings.data_dir,
        limits=Limits(max_lag=args.max_lag, max_age_s=args.max_age),
        watch_s=args.watch,
        as_json=args.json,
    )
    return run_loop(run_status(settings, options))


STATUS = Subcommand(
    "status", "streams, durable consumers and the local up's processes", _flags, _status
)
