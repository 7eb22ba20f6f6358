"""Every actor by name (what `ledgerbus actor <name>` can run)."""

from __future__ import annotations

from actors.accounts import ACCOUNTS
from actors.budgets import BUDGETS
from actors.currency import CURRENCY
from actors.expenses import EXPENSES
from actors.fraud import FRAUD
from actors.kernel import ActorDefinition
from actors.notifications import NOTIFICATIONS
from actors.ocr import OCR
from actors.splits import SPLITS

ACTORS: dict[str, ActorDefinition] = {
    actor.name: actor
    for actor in (ACCOUNTS, EXPENSES, CURRENCY, SPLITS, BUDGETS, OCR, FRAUD, NOTIFICATIONS)
}
