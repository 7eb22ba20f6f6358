"""Mail over kept SMTP connections, against a real aiosmtpd server over TCP that counts the
connections it accepted and the logins it saw: mails share a connection (one STARTTLS, one AUTH),
a burst opens what it needs and at most ``keep_open`` stay, a connection the server dropped is
replaced without losing the mail, and a refused mail's connection is not used again."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from actors.notifications.mail import (
    MailSender,
    MailSettings,
    PermanentMailFailure,
    render_mail,
)
from deploy.embedded import find_free_port
from tests.support.pki import Pki, make_pki

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"


@dataclass
class Counting:
    """A server's handler that keeps what it was handed, and the sessions it served."""

    sessions: list[SMTP] = field(default_factory=list)
    logins: int = 0
    message_ids: list[str] = field(default_factory=list)
    over_tls: list[bool] = field(default_factory=list)
    hold_s: float = 0.0
    drop_next_mail: bool = False

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.drop_next_mail:  # closed just as the client uses it: it still thinks it open
            self.drop_next_mail = False
            assert server.transport is not None
            server.transport.close()
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins += 1
        return AuthResult(success=data == LoginPassword(b"ledgerbus", b"s3cret"), handled=False)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(self.hold_s)
        content = envelope.original_content or b""
        line = next(x for x in content.splitlines() if x.lower().startswith(b"message-id:"))
        self.message_ids.append(line.split(b":", 1)[1].strip().decode())
        assert server.transport is not None
        self.over_tls.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("smtp-pki"))


@pytest.fixture
async def server(pki: Pki) -> AsyncIterator[tuple[int, Counting]]:
    """STARTTLS required, AUTH required: what a real submission server asks."""
    handler = Counting()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(pki.cert, pki.key)
    loop = asyncio.get_running_loop()

    def session() -> SMTP:
        smtp = SMTP(
            handler,
            hostname="test-smtp",
            loop=loop,
            tls_context=tls,
            require_starttls=True,
            auth_required=True,
            authenticator=handler.authenticate,
        )
        handler.sessions.append(smtp)
        return smtp

    port = find_free_port()
    listening = await loop.create_server(session, HOST, port)
    yield port, handler
    listening.close()
    await listening.wait_closed()


def _settings(pki: Pki, port: int, keep_open: int) -> MailSettings:
    return MailSettings(
        host=HOST,
        port=port,
        starttls=True,
        ca_file=pki.ca,
        timeout_s=5,
        username=SecretStr("ledgerbus"),
        password=SecretStr("s3cret"),
        keep_open=keep_open,
        helo_name="ledgerbus.test",
    )


def _mail(n: int, to: str = "ana@example.com") -> EmailMessage:
    context = {"name": "Ana", "title": f"Item {n}", "body": "Food is over budget.", "link": ""}
    return render_mail(
        "notification",
        context,
        to=to,
        sender="ledgerbus <no-reply@ledgerbus.localhost>",
        message_id=f"d-{n}.mail@ledgerbus.localhost",
        unsubscribe_url=None,
    )


async def test_mails_share_one_connection_one_starttls_and_one_login(
    server: tuple[int, Counting], pki: Pki
) -> None:
    port, handler = server
    sender = MailSender(_settings(pki, port, keep_open=2))
    try:
        for n in range(3):
            await sender.send(_mail(n))
    finally:
        await sender.close()
    assert handler.message_ids == [f"<d-{n}.mail@ledgerbus.localhost>" for n in range(3)]
    assert handler.over_tls == [True, True, True]
    assert (len(handler.sessions), handler.logins) == (1, 1)


async def test_without_keep_open_every_mail_has_its_own_connection(
    server: tuple[int, Counting], pki: Pki
) -> None:
    port, handler = server
    sender = MailSender(_settings(pki, port, keep_open=0))
    for n in range(2):
        await sender.send(_mail(n))
    assert (len(handler.sessions), handler.logins, len(handler.message_ids)) == (2, 2, 2)


async def test_a_burst_opens_what_it_needs_and_keeps_at_most_keep_open(
    server: tuple[int, Counting], pki: Pki
) -> None:
    port, handler = server
    handler.hold_s = 0.3  # every mail of the burst is under way at once
    sender = MailSender(_settings(pki, port, keep_open=2))
    try:
        await asyncio.gather(*(sender.send(_mail(n)) for n in range(4)))
        assert len(handler.sessions) == 4
        handler.hold_s = 0.0
        await asyncio.gather(*(sender.send(_mail(n)) for n in range(4, 6)))
        assert len(handler.sessions) == 4  # the two kept ones carried them
        await sender.send(_mail(6))
    finally:
        await sender.close()
    assert len(handler.sessions) == 4
    assert sorted(handler.message_ids) == sorted(
        f"<d-{n}.mail@ledgerbus.localhost>" for n in range(7)
    )


async def test_a_connection_the_server_dropped_is_replaced_and_the_mail_still_goes(
    server: tuple[int, Counting], pki: Pki
) -> None:
    """The server closes a kept connection as the next mail begins on it (an idle timeout the
    client could not see yet): the mail goes on a new connection, once."""
    port, handler = server
    sender = MailSender(_settings(pki, port, keep_open=2))
    try:
        await sender.send(_mail(0))
        handler.drop_next_mail = True
        await sender.send(_mail(1))
    finally:
        await sender.close()
    assert not handler.drop_next_mail  # the kept connection was used, and dropped
    assert handler.message_ids == [
        "<d-0.mail@ledgerbus.localhost>",
        "<d-1.mail@ledgerbus.localhost>",
    ]
    assert len(handler.sessions) == 2


async def test_a_refused_mail_closes_its_connection_and_the_next_one_goes(
    server: tuple[int, Counting], pki: Pki
) -> None:
    port, handler = server
    sender = MailSender(_settings(pki, port, keep_open=2))
    try:
        with pytest.raises(PermanentMailFailure) as refused:
            await sender.send(_mail(0, to="gone@example.com"))
        assert refused.value.code == 550
        await sender.send(_mail(1))
    finally:
        await sender.close()
    assert handler.message_ids == ["<d-1.mail@ledgerbus.localhost>"]
    assert len(handler.sessions) == 2
