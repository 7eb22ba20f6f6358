"""What an ocr actor process keeps beside its handlers: the bounded pool that reads receipts
off the event loop (``prepare``, before each batch's transaction), the duplicate search, and a
sweeper that makes sure no receipt stays pending and no image stays without its record."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

import structlog
from nats.aio.client import Client as NATS

from actors.ocr.outcome import ReadReceipt, ScanOutcome
from bus.client import CommandSender
from bus.envelopes import Command, utcnow
from bus.receipt_commands import fail_command, scan_command
from bus.receipts import ReceiptFields
from bus.settings import Settings
from storage.outcomes import stored_outcome
from storage.receipt_reads import hashed_receipts, people_sharing_with, stuck_receipts
from storage.receipts import ReceiptDoc, delete_image, orphan_images, read_image

log = structlog.get_logger(__name__)

MERCHANT_MAX = 200  # what an expense's merchant holds
DUPLICATE_BITS = 6  # of 64: perceptual hashes this close are the same receipt
DUPLICATE_WINDOW = timedelta(days=365)
DUPLICATE_CANDIDATES = 5000


def distance(a: str, b: str) -> int:
    """Bits that differ between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


class OcrRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        workers = max(1, settings.ocr_workers)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr")
        self._free = asyncio.Semaphore(workers)  # a read's deadline starts when a worker is free
        self._sender: CommandSender | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, nc: NATS) -> None:
        self._sender = CommandSender(nc, f"{self.settings.node_id}-ocr", stored_outcome)
        await self._sender.start()
        if self.settings.ocr_sweep_s > 0:
            self._tasks.append(asyncio.create_task(self._sweep_forever()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._sender is not None:
            await self._sender.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---- reading ------------------------------------------------------------------------

    async def prepare(self, commands: Sequence[Command]) -> dict[str, Any]:
        """Read every receipt a batch scans, in the pool, before its transaction."""
        scans = [c for c in commands if c.type == "receipt.scan"]
        outcomes = await asyncio.gather(*(self._read(c) for c in scans), return_exceptions=True)
        prepared: dict[str, Any] = {}
        for command, outcome in zip(scans, outcomes, strict=True):
            if isinstance(outcome, BaseException):  # this one is retried, not its batch
                log.warning(
                    "receipt_read_failed", command_id=command.command_id, error=repr(outcome)[:300]
                )
            elif outcome is not None:
                prepared[command.command_id] = outcome
        return prepared

    async def _read(self, command: Command) -> ScanOutcome | None:
        receipt_id = command.payload.get("id")
        doc = await ReceiptDoc.get(receipt_id) if isinstance(receipt_id, str) else None
        if doc is None or doc.status != "pending":
            return None
        data = await read_image(doc.file_id)
        if data is None:
            return ScanOutcome(failure="the image is missing")
        from actors.ocr.decoding import UnreadableImage
        from actors.ocr.reader import scan

        timeout_s = self.settings.ocr_timeout_s
        work = partial(scan, data, doc.content_type, int(timeout_s * 1000))
        try:
            async with self._free:
                found = await asyncio.wait_for(
                    asyncio.get_running_loop().run_in_executor(self._pool, work), timeout_s + 5
                )
        except UnreadableImage as exc:
            return ScanOutcome(failure=str(exc))
        except TimeoutError:
            return ScanOutcome(failure="took too long to read")
        except Exception as exc:  # one bad file never stops the worker
            log.warning("receipt_unreadable", receipt_id=doc.id, error=repr(exc)[:300])
            return ScanOutcome(failure=f"could not be read ({type(exc).__name__})")
        fields = ReceiptFields.model_validate(found.fields).model_dump(mode="json")
        if fields.get("merchant"):
            fields["merchant"] = fields["merchant"][:MERCHANT_MAX].strip()
        read = ReadReceipt(
            fields, dict(found.confidence), dict(found.checks), found.text, found.phash
        )
        return ScanOutcome(read, duplicates=await self._duplicates(doc, found.phash))

    async def _duplicates(self, doc: ReceiptDoc, phash: str) -> tuple[str, ...]:
        """Receipts of the same image: the owner's, or anyone's in a group with them."""
        owners = await people_sharing_with(doc.owner_id)
        since = utcnow() - DUPLICATE_WINDOW
        rows = await hashed_receipts(owners, since, doc.id, DUPLICATE_CANDIDATES)
        return tuple(r["_id"] for r in rows if distance(r["phash"], phash) <= DUPLICATE_BITS)

    # ---- sweeping -----------------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.ocr_sweep_s)
            try:
                await self.sweep()
            except Exception as exc:
                log.warning("receipt_sweep_failed", error=repr(exc)[:300])

    async def sweep(self) -> tuple[int, int, int]:
        """Scan again what waits too long, fail what waited far too long, drop lone images:
        (rescanned, failed, images removed)."""
        assert self._sender is not None, "started"
        now = utcnow()
        rescanned = failed = 0
        waiting = now - timedelta(seconds=self.settings.ocr_retry_after_s)
        for doc in await stuck_receipts(waiting, 100):
            if doc.updated_at < now - timedelta(seconds=self.settings.ocr_give_up_after_s):
                reason = "could not be read in time"
                await self._sender.publish(fail_command(doc.id, doc.owner_id, reason))
                failed += 1
            else:
                await self._sender.publish(scan_command(doc.id, doc.owner_id, doc.version))
                rescanned += 1
        removed = 0
        orphan_age = timedelta(seconds=self.settings.receipt_orphan_after_s)
        for file_id in await orphan_images(now - orphan_age, 100):
            await delete_image(file_id)
            removed += 1
        if rescanned or failed or removed:
            log.info("receipts_swept", rescanned=rescanned, failed=failed, images_removed=removed)
        return rescanned, failed, removed
