"""Every ``ledgerbus bench`` benchmark, in the order ``ledgerbus bench --help`` lists them."""

from __future__ import annotations

from deploy.bench.budgets import BUDGETS
from deploy.bench.drain import DRAIN
from deploy.bench.expenses import EXPENSES
from deploy.bench.framework import Command
from deploy.bench.fraud import FRAUD
from deploy.bench.groups import GROUPS
from deploy.bench.money import MONEY
from deploy.bench.notifications import NOTIFICATIONS
from deploy.bench.receipts import RECEIPTS
from deploy.bench.sync import SYNC

BENCHMARKS: tuple[Command, ...] = (
    EXPENSES,
    MONEY,
    GROUPS,
    SYNC,
    BUDGETS,
    RECEIPTS,
    FRAUD,
    NOTIFICATIONS,
    DRAIN,
)
