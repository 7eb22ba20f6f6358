"""What a start is waiting for, said to a person: a line when a part starts waiting, again every
few seconds while it still is (with the seconds waited and why, when known), and one when it is
ready. Never a line per probe."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

Say = Callable[[str], None]


class WaitingLog:
    """The parts being waited for: :meth:`waiting` and :meth:`ready` one at a time, or
    :meth:`update` with every part still missing."""

    def __init__(
        self, say: Say, *, every_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._say = say
        self._every_s = every_s
        self._clock = clock
        self._since: dict[str, float] = {}  # part -> when it started waiting
        self._said: dict[str, float] = {}  # part -> when a line last named it

    def waiting(self, part: str, why: str = "") -> None:
        """``part`` is not ready yet (``why``, when known)."""
        now = self._clock()
        if part not in self._since:
            self._since[part] = self._said[part] = now
            self._say(f"waiting for {part}")
        elif now - self._said[part] >= self._every_s:
            self._said[part] = now
            reason = f": {why}" if why else ""
            self._say(f"waiting for {part} ({now - self._since[part]:.1f} s){reason}")

    def update(self, missing: Mapping[str, str]) -> None:
        """``missing``: every part not ready yet, with why; the others waited for are ready."""
        for part, why in missing.items():
            self.waiting(part, why)
        for part in [p for p in self._since if p not in missing]:
            self.ready(part)

    def ready(self, part: str) -> None:
        """``part`` is ready: say after how long, if it was waited for."""
        since = self._since.pop(part, None)
        self._said.pop(part, None)
        if since is not None:
            self._say(f"{part} ready ({self._clock() - since:.1f} s)")

    def forget(self, part: str) -> None:
        """Stop waiting for ``part`` without a line (it failed, or the start was abandoned)."""
        self._since.pop(part, None)
        self._said.pop(part, None)
