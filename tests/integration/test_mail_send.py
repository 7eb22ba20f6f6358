"""Sending mail through a real aiosmtpd server over TCP, and reading back what it received: both
parts and the headers; STARTTLS with a certificate the test makes and AUTH checked by the
server; and each way a send fails, told apart as temporary (retry) or permanent (dead letter)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from actors.notifications.mail import (
    MailSettings,
    PermanentMailFailure,
    TemporaryMailFailure,
    render_mail,
    send_mail,
)
from bus.settings import Settings
from deploy.embedded import find_free_port
from tests.support.pki import Pki, make_pki

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"
SENDER = "ledgerbus <no-reply@ledgerbus.localhost>"


@dataclass
class Received:
    """What one server received: each envelope, and whether it came over TLS."""

    envelopes: list[Envelope] = field(default_factory=list)
    over_tls: list[bool] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)


class Recorder:
    """A handler keeping every message; ``refuse_rcpt`` / ``refuse_data`` make it answer so."""

    def __init__(self, received: Received, refuse_rcpt: str = "", refuse_data: str = "") -> None:
        self.received = received
        self.refuse_rcpt = refuse_rcpt
        self.refuse_data = refuse_data

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """aiosmtpd's authenticator: one login, ``ledgerbus`` with ``s3cret``."""
        assert isinstance(data, LoginPassword)
        self.received.logins.append(data.login)
        ok = data == LoginPassword(b"ledgerbus", b"s3cret")
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 when not ok

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_data:
            return self.refuse_data
        self.received.envelopes.append(envelope)
        assert server.transport is not None
        self.received.over_tls.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 Message accepted for delivery"


ServerFactory = Callable[..., Awaitable[tuple[int, Received]]]


@pytest.fixture
async def smtp_server() -> AsyncIterator[ServerFactory]:
    """Starts aiosmtpd servers on free ports: ``start(refuse_rcpt=..., refuse_data=...,
    authenticate=..., implicit_tls=..., **smtp_options)`` gives the port and what that server
    receives."""
    servers: list[asyncio.Server] = []

    async def start(
        refuse_rcpt: str = "",
        refuse_data: str = "",
        authenticate: bool = False,
        implicit_tls: ssl.SSLContext | None = None,
        **options: Any,
    ) -> tuple[int, Received]:
        received = Received()
        handler = Recorder(received, refuse_rcpt, refuse_data)
        if authenticate:
            options["authenticator"] = handler.authenticate
        loop = asyncio.get_running_loop()
        port = find_free_port()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="test-smtp", loop=loop, **options),
            HOST,
            port,
            ssl=implicit_tls,
        )
        servers.append(server)
        return port, received

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def mail(to: str = "ana@example.com") -> EmailMessage:
    context = {
        "name": "Ana",
        "title": "Payment recorded",
        "actor": "Ben",
        "payer": "Ben",
        "payee": "Ana",
        "amount": "28.00 EUR",
        "group": "Lisbon trip",
        "link": "http://127.0.0.1:8080/app/groups/g-1",
    }
    return render_mail(
        "settlement",
        context,
        to=to,
        sender=SENDER,
        message_id="d-1.mail@ledgerbus.localhost",
        unsubscribe_url="http://127.0.0.1:8080/unsubscribe/t-1",
    )


def parsed(envelope: Envelope) -> EmailMessage:
    assert envelope.original_content is not None
    message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


async def test_a_mail_arrives_with_both_parts_and_its_headers(smtp_server: ServerFactory) -> None:
    port, received = await smtp_server()

    await send_mail(mail(), MailSettings(host=HOST, port=port, timeout_s=5))

    [envelope] = received.envelopes
    assert envelope.mail_from == "no-reply@ledgerbus.localhost"
    assert envelope.rcpt_tos == ["ana@example.com"]
    message = parsed(envelope)
    assert message["Message-ID"] == "<d-1.mail@ledgerbus.localhost>"
    assert message["Subject"] == "Payment recorded"
    assert message["List-Unsubscribe"] == "<http://127.0.0.1:8080/unsubscribe/t-1>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Ben recorded a payment of 28.00 EUR from Ben to Ana in Lisbon trip." in body(message, "plain")
    assert "<strong>28.00 EUR</strong>" in body(message, "html")
    assert received.over_tls == [False]


def test_settings_name_the_server_the_sink_listens_on() -> None:
    settings = Settings(
        smtp_port=2525, smtp_username=SecretStr("ledgerbus"), smtp_password=SecretStr("s3cret")
    )

    mail_settings = MailSettings.from_settings(settings)

    assert (mail_settings.host, mail_settings.port) == ("127.0.0.1", 2525)
    assert (mail_settings.starttls, mail_settings.tls) == (False, False)
    assert mail_settings.sender == SENDER
    assert mail_settings.password == SecretStr("s3cret")
    assert "s3cret" not in repr(mail_settings)
    assert (mail_settings.keep_open, mail_settings.idle_s, mail_settings.helo_name) == (4, 20, None)


async def test_a_550_for_the_recipient_is_permanent(smtp_server: ServerFactory) -> None:
    port, received = await smtp_server(refuse_rcpt="550 5.1.1 no such user")

    with pytest.raises(PermanentMailFailure) as failed:
        await send_mail(mail(to="gone@example.com"), MailSettings(host=HOST, port=port))

    assert failed.value.code == 550
    assert "no such user" in failed.value.reason
    assert received.envelopes == []


async def test_a_451_is_temporary(smtp_server: ServerFactory) -> None:
    port, received = await smtp_server(refuse_data="451 4.3.0 try again later")

    with pytest.raises(TemporaryMailFailure) as failed:
        await send_mail(mail(), MailSettings(host=HOST, port=port))

    assert failed.value.code == 451
    assert received.envelopes == []


async def test_nothing_listening_is_temporary() -> None:
    with pytest.raises(TemporaryMailFailure, match="server not reached"):
        await send_mail(mail(), MailSettings(host=HOST, port=find_free_port(), timeout_s=2))


async def test_a_server_that_never_greets_is_a_temporary_timeout() -> None:
    silent = await asyncio.start_server(lambda r, w: None, HOST, 0)
    port = silent.sockets[0].getsockname()[1]
    try:
        with pytest.raises(TemporaryMailFailure, match="Timeout"):
            await send_mail(mail(), MailSettings(host=HOST, port=port, timeout_s=0.5))
    finally:
        silent.close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("smtp-pki"))


def _server_tls(pki: Pki) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert, pki.key)
    return context


def _login(password: str, pki: Pki, port: int) -> MailSettings:
    return MailSettings(
        host=HOST,
        port=port,
        starttls=True,
        ca_file=pki.ca,
        timeout_s=5,
        username=SecretStr("ledgerbus"),
        password=SecretStr(password),
    )


async def test_starttls_and_auth_by_settings_deliver_over_tls(
    smtp_server: ServerFactory, pki: Pki
) -> None:
    port, received = await smtp_server(
        authenticate=True, tls_context=_server_tls(pki), require_starttls=True, auth_required=True
    )

    await send_mail(mail(), _login("s3cret", pki, port))

    assert received.logins == [b"ledgerbus"]
    assert received.over_tls == [True]
    assert parsed(received.envelopes[0])["Message-ID"] == "<d-1.mail@ledgerbus.localhost>"


async def test_implicit_tls_by_settings_delivers_over_tls(
    smtp_server: ServerFactory, pki: Pki
) -> None:
    port, received = await smtp_server(implicit_tls=_server_tls(pki))
    settings = MailSettings(host=HOST, port=port, tls=True, ca_file=pki.ca, timeout_s=5)

    await send_mail(mail(), settings)

    assert received.over_tls == [True]
    assert parsed(received.envelopes[0])["Message-ID"] == "<d-1.mail@ledgerbus.localhost>"


def test_tls_and_starttls_together_are_refused() -> None:
    with pytest.raises(ValueError, match="exclude each other"):
        MailSettings(host=HOST, port=465, tls=True, starttls=True)


async def test_a_wrong_password_is_permanent(smtp_server: ServerFactory, pki: Pki) -> None:
    port, received = await smtp_server(
        authenticate=True, tls_context=_server_tls(pki), require_starttls=True, auth_required=True
    )

    with pytest.raises(PermanentMailFailure) as failed:
        await send_mail(mail(), _login("wrong", pki, port))

    assert failed.value.code == 535
    assert set(received.logins) == {b"ledgerbus"}  # the client tries each mechanism offered
    assert received.envelopes == []


async def test_without_starttls_a_server_requiring_it_refuses_for_good(
    smtp_server: ServerFactory, pki: Pki
) -> None:
    port, received = await smtp_server(tls_context=_server_tls(pki), require_starttls=True)

    with pytest.raises(PermanentMailFailure) as failed:
        await send_mail(mail(), MailSettings(host=HOST, port=port, timeout_s=5))

    assert failed.value.code == 530
    assert received.envelopes == []
