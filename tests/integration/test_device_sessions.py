"""The devices signed in to an account, on the running stack: listed with the current one
marked; one signed out from another; every other one signed out at once, with a security
notice in the inbox and by mail; no one else's session can be touched."""

from __future__ import annotations

from typing import Any

import pytest

from actors.notifications.courier import KIND_HEADER
from tests.support.helpers import Account, Stack, eventually
from tests.support.smtp_servers import Scripted

pytestmark = pytest.mark.integration

SIGNED_OUT = "Your other devices were signed out"


async def _sessions(stack: Stack, who: Account) -> list[dict[str, Any]]:
    status, body = await stack.call("GET", "/v1/me/sessions", who)
    assert status == 200, body
    return body["items"]  # type: ignore[no-any-return]


async def _device(stack: Stack, email: str, device_id: str) -> Account:
    status, data = await stack.call(
        "POST",
        "/v1/auth/login",
        json={"email": email, "password": "correct horse battery staple", "device_id": device_id},
    )
    assert status == 200, data
    return Account(data["user"], email, data["access_token"], data["refresh_token"])


async def test_a_device_is_listed_and_signed_out_from_another(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    phone = await _device(stack, ada.email, "phone-1")
    listed = await _sessions(stack, ada)
    assert len(listed) == 2
    mine = [s for s in listed if s["current"]]
    theirs = [s for s in listed if not s["current"]]
    assert (len(mine), theirs[0]["device_id"]) == (1, "phone-1")
    assert listed[0]["refreshed_at"] >= listed[1]["refreshed_at"]  # the latest first

    status, problem = await stack.call("DELETE", f"/v1/me/sessions/{theirs[0]['id']}", bob)
    assert (status, problem["code"]) == (404, "not_found")  # not Bob's to end
    assert (await stack.call("GET", "/v1/me", phone))[0] == 200
    for bad in ("end-others", "0" * 33, "not-hex-" + "0" * 24):
        status, _ = await stack.call("DELETE", f"/v1/me/sessions/{bad}", ada)
        assert status in (404, 405)

    status, body = await stack.call("DELETE", f"/v1/me/sessions/{theirs[0]['id']}", ada)
    assert (status, body) == (204, None)
    assert (await stack.call("GET", "/v1/me", phone))[0] == 401
    assert [s["id"] for s in await _sessions(stack, ada)] == [mine[0]["id"]]
    status, body = await stack.call("DELETE", f"/v1/me/sessions/{theirs[0]['id']}", ada)
    assert status == 204  # ended already: done


async def test_every_other_device_is_signed_out_at_once_and_the_person_told(
    stack: Stack, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada")
    others = [await stack.login(ada.email) for _ in range(2)]
    status, body = await stack.call("POST", "/v1/me/sessions/end-others", ada)
    assert (status, body) == (200, {"sessions_ended": 2})
    for other in others:
        assert (await stack.call("GET", "/v1/me", other))[0] == 401
    assert (await stack.call("GET", "/v1/me", ada))[0] == 200
    assert [s["current"] for s in await _sessions(stack, ada)] == [True]

    async def notices() -> list[dict[str, Any]] | None:
        status, page = await stack.call("GET", "/v1/notifications", ada)
        assert status == 200, page
        found = [i for i in page["items"] if i["title"] == SIGNED_OUT]
        return found or None

    [notice] = await eventually(notices)
    assert notice["kind"] == "security"

    async def mailed() -> Any:
        return next(
            (
                m
                for m in mailbox.messages
                if str(m["To"]) == ada.email and m["Subject"] == SIGNED_OUT
            ),
            None,
        )

    assert (await eventually(mailed))[KIND_HEADER] == "security"
    status, body = await stack.call("POST", "/v1/me/sessions/end-others", ada)
    assert (status, body) == (200, {"sessions_ended": 0})  # nothing left to end: no notice
