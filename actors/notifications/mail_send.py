"""Handing rendered mails to the SMTP server of :class:`MailSettings`, and telling the caller
whether a failure is worth retrying (:class:`TemporaryMailFailure`: the server is down or slow,
or answered 4xx) or not (:class:`PermanentMailFailure`: it answered 5xx, such as 550 no such
user).

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
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
from pydantic import SecretStr

from bus.settings import Settings


class MailFailure(Exception):
    """A mail the server did not accept; ``code`` is the SMTP reply code when it answered."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TemporaryMailFailure(MailFailure):
    """Sending may work later (connection refused or cut, a timeout, a 4xx reply): retry with
    backoff, under the same Message-ID."""


class PermanentMailFailure(MailFailure):
    """Sending the same mail again fails the same way (a 5xx reply, a server lacking what the
    settings require): dead-letter it."""


@dataclass(frozen=True)
class MailSettings:
    """How mail leaves: the SMTP server, its TLS and login, and the From address."""

    host: str
    port: int
    starttls: bool = False
    tls: bool = False
    ca_file: Path | None = None
    username: SecretStr | None = None
    password: SecretStr | None = None
    timeout_s: float = 10.0
    sender: str = "ledgerbus <no-reply@ledgerbus.localhost>"
    keep_open: int = 0
    """Connections kept open between mails for the next ones (0: one connection per mail)."""
    idle_s: float = 20.0
    """A kept connection idle longer than this is closed instead of used."""
    helo_name: str | None = None
    """The name this client gives in EHLO; unset: the host's FQDN (looked up once)."""

    def __post_init__(self) -> None:
        if self.tls and self.starttls:
            raise ValueError("smtp_tls (TLS from the start) and smtp_starttls exclude each other")

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSettings:
        """The mail part of the process's settings."""
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            tls=settings.smtp_tls,
            ca_file=settings.smtp_tls_ca_file,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout_s=settings.smtp_timeout_s,
            sender=settings.mail_from,
            keep_open=settings.smtp_keep_open,
            idle_s=settings.smtp_idle_s,
            helo_name=settings.smtp_helo_name,
        )


@contextlib.contextmanager
def _mail_errors() -> Iterator[None]:
    """What aiosmtplib raises while connecting or sending, as a :class:`MailFailure`."""
    try:
        yield
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise _worst(exc.recipients) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise _by_code(exc.code, f"{exc.code} {exc.message}") from exc
    except aiosmtplib.SMTPNotSupported as exc:  # no STARTTLS, no AUTH mechanism in common
        raise PermanentMailFailure(f"server lacks what the settings require: {exc}") from exc
    except OSError as exc:  # refused, cut off, timed out (aiosmtplib's errors of these are too)
        raise TemporaryMailFailure(f"server not reached: {type(exc).__name__}: {exc}") from exc
    except aiosmtplib.SMTPException as exc:
        raise PermanentMailFailure(f"{type(exc).__name__}: {exc}") from exc


def _by_code(code: int, reason: str) -> MailFailure:
    """A 5xx reply is final; anything else (4xx, or no reply code) may pass later."""
    if 500 <= code < 600:
        return PermanentMailFailure(reason, code)
    return TemporaryMailFailure(reason, code)


def _worst(refusals: list[aiosmtplib.SMTPRecipientRefused]) -> MailFailure:
    """One failure for refused recipients: temporary while any of them may pass later."""
    failures = [_by_code(r.code, f"{r.recipient}: {r.code} {r.message}") for r in refusals]
    temporary = [f for f in failures if isinstance(f, TemporaryMailFailure)]
    return (temporary or failures)[0]


def _tls_context(settings: MailSettings) -> ssl.SSLContext:
    """A client context checking the server against ``ca_file`` (or the system's CAs)."""
    cafile = str(settings.ca_file) if settings.ca_file is not None else None
    return ssl.create_default_context(cafile=cafile)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


class MailSender:
    """Sends mails one at a time per connection, any number at once (see the module)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._tls: ssl.SSLContext | None = (
            _tls_context(settings) if settings.tls or settings.starttls else None
        )
        self._helo = settings.helo_name
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []  # (connection, when it was freed)

    async def send(self, message: EmailMessage) -> None:
        """Send ``message`` to the addresses of its To header.

        Returns once the server has accepted it for every recipient; raises
        :class:`TemporaryMailFailure` or :class:`PermanentMailFailure`
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
            with _mail_errors():
                refused, _ = await client.send_message(message)
            clean = True
        finally:
            if clean:
                await self._free(client)
            else:
                await _close(client)
        if refused:  # some recipients accepted, some refused: the refused ones decide
            raise _worst(
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
            username=_secret(s.username),
            password=_secret(s.password),
            timeout=s.timeout_s,
            local_hostname=self._helo,
        )
        with _mail_errors():
            await client.connect()
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
