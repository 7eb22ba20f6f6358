"""SMTP servers for tests, on the test's loop over real TCP: :class:`Scripted` answers each DATA
as told (a 451, a 550, a reply held back while the sender is killed) and keeps every message it
was handed, repeats included, so a test counts what a sender really sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, Envelope, Session

from deploy.embedded import find_free_port

HOST = "127.0.0.1"


@dataclass
class Scripted:
    """Answers the n-th DATA with ``replies[n]`` (then 250), after ``hold_s[n]`` seconds (then
    none); ``data_seen`` is set when a DATA arrives. Keeps every message in ``messages``."""

    replies: list[str] = field(default_factory=list)
    hold_s: list[float] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)
    data_seen: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        n = len(self.messages)
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content or b"")
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.data_seen.set()
        if n < len(self.hold_s):
            await asyncio.sleep(self.hold_s[n])
        return self.replies[n] if n < len(self.replies) else "250 OK"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


async def serve(handler: object, port: int | None = None) -> tuple[asyncio.Server, int]:
    """``handler`` listening on loopback (a free port unless given); the server and its port."""
    loop = asyncio.get_running_loop()
    chosen = port or find_free_port()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="test-smtp", loop=loop), HOST, chosen
    )
    return server, chosen
