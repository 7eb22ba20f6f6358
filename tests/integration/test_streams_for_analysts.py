"""What analysts see: replayable streams in order, and never a secret in them or in the logs."""

from __future__ import annotations

import io
import json
import uuid

import pytest

from deploy.replay import replay
from tests.support.helpers import Stack, eventually

pytestmark = pytest.mark.integration


async def _replayed(
    stack: Stack, stream: str, subject: str | None = None
) -> list[dict[str, object]]:
    out, progress = io.StringIO(), io.StringIO()
    await replay(
        stack.settings,
        stream,
        since=None,
        from_seq=None,
        subject=subject,
        out=out,
        progress=progress,
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_no_password_token_or_hash_ever_enters_a_stream_or_a_log_line(
    stack: Stack, capfd: pytest.CaptureFixture[str]
) -> None:
    secret_password = f"Pw-{uuid.uuid4().hex}"
    email = f"secret.{uuid.uuid4().hex[:8]}@example.com"
    body = {
        "email": email,
        "password": secret_password,
        "name": "Sam",
        "home_currency": "EUR",
        "timezone": "UTC",
    }
    assert (await stack.call("POST", "/v1/auth/register", json=body))[0] == 201
    status, tokens = await stack.call(
        "POST", "/v1/auth/login", json={"email": email, "password": secret_password}
    )
    assert status == 200
    status, rotated = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert status == 200
    headers = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (await stack.call("POST", "/v1/auth/logout", headers=headers))[0] == 204
    user_id = tokens["user"]["id"]
    events = await eventually(lambda: _revoked(stack, user_id))
    commands = await _replayed(stack, "commands")
    assert any(
        c["data"]["type"] == "user.register" and c["data"]["payload"]["email"] == email
        for c in commands
    )
    from storage.accounts import Credential

    credential = await Credential.get(user_id)
    assert credential is not None
    secrets = [
        secret_password,
        tokens["access_token"],
        tokens["refresh_token"],
        rotated["refresh_token"],
        rotated["access_token"],
        credential.password_hash,
        tokens["refresh_token"].split(".")[1],
    ]
    everything = json.dumps(commands) + json.dumps(events) + capfd.readouterr().out
    for secret in secrets:
        assert secret not in everything


async def _revoked(stack: Stack, user_id: str) -> list[dict[str, object]] | None:
    events = await _replayed(stack, "events", f"evt.user.{user_id}.>")
    return events if any(e["data"]["type"] == "session.revoked" for e in events) else None  # type: ignore[index]


async def test_replay_streams_a_scope_in_seq_order_from_a_sequence(stack: Stack) -> None:
    ada = await stack.signup()
    for i in range(3):
        body = {"amount": f"{i + 1}.00", "currency": "EUR", "date": "2026-11-20"}
        assert (await stack.call("POST", "/v1/expenses", ada, json=body))[0] == 201
    subject = f"evt.user.{ada.id}.expense.created"
    events = await eventually(lambda: _at_least(stack, subject, 3))
    assert [e["data"]["data"]["entity"]["amount"] for e in events] == ["1.00", "2.00", "3.00"]  # type: ignore[index]
    seqs = [e["data"]["seq"] for e in events]  # type: ignore[index]
    assert seqs == sorted(seqs)
    later = await _replay_from(stack, int(events[1]["stream_seq"]), subject)  # type: ignore[arg-type]
    assert [e["data"]["event_id"] for e in later] == [e["data"]["event_id"] for e in events[1:]]  # type: ignore[index]


async def _at_least(stack: Stack, subject: str, n: int) -> list[dict[str, object]] | None:
    events = await _replayed(stack, "events", subject)
    return events if len(events) >= n else None


async def _replay_from(stack: Stack, seq: int, subject: str) -> list[dict[str, object]]:
    out = io.StringIO()
    await replay(
        stack.settings,
        "events",
        since=None,
        from_seq=seq,
        subject=subject,
        out=out,
        progress=io.StringIO(),
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_password_never_logged_on_failed_login(
    stack: Stack, capfd: pytest.CaptureFixture[str]
) -> None:
    ada = await stack.signup()
    wrong = f"wrong-{uuid.uuid4().hex}"
    await stack.call("POST", "/v1/auth/login", json={"email": ada.email, "password": wrong})
    assert wrong not in capfd.readouterr().out
