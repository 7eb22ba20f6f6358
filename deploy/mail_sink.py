"""The embedded stack's SMTP sink: an aiosmtpd server on ``smtp_host:smtp_port`` that accepts
every mail and keeps it in the mailbox (:mod:`deploy.mail_box`) instead of delivering it.

It runs on the process's own asyncio loop (``loop.create_server`` with aiosmtpd's ``SMTP``
protocol, no controller thread) as ``ledgerbus mail-sink`` until SIGTERM or SIGINT.
:func:`sink_argv` and :func:`sink_is_ready` let the stack start it and wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import smtplib
import sys
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from bus.settings import Settings
from deploy.mail_box import mail_dir, message_ids, store_message

log = structlog.get_logger(__name__)

SINK_HOSTNAME = "ledgerbus-mail-sink"
"""The name the sink greets clients with (aiosmtpd would otherwise look up this host's FQDN)."""


class MailboxHandler:
    """aiosmtpd's handler: each message, exactly as received, becomes a file in ``folder``.

    Like the large mailbox providers, it keeps one copy per ``Message-ID``: a mail sent again
    under the id of one it holds (a sender that died before it heard the 250) is accepted and
    dropped. A mail without the header is always kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen = message_ids(folder)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        ident = str(headers.get("Message-ID", "")).strip()
        said = {
            "mail_from": envelope.mail_from,
            "rcpt_to": envelope.rcpt_tos,
            "subject": str(headers.get("Subject", "")),
            "message_id": ident,
        }
        if ident and ident in self.seen:
            log.info("mail_repeat_dropped", **said)
            return "250 Message accepted for delivery"
        if ident:
            self.seen.add(ident)  # before the write: a repeat arriving meanwhile is dropped
        path = await asyncio.to_thread(store_message, self.folder, raw)
        log.info("mail_received", **said, file=path.name, size=len(raw))
        return "250 Message accepted for delivery"


async def start_sink(folder: Path, host: str, port: int) -> asyncio.Server:
    """Listen on ``host:port`` on the running loop, keeping every mail in ``folder``."""
    loop = asyncio.get_running_loop()
    handler = MailboxHandler(folder)
    return await loop.create_server(
        lambda: SMTP(handler, hostname=SINK_HOSTNAME, enable_SMTPUTF8=True, loop=loop),
        host=host,
        port=port,
    )


async def run_sink(settings: Settings) -> int:
    """Serve as the sink until SIGTERM or SIGINT; the exit code."""
    # aiosmtpd logs every SMTP command at INFO: keep its warnings, one line per mail is ours
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    folder = mail_dir(settings.data_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    server = await start_sink(folder, settings.smtp_host, settings.smtp_port)
    log.info(
        "mail_sink_listening", host=settings.smtp_host, port=settings.smtp_port, folder=str(folder)
    )
    try:
        await stop.wait()
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):  # a client still connected is cut off
            await asyncio.wait_for(server.wait_closed(), 5.0)
        log.info("mail_sink_stopped")
    return 0


def sink_argv() -> list[str]:
    """The command that runs the sink with the settings of its environment."""
    return [sys.executable, "-m", "deploy.cli", "mail-sink"]


def sink_is_ready(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """Whether an SMTP server answers on ``host:port`` (its greeting, then NOOP with 250)."""
    try:
        with smtplib.SMTP(host, port, local_hostname="localhost", timeout=timeout_s) as client:
            code, _ = client.noop()
            return code == 250
    except (OSError, smtplib.SMTPException):
        return False
