"""A deleted account's expenses, trips and categories erased (``user.deleted``)."""

from __future__ import annotations

from actors.erasure import deleted_person
from actors.work import Work
from bus.envelopes import Event
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc


async def erase_person(event: Event, work: Work) -> None:
    if (user_id := deleted_person(event)) is None:
        return
    for model in (ExpenseDoc, TripDoc, CategoryDoc):
        work.erase(model, {"owner_id": user_id})
