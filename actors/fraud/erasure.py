"""A deleted account's risk scores, flags and spending profile erased (``user.deleted``)."""

from __future__ import annotations

from actors.erasure import deleted_person
from actors.work import Work
from bus.envelopes import Event
from storage.fraud import FlagDoc, FraudProfileDoc, RiskDoc


async def erase_person(event: Event, work: Work) -> None:
    if (user_id := deleted_person(event)) is None:
        return
    work.erase(RiskDoc, {"owner_id": user_id})
    work.erase(FlagDoc, {"owner_id": user_id})
    work.erase(FraudProfileDoc, {"_id": user_id})
