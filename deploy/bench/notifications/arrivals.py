"""Where the benchmark watches notifications arrive: an SMTP server of its own (aiosmtpd, on
this process's loop) noting when each mail arrives by (recipient, subject), and a Socket.IO
device per person noting when each ``notification.created`` arrives by (person, title)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from email import policy
from email.parser import BytesHeaderParser

import socketio
from aiosmtpd.smtp import SMTP, Envelope, Session

from deploy.bench.devices import connect_device, disconnect_device
from deploy.embedded import find_free_port

Key = tuple[str, str]
"""(recipient, title): a mail's To and Subject, or a device's person and item title."""


class Inbox:
    """Arrival times (``time.perf_counter``) by key, and an event per awaited count."""

    def __init__(self) -> None:
        self.first: dict[Key, float] = {}
        self.count: Counter[Key] = Counter()
        self._changed = asyncio.Event()

    def note(self, key: Key) -> None:
        self.first.setdefault(key, time.perf_counter())
        self.count[key] += 1
        self._changed.set()

    async def until(self, keys: set[Key], timeout_s: float) -> None:
        """Wait until every key has arrived, or ``timeout_s`` passes."""
        deadline = time.perf_counter() + timeout_s
        while not keys <= self.first.keys():
            self._changed.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                return


class MailCatcher:
    """aiosmtpd's handler: every mail's (To, Subject) noted as it arrives, and its Message-ID
    counted (a Message-ID twice is a repeat)."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.message_ids: Counter[str] = Counter()
        self._parser = BytesHeaderParser(policy=policy.default)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        headers = self._parser.parsebytes(envelope.original_content or b"")
        self.message_ids[str(headers.get("Message-ID", ""))] += 1
        self.inbox.note((str(headers.get("To", "")), str(headers.get("Subject", ""))))
        return "250 OK"

    def repeated(self) -> int:
        return sum(n - 1 for n in self.message_ids.values() if n > 1)


async def serve_mail(catcher: MailCatcher) -> tuple[asyncio.Server, int]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command
    loop = asyncio.get_running_loop()
    port = find_free_port()
    server = await loop.create_server(
        lambda: SMTP(catcher, hostname="bench-smtp", loop=loop), "127.0.0.1", port
    )
    return server, port


class Devices:
    """One Socket.IO client per person, noting each ``notification.created`` (by its title)
    and each ``budget.threshold_crossed`` (by the title its item will have: the alert the
    notifications actor reacts to)."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.alerts = Inbox()
        self._clients: list[socketio.AsyncClient] = []

    async def connect(self, base_url: str, person: str, token: str) -> None:
        client = socketio.AsyncClient(reconnection=False)

        def created(data: object = None) -> None:
            inner = data.get("data") if isinstance(data, dict) else None
            entity = inner.get("entity") if isinstance(inner, dict) else None
            if isinstance(entity, dict):
                self.inbox.note((person, str(entity.get("title", ""))))

        def alert(data: object = None) -> None:
            inner = data.get("data") if isinstance(data, dict) else None
            entity = inner.get("entity") if isinstance(inner, dict) else None
            if isinstance(entity, dict):
                title = f"{entity.get('name')}: {entity.get('threshold')}% used"
                self.alerts.note((person, title))

        client.on("notification.created", created)
        client.on("budget.threshold_crossed", alert)
        await connect_device(client, base_url, token)
        self._clients.append(client)

    async def close(self) -> None:
        await asyncio.gather(*(disconnect_device(c) for c in self._clients))
