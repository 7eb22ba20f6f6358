"""Deleting an account on the running stack: the current password is asked; sign-in, sessions
and sockets end at once; every actor then erases what it kept of the person, read back from the
database itself; a group the person shared keeps their shares under "Former member" and still
balances; and the address can sign up again as a new account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from beanie import Document

from bus.envelopes import utcnow
from storage.account_tokens import AccountTokenDoc
from storage.accounts import Credential, SessionDoc, UserDoc
from storage.budgets import BudgetDoc, GoalDoc, RecurringDoc, SpendDoc
from storage.fraud import FraudProfileDoc, RiskDoc
from storage.groups import GroupDoc, GroupEntryDoc
from storage.ledger import CategoryDoc, ExpenseDoc
from storage.notification_preferences import PreferencesDoc
from storage.notifications import NotificationDoc
from storage.receipts import BUCKET, ReceiptDoc
from tests.support.group_helpers import add_bill, balances, equal_bill, make_group, nets, zero_sum
from tests.support.helpers import PASSWORD, Account, Stack, eventually
from tests.support.receipt_files import receipt_png
from tests.support.receipt_helpers import upload
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration


async def _made(stack: Stack, who: Account, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, made = await stack.call("POST", path, who, json=body)
    assert status == 201, made
    return made  # type: ignore[no-any-return]


async def _counts(user_id: str) -> dict[str, int]:
    """What the database still keeps of ``user_id``, per kind of record."""
    scope = f"user:{user_id}"
    queries: list[tuple[type[Document], dict[str, Any]]] = [
        (UserDoc, {"_id": user_id}),
        (Credential, {"_id": user_id}),
        (AccountTokenDoc, {"user_id": user_id}),
        (ExpenseDoc, {"owner_id": user_id}),
        (CategoryDoc, {"owner_id": user_id}),
        (BudgetDoc, {"scope": scope}),
        (SpendDoc, {"scope": scope}),
        (GoalDoc, {"scope": scope}),
        (RecurringDoc, {"owner_id": user_id}),
        (ReceiptDoc, {"owner_id": user_id}),
        (RiskDoc, {"owner_id": user_id}),
        (FraudProfileDoc, {"_id": user_id}),
        (NotificationDoc, {"recipient_id": user_id}),
        (PreferencesDoc, {"_id": user_id}),
    ]
    counts = {model.__name__: await model.find(query).count() for model, query in queries}
    files = ReceiptDoc.get_pymongo_collection().database[f"{BUCKET}.files"]
    counts["images"] = await files.count_documents({"metadata.owner_id": user_id})
    return counts


async def _fill(stack: Stack, ada: Account, bob: Account) -> dict[str, Any]:
    """Ada's own data in every actor, and a group she shares with Bob, where Bob owes her."""
    await _made(
        stack,
        ada,
        "/v1/expenses",
        {"amount": "12.30", "currency": "EUR", "date": "2026-11-20", "description": "lunch"},
    )
    await _made(stack, ada, "/v1/budgets", {"name": "Food", "amount": "100.00", "currency": "EUR"})
    await _made(
        stack, ada, "/v1/goals", {"name": "Bike", "target_amount": "700.00", "currency": "EUR"}
    )
    template = {"amount": "9.99", "currency": "EUR", "description": "streaming"}
    start = utcnow().date().isoformat()
    await _made(
        stack,
        ada,
        "/v1/recurring",
        {"template": template, "every": 1, "unit": "month", "start_date": start},
    )
    status, receipt = await upload(stack, ada, receipt_png())
    assert status == 202, receipt
    status, prefs = await stack.call(
        "PATCH",
        "/v1/notifications/preferences",
        ada,
        json={"kinds": {"group_bill": {"email": False}}},
    )
    assert status == 200, prefs
    shared = await make_group(stack, ada, bob)
    await add_bill(stack, ada, shared["id"], equal_bill("30.00", ada, [ada, bob]))
    alone = await make_group(stack, ada)
    invite = await _made(stack, ada, f"/v1/groups/{shared['id']}/invites", {})
    return {"shared": shared, "alone": alone, "invite": invite}


async def test_a_deleted_account_is_erased_everywhere_and_its_groups_still_balance(
    stack: Stack,
) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    made = await _fill(stack, ada, bob)
    gid = made["shared"]["id"]

    async def everything_kept() -> dict[str, int] | None:  # each actor has applied its part
        counts = await _counts(ada.id)
        needed = ("ExpenseDoc", "SpendDoc", "RiskDoc", "ReceiptDoc", "images")
        return counts if all(counts[k] for k in needed) else None

    before = await eventually(everything_kept)
    assert before["UserDoc"] == before["Credential"] == before["PreferencesDoc"] == 1
    phone = await stack.login(ada.email)
    device = await open_device(stack.base_url, phone.access_token)
    try:
        status, problem = await stack.call(
            "POST", "/v1/me/delete", ada, json={"current_password": "not the password"}
        )
        assert (status, problem["code"]) == (403, "wrong_password")
        status, problem = await stack.call("POST", "/v1/me/delete", ada, json={})
        assert status == 422, problem
        status, body = await stack.call(
            "POST", "/v1/me/delete", ada, json={"current_password": PASSWORD}
        )
        assert (status, body) == (204, None)
        await device.wait_disconnected()  # the other device's socket closes
    finally:
        await device.close()

    # At once: no sign-in, no session, no token works.
    assert (await stack.call("GET", "/v1/me", ada))[0] == 401
    assert (await stack.call("GET", "/v1/me", phone))[0] == 401
    status, _ = await stack.call(
        "POST", "/v1/auth/login", json={"email": ada.email, "password": PASSWORD}
    )
    assert status == 401
    status, _ = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": phone.refresh_token}
    )
    assert status == 401
    assert await SessionDoc.find({"user_id": ada.id}).count() == 0  # not even revoked ones

    # Moments later: every actor has erased its part.
    async def erased() -> dict[str, int] | None:
        counts = await _counts(ada.id)
        return counts if not any(counts.values()) else None

    await eventually(erased)

    # The shared group: Bob owns it; Ada's share stays under "Former member", and it balances.
    status, group = await stack.call("GET", f"/v1/groups/{gid}", bob)
    assert status == 200, group
    assert [(m["user_id"], m["role"]) for m in group["members"]] == [(bob.id, "owner")]
    assert [(f["user_id"], f["name"]) for f in group["former_members"]] == [
        (ada.id, "Former member")
    ]
    body = await balances(stack, bob, gid)
    assert zero_sum(body)
    assert nets(body)[(bob.id, "EUR")] == Decimal("-15.00")
    assert nets(body)[(ada.id, "EUR")] == Decimal("15.00")
    status, bills = await stack.call("GET", f"/v1/groups/{gid}/expenses", bob)
    assert (status, len(bills["items"])) == (200, 1), bills
    status, problem = await stack.call(  # no new bill can name her
        "POST", f"/v1/groups/{gid}/expenses", bob, json=equal_bill("8.00", bob, [ada, bob])
    )
    assert (status, problem["code"]) == (404, "not_member"), problem
    status, problem = await stack.call(
        "POST", made["invite"]["accept_path"], await stack.signup("Cy")
    )
    assert (status, problem["detail"]) == (422, "this invite was revoked")  # lets no one in
    # The group she was alone in is gone, entries and all.
    assert await GroupDoc.get(made["alone"]["id"]) is None
    assert await GroupEntryDoc.find({"group_id": made["alone"]["id"]}).count() == 0

    # The address is free: it signs up again, as a new account with nothing of the old one.
    status, again = await stack.call(
        "POST",
        "/v1/auth/register",
        json={
            "email": ada.email,
            "password": PASSWORD,
            "name": "Ada",
            "home_currency": "EUR",
            "timezone": "Europe/Paris",
        },
    )
    assert status == 201, again
    assert again["id"] != ada.id
    fresh = await stack.login(ada.email)
    status, groups = await stack.call("GET", "/v1/groups", fresh)
    assert (status, groups["items"]) == (200, [])


async def test_a_sign_up_key_spent_on_a_deleted_account_is_refused_not_answered_with_it(
    stack: Stack,
) -> None:
    """A sign-up's Idempotency-Key names its account. Once that account is deleted, the same
    key must not answer 201 with the erased account (whose sign-in would then fail): it is a
    409 that says to use a new key, and a new key signs the address up afresh."""
    email = f"key.{utcnow().timestamp():.0f}.{id(stack)}@example.com"
    signup = {
        "email": email,
        "password": PASSWORD,
        "name": "Kay",
        "home_currency": "EUR",
        "timezone": "Europe/Paris",
    }
    first_key = {"Idempotency-Key": "signup-kay-1"}
    status, first = await stack.call("POST", "/v1/auth/register", json=signup, headers=first_key)
    assert status == 201, first
    status, again = await stack.call("POST", "/v1/auth/register", json=signup, headers=first_key)
    assert (status, again["id"]) == (201, first["id"])  # a retry is the same sign-up
    kay = await stack.login(email)
    status, _ = await stack.call("POST", "/v1/me/delete", kay, json={"current_password": PASSWORD})
    assert status == 204

    status, problem = await stack.call("POST", "/v1/auth/register", json=signup, headers=first_key)
    assert (status, problem["code"]) == (409, "idempotency_key_used"), problem
    assert await Credential.find_one(Credential.email_lower == email) is None  # nothing left

    status, fresh = await stack.call(
        "POST", "/v1/auth/register", json=signup, headers={"Idempotency-Key": "signup-kay-2"}
    )
    assert status == 201, fresh
    assert fresh["id"] != first["id"]
    assert (await stack.login(email)).id == fresh["id"]
