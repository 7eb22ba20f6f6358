"""``ledgerbus bench notifications``: how soon a notification reaches a person, on an embedded
stack of its own whose mail goes to the benchmark's own SMTP server.

1. Expenses at a fixed rate (``--rate``), each crossing the next threshold of one of its
   owner's budgets (:mod:`.rate`): the time from the request to the ``notification.created`` on
   the owner's device and to the mail in the SMTP server, p50/p99, and how far behind the
   notifications actor was when the last answer came.
2. A bill for a group of ``--group`` (:mod:`.fanout`): the time to the last member's device and
   to the last mail, and the mails per second one notifications process sends.

Nothing is asserted: figures are printed (and written as JSON). Importing this package loads
only the options; the run and the render load when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.framework import Benchmark
from deploy.bench.notifications.options import NotificationsBenchOptions, settle

if TYPE_CHECKING:
    from deploy.bench.notifications.results import NotificationsResult


async def _run(
    settings: Settings, options: NotificationsBenchOptions, out: TextIO
) -> NotificationsResult:
    from deploy.bench.notifications.phases import run_notifications

    return await run_notifications(settings, options, out)


def _render(result: NotificationsResult) -> str:
    from deploy.bench.notifications.render import render

    return render(result)


NOTIFICATIONS = Benchmark(
    name="notifications",
    help="the delay from a budget-crossing expense to its inbox item on a device and its mail "
    "in the SMTP server, at a fixed rate, and a group's bill fanned out",
    options=NotificationsBenchOptions,
    run=_run,
    render=_render,
    smoke="3 people, 20 expenses at 10/s, a group of 5",
    settle=settle,
)
