"""``python -m deploy.bench expenses [flags]``: the benchmark without the ``ledgerbus`` command."""

from __future__ import annotations

import argparse
import sys

from bus.logging import configure_logging
from bus.settings import Settings
from deploy.bench import add_parser, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, process="bench")
    return run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
