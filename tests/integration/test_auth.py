"""Accounts over HTTP: sign-up, login, tokens, refresh rotation and theft detection, throttling."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from tests.support.helpers import PASSWORD, Stack, eventually

pytestmark = pytest.mark.integration


def _signup_body(email: str) -> dict[str, str]:
    return {
        "email": email,
        "password": PASSWORD,
        "name": "Bo",
        "home_currency": "USD",
        "timezone": "America/New_York",
    }


async def test_register_then_me_returns_profile_without_secrets(stack: Stack) -> None:
    ada = await stack.signup(currency="JPY", tz="Asia/Tokyo")
    status, me = await stack.call("GET", "/v1/me", ada)
    assert status == 200
    assert (me["id"], me["home_currency"], me["timezone"], me["version"]) == (
        ada.id,
        "JPY",
        "Asia/Tokyo",
        1,
    )
    assert not {"password", "password_hash"} & set(me)


async def test_email_is_unique_case_insensitively(stack: Stack) -> None:
    email = f"Case.{uuid.uuid4().hex[:8]}@Example.com"
    status, _ = await stack.call("POST", "/v1/auth/register", json=_signup_body(email))
    assert status == 201
    status, problem = await stack.call(
        "POST", "/v1/auth/register", json=_signup_body(email.lower())
    )
    assert (status, problem["code"]) == (409, "email_taken")


async def test_new_user_gets_default_categories(stack: Stack) -> None:
    ada = await stack.signup()

    async def categories() -> list[str] | None:
        _, body = await stack.call("GET", "/v1/categories", ada)
        names = [c["name"] for c in body["items"]]
        return names if len(names) >= 11 else None

    names = await eventually(categories)
    assert "Groceries" in names
    assert "Travel" in names


async def test_wrong_password_is_401_and_says_nothing_about_the_account(stack: Stack) -> None:
    ada = await stack.signup()
    status, problem = await stack.call(
        "POST", "/v1/auth/login", json={"email": ada.email, "password": "nope-nope"}
    )
    assert (status, problem["code"]) == (401, "unauthorized")
    status, other = await stack.call(
        "POST", "/v1/auth/login", json={"email": "nobody-" + ada.email, "password": "nope-nope"}
    )
    assert (status, other["detail"]) == (401, problem["detail"])


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        jwt.encode(
            {
                "sub": "x",
                "sid": "y",
                "iss": "ledgerbus",
                "iat": int(time.time()),
                "exp": int(time.time()) + 60,
                "typ": "access",
            },
            key="",
            algorithm="none",
        ),
        jwt.encode(
            {
                "sub": "x",
                "sid": "y",
                "iss": "ledgerbus",
                "iat": int(time.time()),
                "exp": int(time.time()) + 60,
                "typ": "access",
            },
            key="wrong-secret-wrong-secret-wrong-secret!",
        ),
    ],
    ids=["empty", "garbage", "alg-none", "wrong-signature"],
)
async def test_bad_tokens_are_401(stack: Stack, token: str) -> None:
    status, problem = await stack.call(
        "GET", "/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert (status, problem["code"]) == (401, "unauthorized")


async def test_expired_and_tampered_tokens_are_401(stack: Stack) -> None:
    ada = await stack.signup()
    claims = jwt.decode(ada.access_token, options={"verify_signature": False})
    secret = stack.settings.jwt_secret.get_secret_value()  # type: ignore[union-attr]
    expired = jwt.encode(
        {**claims, "iat": int(time.time()) - 100, "exp": int(time.time()) - 10}, secret
    )
    status, _ = await stack.call("GET", "/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert status == 401
    header, _payload, signature = ada.access_token.split(".")
    tampered_claims = jwt.encode({**claims, "sub": str(uuid.uuid4())}, "x").split(".")[1]
    status, _ = await stack.call(
        "GET", "/v1/me", headers={"Authorization": f"Bearer {header}.{tampered_claims}.{signature}"}
    )
    assert status == 401


async def test_refresh_rotates_and_reuse_revokes_the_whole_session(stack: Stack) -> None:
    ada = await stack.signup()
    status, first = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": ada.refresh_token}
    )
    assert status == 200
    assert first["refresh_token"] != ada.refresh_token
    status, problem = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": ada.refresh_token}
    )
    assert (status, problem["code"]) == (401, "refresh_reused")
    status, _ = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert status == 401  # the family is revoked: the newest token is dead too


async def test_logout_revokes_the_session_refresh_token(stack: Stack) -> None:
    ada = await stack.signup()
    status, _ = await stack.call("POST", "/v1/auth/logout", ada)
    assert status == 204
    status, _ = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": ada.refresh_token}
    )
    assert status == 401


async def test_login_attempts_are_limited_per_account(stack: Stack) -> None:
    ada = await stack.signup()
    limit = stack.settings.login_max_per_account
    for _ in range(limit):
        status, _ = await stack.call(
            "POST", "/v1/auth/login", json={"email": ada.email, "password": "bad-password"}
        )
        assert status == 401
    status, problem = await stack.call(
        "POST", "/v1/auth/login", json={"email": ada.email, "password": PASSWORD}
    )
    assert (status, problem["code"]) == (429, "too_many_attempts")


async def test_profile_update_needs_current_version(stack: Stack) -> None:
    ada = await stack.signup()
    status, me = await stack.call(
        "PATCH", "/v1/me", ada, json={"name": "Ada L.", "expected_version": 1}
    )
    assert (status, me["name"], me["version"]) == (200, "Ada L.", 2)
    status, problem = await stack.call(
        "PATCH", "/v1/me", ada, json={"name": "X"}, headers={"If-Match": '"1"'}
    )
    assert (status, problem["current"]["name"]) == (409, "Ada L.")


async def test_access_token_of_a_logged_out_session_is_refused_over_http(stack: Stack) -> None:
    ada = await stack.signup()
    assert (await stack.call("GET", "/v1/me", ada))[0] == 200
    assert (await stack.call("POST", "/v1/auth/logout", ada))[0] == 204
    status, problem = await stack.call("GET", "/v1/me", ada)
    assert (status, problem["code"]) == (401, "unauthorized")
    body = {"amount": "1.00", "currency": "EUR", "date": "2026-11-20"}
    assert (await stack.call("POST", "/v1/expenses", ada, json=body))[0] == 401


async def test_access_token_of_a_session_revoked_for_refresh_reuse_is_refused(stack: Stack) -> None:
    ada = await stack.signup()
    status, rotated = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": ada.refresh_token}
    )
    assert status == 200
    thief = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (await stack.call("GET", "/v1/me", headers=thief))[0] == 200
    assert (
        await stack.call("POST", "/v1/auth/refresh", json={"refresh_token": ada.refresh_token})
    )[0] == 401
    status, _ = await stack.call("GET", "/v1/me", headers=thief)
    assert status == 401


async def test_sign_up_retried_with_the_same_key_but_another_password_is_refused(
    stack: Stack,
) -> None:
    email = f"retry.{uuid.uuid4().hex[:8]}@example.com"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await stack.call("POST", "/v1/auth/register", json=_signup_body(email), headers=key)
    again = await stack.call("POST", "/v1/auth/register", json=_signup_body(email), headers=key)
    assert (first[0], again[0], again[1]) == (201, 201, first[1])
    other = {**_signup_body(email), "password": "another password entirely"}
    status, problem = await stack.call("POST", "/v1/auth/register", json=other, headers=key)
    assert (status, problem["code"]) == (422, "idempotency_mismatch")
    assert (
        await stack.call("POST", "/v1/auth/login", json={"email": email, "password": PASSWORD})
    )[0] == 200


async def test_an_over_long_idempotency_key_is_refused_before_anything_is_stored(
    stack: Stack,
) -> None:
    email = f"key.{uuid.uuid4().hex[:8]}@example.com"
    status, _ = await stack.call(
        "POST",
        "/v1/auth/register",
        json=_signup_body(email),
        headers={"Idempotency-Key": "k" * 300},
    )
    assert status == 400
    assert (await stack.call("POST", "/v1/auth/register", json=_signup_body(email)))[0] == 201


async def test_default_categories_survive_someone_squatting_their_ids(stack: Stack) -> None:
    from actors.expenses.catalog import default_category_id
    from bus.ids import derived_id, scoped_command_id

    email = f"squat.{uuid.uuid4().hex[:8]}@example.com"
    key = str(uuid.uuid4())
    future_user = derived_id("user", scoped_command_id(f"signup:{email}", key))
    squatter = await stack.signup("Mallory")
    taken = default_category_id(future_user, "Groceries")
    status, _ = await stack.call(
        "POST", "/v1/categories", squatter, json={"id": taken, "name": "Mine"}
    )
    assert status == 201
    status, user = await stack.call(
        "POST", "/v1/auth/register", json=_signup_body(email), headers={"Idempotency-Key": key}
    )
    assert (status, user["id"]) == (201, future_user)
    victim = await stack.login(email)

    async def names() -> list[str] | None:
        _, body = await stack.call("GET", "/v1/categories", victim)
        found = [c["name"] for c in body["items"]]
        return found if len(found) >= 11 else None

    assert "Groceries" in await eventually(names)


async def test_concurrent_failed_logins_cannot_slip_past_the_limit(stack: Stack) -> None:
    import asyncio

    ada = await stack.signup()
    limit = stack.settings.login_max_per_account
    wrong = {"email": ada.email, "password": "wrong-password"}
    results = await asyncio.gather(
        *(stack.call("POST", "/v1/auth/login", json=wrong) for _ in range(limit * 3))
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [401] * limit + [429] * (limit * 2)


async def test_a_successful_login_does_not_count_against_the_limit(stack: Stack) -> None:
    ada = await stack.signup()
    for _ in range(stack.settings.login_max_per_account + 2):
        status, _ = await stack.call(
            "POST", "/v1/auth/login", json={"email": ada.email, "password": PASSWORD}
        )
        assert status == 200
