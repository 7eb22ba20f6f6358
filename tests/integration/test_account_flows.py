"""The account flows on the running stack, read back from the SMTP server the stack mails to:
the welcome mail's link confirms an address once; a forgotten password is answered alike for
any address and its link resets the password once, ending every session; a change of password
asks the current one and ends the other sessions; each change of password and a copied refresh
token is a security notice, in the inbox and by mail."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from actors.notifications.courier import KIND_HEADER
from bus.envelopes import utcnow
from storage.account_tokens import AccountTokenDoc
from tests.support.helpers import PASSWORD, Account, Stack, eventually
from tests.support.smtp_servers import Scripted

pytestmark = pytest.mark.integration

NEW_PASSWORD = "a-new-long-password"
TOKEN = re.compile(r"/(verify-email|reset-password)\?token=([A-Za-z0-9._-]+)")


def _mails(mailbox: Scripted, to: str, kind: str) -> list[EmailMessage]:
    return [m for m in mailbox.messages if str(m["To"]) == to and m[KIND_HEADER] == kind]


def _token_in(mail: EmailMessage, path: str) -> str:
    text = mail.get_body(("plain",))
    assert text is not None
    found = TOKEN.search(text.get_content())
    assert found is not None, text.get_content()
    assert found.group(1) == path
    return found.group(2)


async def _mail(mailbox: Scripted, to: str, kind: str, count: int = 1) -> EmailMessage:
    """The ``count``-th mail of ``kind`` to ``to``, once it has come."""

    async def arrived() -> EmailMessage | None:
        found = _mails(mailbox, to, kind)
        return found[count - 1] if len(found) >= count else None

    return await eventually(arrived)


async def _inbox(stack: Stack, who: Account, kind: str) -> list[dict[str, Any]]:
    status, page = await stack.call("GET", "/v1/notifications", who)
    assert status == 200, page
    return [i for i in page["items"] if i["kind"] == kind]


async def _forgot(stack: Stack, email: str) -> tuple[int, Any]:
    return await stack.call("POST", "/v1/auth/password/forgot", json={"email": email})


async def test_the_welcome_mail_confirms_the_address_once(stack: Stack, mailbox: Scripted) -> None:
    ada = await stack.signup("Ada")
    assert ada.user["email_verified"] is False
    welcome = await _mail(mailbox, ada.email, "welcome")
    assert str(welcome["Subject"]) == "Welcome to ledgerbus, Ada"
    assert welcome["List-Unsubscribe"] is None  # an account mail cannot be turned off
    token = _token_in(welcome, "verify-email")

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, problem = await stack.call("POST", "/v1/auth/verify-email", json={"token": forged})
    assert (status, problem["code"]) == (400, "invalid_link")

    status, user = await stack.call("POST", "/v1/auth/verify-email", json={"token": token})
    assert (status, user["id"], user["email_verified"]) == (200, ada.id, True)
    status, me = await stack.call("GET", "/v1/me", ada)
    assert (status, me["email_verified"]) == (200, True)

    status, problem = await stack.call("POST", "/v1/auth/verify-email", json={"token": token})
    assert (status, problem["code"], problem["detail"]) == (
        400,
        "invalid_link",
        "this link was already used",
    )
    status, problem = await stack.call("POST", "/v1/me/email/verification", ada)
    assert status == 409, problem  # confirmed: no new link


async def test_a_new_confirmation_link_replaces_a_lost_one(stack: Stack, mailbox: Scripted) -> None:
    bo = await stack.signup("Bo")
    status, user = await stack.call("POST", "/v1/me/email/verification", bo)
    assert (status, user["email_verified"]) == (200, False)
    again = await _mail(mailbox, bo.email, "verify_email")
    assert str(again["Subject"]) == "Confirm your email address"
    first = _token_in(await _mail(mailbox, bo.email, "welcome"), "verify-email")
    second = _token_in(again, "verify-email")
    assert first != second
    status, user = await stack.call("POST", "/v1/auth/verify-email", json={"token": second})
    assert (status, user["email_verified"]) == (200, True)


async def test_a_forgotten_password_is_answered_alike_for_any_address(
    stack: Stack, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada")
    stranger = f"nobody.{uuid.uuid4().hex[:10]}@example.com"
    known = await _forgot(stack, ada.email.upper())  # any case names the account
    unknown = await _forgot(stack, stranger)
    assert known == unknown
    assert known[0] == 202
    mail = await _mail(mailbox, ada.email, "reset_password")
    assert str(mail["Subject"]) == "Reset your ledgerbus password"
    assert [m for m in mailbox.messages if str(m["To"]) == stranger] == []


async def test_a_reset_link_sets_the_password_once_and_ends_every_session(
    stack: Stack, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada")
    phone = await stack.login(ada.email)
    status, _ = await _forgot(stack, ada.email)
    assert status == 202
    token = _token_in(await _mail(mailbox, ada.email, "reset_password"), "reset-password")

    status, problem = await stack.call(
        "POST", "/v1/auth/password/reset", json={"token": token, "password": "short"}
    )
    assert status == 422, problem  # the new password's rules first; the link is not used up
    status, _ = await stack.call(
        "POST", "/v1/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert status == 204

    status, _ = await stack.call(
        "POST", "/v1/auth/login", json={"email": ada.email, "password": PASSWORD}
    )
    assert status == 401
    ada_again = await stack.login(ada.email, NEW_PASSWORD)
    for old in (ada, phone):  # every session ended: its refresh token, then its access token
        status, _ = await stack.call(
            "POST", "/v1/auth/refresh", json={"refresh_token": old.refresh_token}
        )
        assert status == 401

        async def refused(old: Account = old) -> bool:
            status, _ = await stack.call("GET", "/v1/me", old)
            return status == 401

        await eventually(refused, timeout_s=15)

    status, problem = await stack.call(
        "POST", "/v1/auth/password/reset", json={"token": token, "password": "yet-another-one"}
    )
    assert (status, problem["detail"]) == (400, "this link was already used")

    [notice] = await eventually(lambda: _inbox(stack, ada_again, "security"))
    assert notice["title"] == "Your password was reset"
    mail = await _mail(mailbox, ada.email, "security")
    assert str(mail["Subject"]) == "Your password was reset"
    assert mail["List-Unsubscribe"] is None  # security mail is always sent


async def test_an_expired_or_foreign_reset_link_is_refused(stack: Stack, mailbox: Scripted) -> None:
    ada, bo = await stack.signup("Ada"), await stack.signup("Bo")
    await _forgot(stack, ada.email)
    token = _token_in(await _mail(mailbox, ada.email, "reset_password"), "reset-password")
    ident = token.split(".")[0]
    await AccountTokenDoc.find_one(AccountTokenDoc.id == ident).update(
        {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}}
    )
    status, problem = await stack.call(
        "POST", "/v1/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert (status, problem["detail"]) == (400, "this link has expired")
    await stack.login(ada.email)  # the password is as it was

    await _forgot(stack, bo.email)
    bos = _token_in(await _mail(mailbox, bo.email, "reset_password"), "reset-password")
    spliced = f"{ident}.{bos.split('.')[1]}"  # Bo's signature on Ada's record
    status, problem = await stack.call(
        "POST", "/v1/auth/password/reset", json={"token": spliced, "password": NEW_PASSWORD}
    )
    assert (status, problem["code"]) == (400, "invalid_link")


async def test_reset_requests_about_one_address_are_limited_alike_with_or_without_an_account(
    stack: Stack, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada")
    stranger = f"nobody.{uuid.uuid4().hex[:10]}@example.com"
    limit = stack.settings.account_mail_max_per_account
    answers: dict[str, list[int]] = {ada.email: [], stranger: []}
    for email, seen in answers.items():
        for _ in range(limit + 1):
            status, _ = await _forgot(stack, email)
            seen.append(status)
    assert answers[ada.email] == answers[stranger] == [202] * limit + [429]
    await _mail(mailbox, ada.email, "reset_password", count=limit)


async def test_changing_the_password_asks_the_current_one_and_ends_the_other_sessions(
    stack: Stack, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada")
    phone = await stack.login(ada.email)
    change = {"current_password": "not-my-password", "new_password": NEW_PASSWORD}
    status, problem = await stack.call("POST", "/v1/me/password", ada, json=change)
    assert (status, problem["code"]) == (403, "wrong_password")

    change["current_password"] = PASSWORD
    status, _ = await stack.call("POST", "/v1/me/password", ada, json=change)
    assert status == 204
    status, me = await stack.call("GET", "/v1/me", ada)  # this session stays
    assert status == 200, me
    status, _ = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": phone.refresh_token}
    )
    assert status == 401  # the other one ended
    status, _ = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": ada.refresh_token}
    )
    assert status == 200
    await stack.login(ada.email, NEW_PASSWORD)

    [notice] = await eventually(lambda: _inbox(stack, ada, "security"))
    assert notice["title"] == "Your password was changed"
    await _mail(mailbox, ada.email, "security")


async def test_a_refresh_token_used_twice_is_a_security_notice(
    stack: Stack, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada")
    laptop = await stack.login(ada.email)
    first = {"refresh_token": laptop.refresh_token}
    status, _ = await stack.call("POST", "/v1/auth/refresh", json=first)
    assert status == 200
    status, problem = await stack.call("POST", "/v1/auth/refresh", json=first)
    assert (status, problem["code"]) == (401, "refresh_reused")

    [notice] = await eventually(lambda: _inbox(stack, ada, "security"))
    assert notice["title"] == "A device was signed out to protect your account"
    mail = await _mail(mailbox, ada.email, "security")
    assert str(mail["Subject"]) == notice["title"]


async def test_moving_to_a_new_address_waits_for_its_link_and_tells_the_old_one(
    stack: Stack, mailbox: Scripted
) -> None:
    ada, bo = await stack.signup("Ada"), await stack.signup("Bo")
    new = f"ada.new.{uuid.uuid4().hex[:10]}@example.com"
    move = {"new_email": new, "current_password": "not-my-password"}
    status, problem = await stack.call("POST", "/v1/me/email", ada, json=move)
    assert (status, problem["code"]) == (403, "wrong_password")
    move["current_password"] = PASSWORD
    status, problem = await stack.call(
        "POST", "/v1/me/email", ada, json={**move, "new_email": bo.email}
    )
    assert (status, problem["code"]) == (409, "email_taken")
    status, problem = await stack.call(
        "POST", "/v1/me/email", ada, json={**move, "new_email": ada.email.upper()}
    )
    assert status == 422, problem

    status, user = await stack.call("POST", "/v1/me/email", ada, json=move)
    assert (status, user["email"], user["pending_email"]) == (200, ada.email, new)
    await stack.login(ada.email)  # nothing moved yet
    mail = await _mail(mailbox, new, "change_email")
    assert str(mail["Subject"]) == "Confirm your email address"
    token = _token_in(mail, "verify-email")

    status, user = await stack.call("POST", "/v1/auth/verify-email", json={"token": token})
    assert status == 200, user
    assert (user["email"], user["pending_email"], user["email_verified"]) == (new, None, True)
    await stack.login(new)
    status, _ = await stack.call(
        "POST", "/v1/auth/login", json={"email": ada.email, "password": PASSWORD}
    )
    assert status == 401

    told = await _mail(mailbox, ada.email, "email_changed_old_address")
    words = told.get_body(("plain",))
    assert words is not None
    assert new in words.get_content()
    [notice] = await eventually(lambda: _inbox(stack, ada, "security"))
    assert notice["title"] == "Your email address was changed"
    await _mail(mailbox, new, "security")  # the notice goes to the address the account has now


async def _login(stack: Stack, email: str, device: str | None) -> None:
    body = {"email": email, "password": PASSWORD, **({"device_id": device} if device else {})}
    status, tokens = await stack.call("POST", "/v1/auth/login", json=body)
    assert status == 200, tokens


async def test_a_sign_in_from_a_new_device_is_a_security_notice_once(
    stack: Stack, mailbox: Scripted
) -> None:
    email = f"dee.{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Dee", "home_currency": "EUR"}
    status, user = await stack.call("POST", "/v1/auth/register", json=body)
    assert status == 201, user
    await _login(stack, email, "phone")  # the first sign-in: expected, no notice
    await _login(stack, email, "phone")  # the same device again
    await _login(stack, email, None)  # no device named: nothing to compare
    await _login(stack, email, "tablet")  # a device never used: a notice
    await _login(stack, email, "tablet")
    dee = await stack.login(email)

    [notice] = await eventually(lambda: _inbox(stack, dee, "security"))
    assert notice["title"] == "New sign-in to your account"
    assert "(tablet)" in notice["body"]
    mail = await _mail(mailbox, email, "security")
    assert str(mail["Subject"]) == "New sign-in to your account"

    await _login(stack, email, "laptop")  # another new one, asked for after the tablet's twice

    async def two() -> list[dict[str, Any]] | None:
        items = await _inbox(stack, dee, "security")
        return items if len(items) >= 2 else None

    bodies = sorted(i["body"] for i in await eventually(two))
    assert ["(laptop)" in bodies[0], "(tablet)" in bodies[1]] == [True, True]
    assert len(bodies) == 2  # the phone, and the tablet's second sign-in, made none
