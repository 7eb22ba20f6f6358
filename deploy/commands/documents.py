"""``ledgerbus asyncapi``: the bus's AsyncAPI document, printed or written to a file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bus.settings import Settings
from deploy.commands.command import Subcommand


def _asyncapi_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path)


def _asyncapi(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.asyncapi import asyncapi_document

    text = json.dumps(asyncapi_document(settings), indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    else:
        print(text)
    return 0


ASYNCAPI = Subcommand("asyncapi", "print the bus's AsyncAPI document", _asyncapi_flags, _asyncapi)
