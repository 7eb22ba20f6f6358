"""The evaluations on generated data: ``ocr evaluate`` (receipt reading's accuracy) and
``fraud evaluate`` / ``fraud live`` (fraud scoring's precision and recall).

Each evaluation parses its own flags (its module's ``main``); here the rest of the command line
is handed to it unparsed, so ``ledgerbus fraud evaluate --help`` is the evaluation's own help.
"""

from __future__ import annotations

import argparse

from bus.settings import Settings
from deploy.commands.command import Subcommand


def _ocr_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ocr_command", choices=["evaluate"])
    parser.add_argument(
        "ocr_args", nargs=argparse.REMAINDER, help="--seed, --count, --workers, --misses"
    )


def _ocr(args: argparse.Namespace, settings: Settings) -> int:
    from deploy.ocr_eval import main as evaluate_ocr

    return evaluate_ocr(args.ocr_args)


def _fraud_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fraud_command",
        choices=["evaluate", "live"],
        help="evaluate: the rules on labelled data sets; live: a data set posted over HTTP",
    )
    parser.add_argument(
        "fraud_args",
        nargs=argparse.REMAINDER,
        help="evaluate: --generator, --seed, --tuning, --users, --threshold, --jobs; "
        "live: --url, --generator, --seed, --users, --days, --threshold",
    )


def _fraud_evaluate(argv: list[str]) -> int:
    from deploy.fraud_eval import main as evaluate_fraud

    return evaluate_fraud(argv)


def _fraud_live(argv: list[str]) -> int:
    from deploy.fraud_live import main as fraud_live

    return fraud_live(argv)


_FRAUD_COMMANDS = {"evaluate": _fraud_evaluate, "live": _fraud_live}


def _fraud(args: argparse.Namespace, settings: Settings) -> int:
    return _FRAUD_COMMANDS[args.fraud_command](args.fraud_args)


OCR = Subcommand("ocr", "receipt reading: accuracy on generated receipts", _ocr_flags, _ocr)
FRAUD = Subcommand(
    "fraud", "fraud scoring: precision and recall on generated data", _fraud_flags, _fraud
)
