"""`ledgerbus dlq`: show dead letters, and replay them onto their subject once the cause is fixed."""

from __future__ import annotations

from typing import IO

from bus.envelopes import utcnow
from bus.settings import Settings
from deploy.targets import open_database, open_nats
from storage.dead_letters import DeadLetterStore


async def list_letters(settings: Settings, out: IO[str], limit: int = 100) -> int:
    database = await open_database(settings)
    try:
        letters = await DeadLetterStore().pending(limit)
        for letter in letters:
            out.write(
                f"{letter.id}\t{letter.created_at.isoformat()}\t{letter.subject}\t"
                f"deliveries={letter.deliveries}\tcommand={letter.command_id or '-'}\t{letter.reason}\n"
            )
        waiting = await DeadLetterStore().count_pending()
        shown = f" (the oldest {len(letters)} shown)" if waiting > len(letters) else ""
        out.write(f"{waiting} dead letter(s) waiting{shown}\n")
        return len(letters)
    finally:
        await database.close()


async def redrive(settings: Settings, ids: list[str], out: IO[str]) -> int:
    """Publish each letter's original body again (a fresh message id, so dedup lets it through).

    The command keeps its command id: if it was in fact applied meanwhile, the actor replays the
    stored outcome and changes nothing.
    """
    database = await open_database(settings)
    nc = await open_nats(settings, "dlq")
    store = DeadLetterStore()
    count = 0
    try:
        js = nc.jetstream()
        letters = await store.pending(10_000, ids or None)
        for missing in sorted(set(ids) - {letter.id for letter in letters}):
            out.write(f"not waiting (unknown or already redriven): {missing}\n")
        for letter in letters:
            await js.publish(
                letter.subject,
                letter.data.encode(),
                headers={"Nats-Msg-Id": f"redrive:{letter.id}:{utcnow().timestamp()}"},
            )
            await store.mark_redriven(letter.id)
            out.write(f"redriven {letter.id} -> {letter.subject}\n")
            count += 1
        out.write(f"{count} dead letter(s) redriven\n")
        return count
    finally:
        await nc.close()
        await database.close()
