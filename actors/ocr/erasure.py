"""A deleted account's receipts and their images erased (``user.deleted``), in the reaction's
own transaction: the records and the files go together or not at all."""

from __future__ import annotations

from actors.erasure import deleted_person
from actors.work import Work
from bus.envelopes import Event
from storage.receipts import ReceiptDoc, erase_images


async def erase_person(event: Event, work: Work) -> None:
    if (user_id := deleted_person(event)) is None:
        return
    work.erase(ReceiptDoc, {"owner_id": user_id})
    await erase_images(user_id, work.session)
