"""A NATS URL's login is given to the client as options, never left in its server URLs: a
cluster's servers announce one another without it, and a reconnect to one must still log in."""

from __future__ import annotations

import ssl

import pytest
from faststream.nats import NatsToken, NatsUserPassword

from actors import broker
from actors.broker import security_of
from bus.nats_conn import nats_login
from bus.settings import Settings


def test_a_cluster_url_becomes_bare_servers_and_one_login() -> None:
    url = "nats://ed%40ge:p%2Fw@127.0.0.1:4222, nats://ed%40ge:p%2Fw@127.0.0.1:4223"
    assert nats_login(url) == {
        "servers": ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"],
        "user": "ed@ge",
        "password": "p/w",
    }


def test_a_token_and_no_login_are_kept_as_they_are() -> None:
    assert nats_login("tls://s3cret@nats.example:4222") == {
        "servers": ["tls://nats.example:4222"],
        "token": "s3cret",
    }
    assert nats_login("nats://a:1,nats://b:2") == {"servers": ["nats://a:1", "nats://b:2"]}


def test_servers_with_different_logins_are_refused() -> None:
    with pytest.raises(ValueError, match="one login"):
        nats_login("nats://a:x@h:1,nats://b:y@h:2")


def test_an_actor_logs_in_by_options_and_over_the_tls_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login = security_of(Settings(nats_url="nats://expenses:pw@h:1,nats://expenses:pw@h:2"))
    assert isinstance(login, NatsUserPassword)
    assert (login.username, login.password, login.ssl_context) == ("expenses", "pw", None)
    assert security_of(Settings(nats_url="nats://h:1")) is None
    token = security_of(Settings(nats_url="nats://t0ken@h:1"))
    assert isinstance(token, NatsToken)
    assert token.token == "t0ken"
    context = ssl.create_default_context()
    monkeypatch.setattr(broker, "tls_context", lambda _settings: context)
    secured = security_of(Settings(nats_url="tls://h:1"))
    assert secured is not None
    assert secured.ssl_context is context
