"""The processes ``ledgerbus`` starts: the whole embedded stack (``up``), or one part of it alone
(``edge``, ``realtime``, ``actor``), each run on uvloop until it is stopped."""

from __future__ import annotations

import argparse
from pathlib import Path

from bus.settings import Settings
from deploy.commands.command import Subcommand, run_loop
from deploy.targets import add_server_flags


def _up_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, help="default ./.ledgerbus")
    parser.add_argument(
        "--http-port", type=int, default=None, help="default LEDGERBUS_HTTP_PORT (8080)"
    )
    parser.add_argument(
        "--nats-port", type=int, default=4222, help="the embedded NATS's client port (4222)"
    )
    parser.add_argument(
        "--nats-monitor-port",
        type=int,
        default=8222,
        help="the embedded NATS's monitoring port (8222)",
    )
    parser.add_argument(
        "--mongo-port", type=int, default=27017, help="the embedded SecantusDB's port (27017)"
    )
    parser.add_argument(
        "--smtp-port",
        type=int,
        default=8025,
        help="the local mail sink's SMTP port (8025): every mail the stack sends is kept under "
        "<data_dir>/mail, see `ledgerbus mail list`",
    )
    parser.add_argument(
        "--actors",
        type=actor_list,
        default=None,
        metavar="NAME[,NAME...]",
        help="run only these actors (default: all; an actor that reads rates needs currency)",
    )
    parser.add_argument(
        "--nats-cluster",
        type=int,
        choices=(1, 3, 5),
        default=1,
        help="run NATS as a JetStream cluster of this many servers on consecutive ports from "
        "--nats-port, --nats-monitor-port and --nats-route-port, streams kept on every server "
        "(default 1: a lone server)",
    )
    parser.add_argument(
        "--nats-route-port",
        type=int,
        default=6222,
        help="with --nats-cluster: the first server's cluster route port (6222)",
    )


def actor_list(text: str) -> list[str]:
    """``--actors``: known names, and currency beside any actor that reads rates."""
    from actors.registry import ACTORS

    names = sorted({name.strip() for name in text.split(",") if name.strip()})
    unknown = [name for name in names if name not in ACTORS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown actor {', '.join(unknown) or '(none given)'}; known: {', '.join(sorted(ACTORS))}"
        )
    readers = [name for name in names if ACTORS[name].reads_rates]
    if readers and "currency" not in names:
        raise argparse.ArgumentTypeError(f"{', '.join(readers)} read rates: add currency")
    return names


def _up(args: argparse.Namespace, settings: Settings) -> int:
    from actors.registry import ACTORS
    from deploy.stack import run_up

    return run_loop(
        run_up(
            settings,
            actors=args.actors or sorted(ACTORS),
            http_port=args.http_port,
            nats_port=args.nats_port,
            nats_monitor_port=args.nats_monitor_port,
            nats_route_port=args.nats_route_port,
            nats_cluster=args.nats_cluster,
            mongo_port=args.mongo_port,
            smtp_port=args.smtp_port,
            data_dir=args.data_dir or settings.data_dir,
        )
    )


def _edge_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-realtime", action="store_true")
    add_server_flags(parser, nats=True, mongo=True)


def _edge(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.serve import run_web

    run_loop(run_web(settings, edge=True, realtime=not args.no_realtime))
    return 0


def _realtime_flags(parser: argparse.ArgumentParser) -> None:
    add_server_flags(parser, nats=True, mongo=True)


def _realtime(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.serve import run_web

    run_loop(run_web(settings, edge=False, realtime=True))
    return 0


def _actor_flags(parser: argparse.ArgumentParser) -> None:
    from actors.registry import ACTORS

    parser.add_argument("name", choices=sorted(ACTORS))
    add_server_flags(parser, nats=True, mongo=True)


def _actor(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.serve import run_actor

    run_loop(run_actor(settings, args.name))
    return 0


UP = Subcommand(
    "up", "start NATS, SecantusDB, the edge with Socket.IO and every actor", _up_flags, _up
)
EDGE = Subcommand("edge", "the HTTP edge (with Socket.IO unless --no-realtime)", _edge_flags, _edge)
REALTIME = Subcommand("realtime", "a Socket.IO node alone", _realtime_flags, _realtime)
ACTOR = Subcommand("actor", "one actor process (start more to scale it)", _actor_flags, _actor)
