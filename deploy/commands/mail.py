"""``ledgerbus mail-sink`` (the embedded stack's SMTP sink) and ``ledgerbus mail list|show``
(the mails it kept, read as a person would)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bus.settings import Settings
from deploy.commands.command import Group, Subcommand, run_loop


def _sink_flags(parser: argparse.ArgumentParser) -> None:
    """No flags: it listens on LEDGERBUS_SMTP_HOST:LEDGERBUS_SMTP_PORT, keeps mail in
    LEDGERBUS_DATA_DIR/mail."""


def _sink(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.mail_sink import run_sink

    return run_loop(run_sink(settings))


def _data_dir_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="default LEDGERBUS_DATA_DIR (./.ledgerbus)"
    )


def _list_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=20, help="newest N (default 20; 0: all)")
    parser.add_argument("--json", action="store_true", help="a JSON array")
    _data_dir_flag(parser)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.mail_view import list_mail

    data_dir = args.data_dir or settings.data_dir
    return list_mail(data_dir, args.limit or None, args.json, sys.stdout)


def _show_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("mail", help="its number in `ledgerbus mail list` (1: newest) or its file")
    part = parser.add_mutually_exclusive_group()
    part.add_argument("--html", action="store_true", help="the HTML part instead of the text")
    part.add_argument("--raw", action="store_true", help="the whole message as received")
    _data_dir_flag(parser)


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.mail_view import Part, show_mail

    part: Part = "raw" if args.raw else "html" if args.html else "text"
    data_dir = args.data_dir or settings.data_dir
    return show_mail(data_dir, args.mail, part, sys.stdout, sys.stderr)


MAIL_SINK = Subcommand(
    "mail-sink", "the local SMTP server that keeps every mail in DATA_DIR/mail", _sink_flags, _sink
)
MAIL = Group(
    "mail",
    "the mails the local SMTP sink kept: list, show",
    dest="mail_command",
    subcommands=(
        Subcommand("list", "newest first: time, from, to, subject, file", _list_flags, _list),
        Subcommand("show", "one mail's headers and text (or --html, --raw)", _show_flags, _show),
    ),
)
