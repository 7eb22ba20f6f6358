"""Where mail goes (:class:`MailSettings`), and what a failure to send it means: worth retrying
(:class:`TemporaryMailFailure`: the server is down or slow, or answered 4xx) or not
(:class:`PermanentMailFailure`: it answered 5xx, such as 550 no such user). The sending itself is
:mod:`.mail_sender`'s.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
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
def mail_errors() -> Iterator[None]:
    """What aiosmtplib raises while connecting or sending, as a :class:`MailFailure`."""
    try:
        yield
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise worst(exc.recipients) from exc
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


def worst(refusals: list[aiosmtplib.SMTPRecipientRefused]) -> MailFailure:
    """One failure for refused recipients: temporary while any of them may pass later."""
    failures = [_by_code(r.code, f"{r.recipient}: {r.code} {r.message}") for r in refusals]
    temporary = [f for f in failures if isinstance(f, TemporaryMailFailure)]
    return (temporary or failures)[0]


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    """A client context checking the server against ``ca_file`` (or the system's CAs)."""
    cafile = str(settings.ca_file) if settings.ca_file is not None else None
    return ssl.create_default_context(cafile=cafile)


def secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
