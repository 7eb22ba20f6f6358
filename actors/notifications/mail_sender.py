"""Handing rendered mails to the SMTP server of :class:`MailSettings`, over connections kept open
between mails.

A connection costs a TCP (and TLS) handshake, EHLO and AUTH: several round trips and, with TLS,
most of a mail's CPU. :class:`MailSender` keeps up to ``keep_open`` connections that ended their
last mail cleanly and sends the next mails on them; one idle for more than ``idle_s``, or closed
by the server meanwhile, is dropped instead. A connection whose mail failed is closed, so the
next mail never inherits a half-finished SMTP transaction. When the server turns out to have
dropped a kept connection (its idle timeout, noticed only on use), the mail is sent once more on
a new connection at once, as the delivery's own retry would later: under the same Message-ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from email.message import EmailMessage

import aiosmtplib

from actors.notifications.mail_send import (
    MailSettings,
    TemporaryMailFailure,
    mail_errors,
    secret,
    tls_context,
    worst,
)


class MailSender:
    """Sends mails one at a time per connection, any number at once (see the module)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._tls: ssl.SSLContext | None = (
            tls_context(settings) if settings.tls or settings.starttls else None
        )
        self._helo = settings.helo_name
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []  # (connection, when it was freed)
        self.connections_opened = 0

    async def send(self, message: EmailMessage) -> None:
        """Send ``message`` to the addresses of its To header.

        Returns once the server has accepted it for every recipient; raises
        :class:`~.mail_send.TemporaryMailFailure` or :class:`~.mail_send.PermanentMailFailure`
        otherwise.
        """
        kept = self._kept()
        if kept is not None:
            try:
                return await self._send_on(kept, message)
            except TemporaryMailFailure as exc:
                if not isinstance(exc.__cause__, aiosmtplib.SMTPServerDisconnected):
                    raise
                # The server had dropped it (an idle timeout): once more on a new connection.
        await self._send_on(await self._connect(), message)

    async def _send_on(self, client: aiosmtplib.SMTP, message: EmailMessage) -> None:
        clean = False
        try:
            with mail_errors():
                refused, _ = await client.send_message(message)
            clean = True
        finally:
            if clean:
                await self._free(client)
            else:
                await _close(client)
        if refused:  # some recipients accepted, some refused: the refused ones decide
            raise worst(
                [
                    aiosmtplib.SMTPRecipientRefused(reply.code, reply.message, address)
                    for address, reply in refused.items()
                ]
            )

    async def close(self) -> None:
        """Say goodbye on every kept connection."""
        idle, self._idle = self._idle, []
        await asyncio.gather(*(_close(client) for client, _ in idle))

    def _kept(self) -> aiosmtplib.SMTP | None:
        """A kept connection still open and fresh enough, newest first; stale ones are closed."""
        now = time.monotonic()
        while self._idle:
            client, freed = self._idle.pop()
            if client.is_connected and now - freed <= self.settings.idle_s:
                return client
            client.close()
        return None

    async def _free(self, client: aiosmtplib.SMTP) -> None:
        if len(self._idle) < self.settings.keep_open and client.is_connected:
            self._idle.append((client, time.monotonic()))
        else:
            await _close(client)

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        if self._helo is None:  # a DNS lookup: once per process, off the loop
            self._helo = await asyncio.to_thread(socket.getfqdn)
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            use_tls=s.tls,
            start_tls=s.starttls,
            tls_context=self._tls,
            username=secret(s.username),
            password=secret(s.password),
            timeout=s.timeout_s,
            local_hostname=self._helo,
        )
        with mail_errors():
            await client.connect()
        self.connections_opened += 1
        return client


async def _close(client: aiosmtplib.SMTP) -> None:
    """QUIT if the connection still answers, else just close it."""
    if client.is_connected:
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await client.quit(timeout=2)
    client.close()


async def send_mail(message: EmailMessage, settings: MailSettings) -> None:
    """Send one mail on a connection of its own (what a one-off sender, or a test, wants)."""
    sender = MailSender(settings)
    try:
        await sender.send(message)
    finally:
        await sender.close()
