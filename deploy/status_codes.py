"""The exit codes of ``ledgerbus status`` and what each means, written once: the screen's
heading and ``status --help`` both read them from here."""

from __future__ import annotations

import textwrap

EXIT_OK = 0
EXIT_LAGGING = 1
EXIT_USAGE = 2
EXIT_NO_SUBSCRIBER = 3
EXIT_UNREACHABLE = 4
EXIT_CODES = {
    EXIT_OK: "every durable has a subscriber and is within --max-lag and --max-age",
    EXIT_LAGGING: "a durable's pending + ack pending passes --max-lag, or its oldest unacked "
    "message is older than --max-age",
    EXIT_USAGE: "bad usage",
    EXIT_NO_SUBSCRIBER: f"a durable has no subscriber (wins over {EXIT_LAGGING})",
    EXIT_UNREACHABLE: "NATS or its JetStream could not be read",
}
HELP_WIDTH = 96


def exit_codes_help() -> str:
    """The ``exit codes:`` section of ``status --help``: a code a line, long meanings wrapped."""
    lines = ["exit codes:"]
    for code, meaning in EXIT_CODES.items():
        lines += textwrap.wrap(
            meaning,
            HELP_WIDTH,
            initial_indent=f"  {code}  ",
            subsequent_indent=" " * 5,
            break_on_hyphens=False,
        )
    return "\n".join(lines)
