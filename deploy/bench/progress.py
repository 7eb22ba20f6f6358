"""Progress lines of a benchmark run, written as the run goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO


def progress(out: TextIO) -> Callable[[str], None]:
    """A ``say`` that writes one line of progress, ``· message``, to ``out`` at once."""

    def say(message: str) -> None:
        out.write(f"· {message}\n")
        out.flush()

    return say
