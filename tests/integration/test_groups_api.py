"""Groups over HTTP against the running stack: membership, bills, balances and access."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.integration.test_currency_api import operator_sets
from tests.support.group_helpers import add_bill, balances, equal_bill, make_group, nets, zero_sum
from tests.support.helpers import Stack, eventually

pytestmark = pytest.mark.integration


async def test_an_equal_bill_among_three_balances_to_the_cent(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob, cy)
    assert [m["role"] for m in group["members"]] == ["owner", "member", "member"]
    expense = await add_bill(stack, ada, group["id"], equal_bill("100.00", ada, [ada, bob, cy]))
    owed = {s["user_id"]: s["owed_share"] for s in expense["shares"]}
    first = min(ada.id, bob.id, cy.id)  # the leftover cent goes to the smallest user id
    assert owed[first] == "33.34"
    assert sorted(owed.values()) == ["33.33", "33.33", "33.34"]
    body = await balances(stack, bob, group["id"])
    assert zero_sum(body)
    assert nets(body)[(bob.id, "EUR")] == -Decimal(owed[bob.id])
    assert nets(body)[(ada.id, "EUR")] == Decimal("100.00") - Decimal(owed[ada.id])
    debts = {(d["from"], d["to"]): d["amount"] for d in body["debts"]}
    assert debts[(bob.id, ada.id)] == owed[bob.id]
    assert len(body["plan"]) == 2
    status, explained = await stack.call(
        "GET", f"/v1/groups/{group['id']}/balances/{bob.id}/explain", bob
    )
    assert status == 200, explained
    assert [i["id"] for i in explained["items"]] == [expense["id"]]
    assert Decimal(explained["items"][0]["effect"]) == nets(body)[(bob.id, "EUR")]


async def test_strangers_get_404_and_members_get_403_for_admin_actions(stack: Stack) -> None:
    ada, bob, eve = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Eve")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    bill = equal_bill("10.00", ada, [ada, bob])
    for method, path, kwargs in (
        ("GET", f"/v1/groups/{gid}", {}),
        ("GET", f"/v1/groups/{gid}/balances", {}),
        ("GET", f"/v1/groups/{gid}/expenses", {}),
        ("GET", f"/v1/groups/{gid}/activity", {}),
        ("GET", f"/v1/groups/{gid}/stats", {}),
        ("GET", f"/v1/groups/{gid}/balances/{ada.id}/explain", {}),
        ("POST", f"/v1/groups/{gid}/expenses", {"json": bill}),
        ("POST", f"/v1/groups/{gid}/members", {"json": {"email": eve.email}}),
        ("PATCH", f"/v1/groups/{gid}", {"json": {"name": "mine"}}),
    ):
        status, body = await stack.call(method, path, eve, **kwargs)
        assert status == 404, (method, path, body)
    status, body = await stack.call(
        "POST", f"/v1/groups/{gid}/members", bob, json={"email": eve.email}
    )
    assert (status, body["code"]) == (403, "forbidden")
    status, body = await stack.call("PATCH", f"/v1/groups/{gid}", bob, json={"name": "Bob's"})
    assert status == 403
    status, body = await stack.call("POST", f"/v1/groups/{gid}/invites", bob, json={})
    assert status == 403
    status, groups = await stack.call("GET", "/v1/groups", eve)
    assert gid not in [g["id"] for g in groups["items"]]
    status, groups = await stack.call("GET", "/v1/groups", bob)
    assert gid in [g["id"] for g in groups["items"]]


async def test_bills_that_do_not_add_up_are_refused_saying_by_how_much(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    path = f"/v1/groups/{group['id']}/expenses"

    async def refused(bill: dict[str, object]) -> dict[str, object]:
        status, body = await stack.call("POST", path, ada, json=bill)
        assert status == 422, body
        return body  # type: ignore[no-any-return]

    base = equal_bill("100.00", ada, [ada, bob])
    exact = {
        **base,
        "split": {
            "method": "exact",
            "shares": [
                {"user_id": ada.id, "value": "60.00"},
                {"user_id": bob.id, "value": "35.00"},
            ],
        },
    }
    body = await refused(exact)
    assert "5.00 short" in str(body["detail"])
    assert body["errors"][0]["loc"] == ["body", "split", "shares"]
    percent = {
        **base,
        "split": {
            "method": "percent",
            "shares": [{"user_id": ada.id, "value": "50"}, {"user_id": bob.id, "value": "49.5"}],
        },
    }
    assert "0.5 short of 100" in str((await refused(percent))["detail"])
    payers = {**base, "paid_by": [{"user_id": ada.id, "amount": "90.00"}]}
    assert "10.00 short" in str((await refused(payers))["detail"])
    twice = {**base, "split": {"method": "equal", "members": [ada.id, ada.id]}}
    await refused(twice)
    negative = {
        **base,
        "split": {
            "method": "shares",
            "shares": [{"user_id": ada.id, "value": "-1"}, {"user_id": bob.id, "value": "2"}],
        },
    }
    await refused(negative)
    eve = await stack.signup("Eve")
    outsider = {**base, "split": {"method": "equal", "members": [ada.id, eve.id]}}
    status, body = await stack.call("POST", path, ada, json=outsider)
    assert (status, body["code"]) == (404, "not_member"), body  # who is named is not a member
    assert body["errors"][0]["loc"] == ["body", "split", "members", "1"]
    too_precise = {
        **base,
        "amount": "100.001",
        "paid_by": [{"user_id": ada.id, "amount": "100.001"}],
    }
    await refused(too_precise)
    status, body = await stack.call("POST", path, ada, json={**base, "surprise": 1})
    assert status == 422
    status, body = await stack.call(
        "POST", path, ada, data="{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    status, listed = await stack.call("GET", path, ada)
    assert listed["items"] == []  # nothing written by any refusal
    assert (await balances(stack, ada, group["id"]))["members"] == []


async def test_every_split_method_and_several_payers(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob, cy)
    gid = group["id"]
    paid_by = [{"user_id": ada.id, "amount": "60.00"}, {"user_id": bob.id, "amount": "40.00"}]
    splits = [
        {
            "method": "exact",
            "shares": [
                {"user_id": ada.id, "value": "20.00"},
                {"user_id": bob.id, "value": "30.00"},
                {"user_id": cy.id, "value": "50.00"},
            ],
        },
        {
            "method": "percent",
            "shares": [
                {"user_id": ada.id, "value": "25"},
                {"user_id": bob.id, "value": "25"},
                {"user_id": cy.id, "value": "50"},
            ],
        },
        {
            "method": "shares",
            "shares": [
                {"user_id": ada.id, "value": "1"},
                {"user_id": bob.id, "value": "1"},
                {"user_id": cy.id, "value": "2"},
            ],
        },
        {
            "method": "adjustment",
            "shares": [
                {"user_id": ada.id, "value": "-10.00"},
                {"user_id": bob.id, "value": "0"},
                {"user_id": cy.id, "value": "10.00"},
            ],
        },
    ]
    cy_owes = []
    for split in splits:
        bill = {**equal_bill("100.00", ada, [ada, bob, cy]), "paid_by": paid_by, "split": split}
        expense = await add_bill(stack, bob, gid, bill)
        paid = sum(Decimal(s["paid_share"]) for s in expense["shares"])
        owed = sum(Decimal(s["owed_share"]) for s in expense["shares"])
        assert paid == owed == Decimal("100.00"), (split["method"], expense["shares"])
        cy_owes += [Decimal(s["owed_share"]) for s in expense["shares"] if s["user_id"] == cy.id]
    # exact 50, percent 50, shares 50, adjustment 100/3 + 10 (the odd cent by user id order)
    assert cy_owes[:3] == [Decimal("50.00")] * 3
    assert cy_owes[3] in (Decimal("43.33"), Decimal("43.34"))
    body = await balances(stack, cy, gid)
    assert zero_sum(body)
    assert nets(body)[(cy.id, "EUR")] == -sum(cy_owes)
    assert len(body["plan"]) <= 2


async def test_a_stale_edit_gets_409_with_the_current_expense(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    expense = await add_bill(stack, ada, gid, equal_bill("30.00", ada, [ada, bob]))
    path = f"/v1/groups/{gid}/expenses/{expense['id']}"
    status, edited = await stack.call(
        "PATCH", path, bob, json={"description": "pizza", "expected_version": 1}
    )
    assert (status, edited["version"]) == (200, 2)
    status, body = await stack.call(
        "PATCH", path, ada, json={"description": "sushi", "expected_version": 1}
    )
    assert (status, body["code"]) == (409, "conflict")
    assert body["current"]["description"] == "pizza"
    new_bill = {
        "amount": "45.00",
        "paid_by": [{"user_id": ada.id, "amount": "45.00"}],
        "expected_version": 2,
    }
    status, edited = await stack.call("PATCH", path, ada, json=new_bill)
    assert status == 200, edited
    assert nets(await balances(stack, ada, gid))[(bob.id, "EUR")] == Decimal("-22.50")
    status, _ = await stack.call("DELETE", path, bob, headers={"If-Match": '"1"'})
    assert status == 409
    status, gone = await stack.call("DELETE", path, bob, headers={"If-Match": '"3"'})
    assert (status, gone["deleted"]) == (200, True)
    assert (await balances(stack, ada, gid))["members"] == []
    status, _ = await stack.call("GET", path, ada)
    assert status == 404


async def test_settling_up_including_a_share_of_one_bill(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob, cy)
    gid = group["id"]
    expense = await add_bill(stack, ada, gid, equal_bill("90.00", ada, [ada, bob, cy]))
    status, paid = await stack.call(
        "POST",
        f"/v1/groups/{gid}/settlements",
        bob,
        json={"from_user": bob.id, "expense_id": expense["id"]},
    )
    assert status == 201, paid
    assert (paid["to_user"], paid["amount"], paid["kind"]) == (ada.id, "30.00", "settlement")
    status, cash = await stack.call(
        "POST",
        f"/v1/groups/{gid}/settlements",
        cy,
        json={"from_user": cy.id, "to_user": ada.id, "amount": "10.00", "currency": "EUR"},
    )
    assert status == 201, cash
    body = await balances(stack, ada, gid)
    assert zero_sum(body)
    assert nets(body) == {(ada.id, "EUR"): Decimal("20.00"), (cy.id, "EUR"): Decimal("-20.00")}
    assert body["plan"] == [{"from": cy.id, "to": ada.id, "amount": "20.00", "currency": "EUR"}]
    status, explained = await stack.call("GET", f"/v1/groups/{gid}/balances/{cy.id}/explain", ada)
    assert sum(Decimal(i["effect"]) for i in explained["items"]) == Decimal("-20.00")
    assert [i["kind"] for i in explained["items"]] == ["expense", "settlement"]
    status, listed = await stack.call("GET", f"/v1/groups/{gid}/settlements", cy)
    assert len(listed["items"]) == 2
    status, _ = await stack.call(
        "POST",
        f"/v1/groups/{gid}/settlements",
        cy,
        json={"from_user": cy.id, "to_user": cy.id, "amount": "1.00", "currency": "EUR"},
    )
    assert status == 422


async def test_a_bill_in_another_currency_records_its_rate_and_one_without_a_rate_waits(
    stack: Stack,
) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    dollars = await add_bill(
        stack, ada, gid, equal_bill("100.00", ada, [ada, bob], currency="USD", date="2024-03-15")
    )
    assert dollars["rate_status"] == "ok"
    assert dollars["balance_currency"] == "EUR"
    rate = Decimal(dollars["rate"])
    assert Decimal(dollars["group_amount"]) == (Decimal("100.00") * rate).quantize(Decimal("0.01"))
    assert dollars["rate_date"] == "2024-03-15"
    assert dollars["shares"][0]["owed_share"] == "50.00"  # the original stays as it was
    pesos = await add_bill(
        stack, ada, gid, equal_bill("5000", ada, [ada, bob], currency="CLP", date="2026-11-04")
    )
    assert (pesos["rate_status"], pesos["group_amount"]) == ("missing", None)
    assert pesos["balance_currency"] == "CLP"
    body = await balances(stack, bob, gid)
    assert zero_sum(body)
    assert nets(body)[(bob.id, "CLP")] == Decimal("-2500")
    euros_before = nets(body)[(bob.id, "EUR")]
    status, payment = await stack.call(
        "POST",
        f"/v1/groups/{gid}/settlements",
        bob,
        json={
            "from_user": bob.id,
            "to_user": ada.id,
            "amount": "20.00",
            "currency": "USD",
            "date": "2024-03-15",
        },
    )
    assert status == 201, payment
    assert (payment["rate"], payment["balance_currency"]) == (dollars["rate"], "EUR")
    # A rate arrives: the waiting bill moves to the group currency's line.
    code, out = await operator_sets(stack, "2026-11-04", "CLP=1000")
    assert code == 0, out

    async def converted() -> dict[str, object] | None:
        _, bill = await stack.call("GET", f"/v1/groups/{gid}/expenses/{pesos['id']}", ada)
        return bill if bill["rate_status"] == "ok" else None  # type: ignore[no-any-return]

    bill = await eventually(converted)
    assert (bill["group_amount"], bill["balance_currency"]) == ("5.00", "EUR")
    after = await balances(stack, bob, gid)
    assert zero_sum(after)
    assert (bob.id, "CLP") not in nets(after)
    paid = Decimal(payment["group_amount"])
    assert nets(after)[(bob.id, "EUR")] == euros_before + paid - Decimal("2.50")


async def test_a_member_with_a_balance_leaves_only_by_an_explicit_decision(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob, cy)
    gid = group["id"]
    await add_bill(stack, ada, gid, equal_bill("30.00", ada, [ada, bob, cy]))
    status, body = await stack.call("POST", f"/v1/groups/{gid}/leave", bob, json={})
    assert (status, body["code"]) == (409, "balance_open"), body  # settle first: a state
    assert "-10.00 EUR" in body["detail"]
    status, body = await stack.call("DELETE", f"/v1/groups/{gid}/members/{bob.id}", ada)
    assert (status, body["code"]) == (409, "balance_open"), body
    status, left = await stack.call(
        "POST", f"/v1/groups/{gid}/leave", bob, json={"balance": "write_off"}
    )
    assert status == 200, left
    assert bob.id not in [m["user_id"] for m in left["members"]]
    body = await balances(stack, ada, gid)
    assert zero_sum(body)
    assert (bob.id, "EUR") not in nets(body)
    assert nets(body)[(ada.id, "EUR")] == Decimal("15.00")  # Bob's 10.00 taken on by Ada and Cy
    status, _ = await stack.call("GET", f"/v1/groups/{gid}", bob)
    assert status == 404  # access ends at once
    status, activity = await stack.call("GET", f"/v1/groups/{gid}/activity", ada)
    types = [e["type"] for e in activity["items"]]
    assert types[:2] == ["group.member_left", "write_off.created"]
    status, body = await stack.call("POST", f"/v1/groups/{gid}/leave", ada, json={})
    assert (status, body["code"]) == (409, "owner_stays"), body  # hand ownership on first
    assert body["current"]["id"] == gid


async def test_invite_links_expire_run_out_and_can_be_revoked(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada)
    gid = group["id"]
    status, invite = await stack.call(
        "POST", f"/v1/groups/{gid}/invites", ada, json={"max_uses": 1, "expires_in_s": 3600}
    )
    assert status == 201, invite
    assert "token" in invite
    assert invite["uses"] == 0
    assert invite["token"] not in str(invite["id"])
    status, joined = await stack.call("POST", invite["accept_path"], bob)
    assert status == 200, joined
    assert bob.id in [m["user_id"] for m in joined["members"]]
    status, body = await stack.call("POST", invite["accept_path"], cy)
    assert (status, body["detail"]) == (422, "this invite has been used up")
    status, body = await stack.call("POST", "/v1/invites/not-a-real-token-at-all/accept", cy)
    assert status == 404
    status, second = await stack.call("POST", f"/v1/groups/{gid}/invites", ada, json={})
    status, _ = await stack.call("DELETE", f"/v1/groups/{gid}/invites/{second['id']}", ada)
    assert status == 200
    status, body = await stack.call("POST", second["accept_path"], cy)
    assert (status, body["detail"]) == (422, "this invite was revoked")
    status, body = await stack.call(
        "POST", f"/v1/groups/{gid}/invites", ada, json={"expires_in_s": 10}
    )
    assert status == 422  # under a minute
    key = {"Idempotency-Key": "invite-1"}
    status, first = await stack.call("POST", f"/v1/groups/{gid}/invites", ada, json={}, headers=key)
    status, again = await stack.call("POST", f"/v1/groups/{gid}/invites", ada, json={}, headers=key)
    assert first["token"] == again["token"]  # a retried request still shows its token


async def test_balances_as_of_a_past_moment_come_from_the_event_log(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    first = await add_bill(stack, ada, gid, equal_bill("20.00", ada, [ada, bob]))
    then = (await balances(stack, ada, gid))["updated_at"]
    await add_bill(stack, bob, gid, equal_bill("50.00", bob, [ada, bob]))
    status, _ = await stack.call(
        "DELETE", f"/v1/groups/{gid}/expenses/{first['id']}", ada, headers={"If-Match": '"1"'}
    )
    now = await balances(stack, ada, gid)
    assert nets(now)[(ada.id, "EUR")] == Decimal("-25.00")
    past = await balances(stack, ada, gid, as_of=then)
    assert nets(past) == {(ada.id, "EUR"): Decimal("10.00"), (bob.id, "EUR"): Decimal("-10.00")}
    assert past["as_of"] is not None
    before = await balances(stack, ada, gid, as_of="2000-01-01T00:00:00+00:00")
    assert before["members"] == []
    present = await balances(stack, ada, gid, as_of="2099-01-01T00:00:00+00:00")
    assert nets(present) == nets(now)
    status, _ = await stack.call(
        "GET", f"/v1/groups/{gid}/balances", ada, params={"as_of": "yesterday"}
    )
    assert status == 422


async def test_stats_and_activity(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    await add_bill(stack, ada, gid, equal_bill("20.00", ada, [ada, bob], category="Food"))
    await add_bill(
        stack, bob, gid, equal_bill("40.00", bob, [ada, bob], category="Rent", date="2026-10-01")
    )
    status, stats = await stack.call("GET", f"/v1/groups/{gid}/stats", ada)
    assert status == 200, stats
    assert stats["expenses"] == 2
    assert stats["totals"] == [{"currency": "EUR", "amount": "60.00"}]
    by_member = {m["user_id"]: (m["paid"], m["share"]) for m in stats["members"]}
    assert by_member == {ada.id: ("20.00", "30.00"), bob.id: ("40.00", "30.00")}
    assert {c["category"]: c["amount"] for c in stats["categories"]} == {
        "Food": "20.00",
        "Rent": "40.00",
    }
    assert [m["month"] for m in stats["months"]] == ["2026-10", "2026-11"]
    status, page = await stack.call("GET", f"/v1/groups/{gid}/activity", bob, params={"limit": "2"})
    assert [e["type"] for e in page["items"]] == ["group_expense.created"] * 2
    assert page["items"][0]["seq"] > page["items"][1]["seq"]
    status, rest = await stack.call(
        "GET", f"/v1/groups/{gid}/activity", bob, params={"before": str(page["next_before"])}
    )
    assert [e["type"] for e in rest["items"]][-1] == "group.created"


async def test_a_bill_without_a_split_uses_the_groups_default(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob, cy)
    bill = equal_bill("9.00", bob, [])
    del bill["split"]
    expense = await add_bill(stack, bob, group["id"], bill)
    assert expense["split"] == {"method": "equal", "members": [ada.id, bob.id, cy.id]}
    assert {s["owed_share"] for s in expense["shares"]} == {"3.00"}
    status, changed = await stack.call(
        "PATCH",
        f"/v1/groups/{group['id']}",
        ada,
        json={"settings": {"default_split": "percent", "simplify_debts": False}},
    )
    assert status == 200, changed
    status, body = await stack.call("POST", f"/v1/groups/{group['id']}/expenses", bob, json=bill)
    assert (status, body["code"]) == (409, "split_required"), body
    assert "default split is percent" in body["detail"]
    shown = await balances(stack, ada, group["id"])
    assert shown["simplify_debts"] is False
    assert shown["plan"] == shown["debts"]


async def test_past_balances_start_from_a_snapshot_and_fold_the_rest(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from actors.splits import books
    from actors.splits.history import replay
    from storage.group_reads import entry_changes
    from storage.groups import GroupBalanceSnapshotDoc

    monkeypatch.setattr(books, "SNAPSHOT_EVERY", 3)
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    moments = []
    for n in range(1, 8):
        await add_bill(stack, ada if n % 2 else bob, gid, equal_bill(f"{n}0.00", ada, [ada, bob]))
        moments.append((await balances(stack, ada, gid))["updated_at"])
    snapshots = await GroupBalanceSnapshotDoc.find({"group_id": gid}).to_list()
    assert sorted(s.version for s in snapshots) == [3, 6]
    for n, moment in enumerate(moments, start=1):
        past = await balances(stack, ada, gid, as_of=moment)
        assert past["version"] == n
        folded = replay(await entry_changes(gid, datetime.fromisoformat(moment)))
        assert nets(past) == {(u, c): v for u, c, v in folded.member_nets()}
    # Ada paid all seven bills (10 + 20 + ... + 70 = 280), half of each is Bob's.
    assert nets(await balances(stack, ada, gid))[(bob.id, "EUR")] == Decimal("-140.00")
    assert datetime.fromisoformat(moments[-1]) <= datetime.now(UTC)


async def test_what_a_departed_member_was_part_of_stays_as_it_was(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob, cy)
    gid = group["id"]
    bill = await add_bill(stack, ada, gid, equal_bill("30.00", ada, [ada, bob, cy]))
    status, _ = await stack.call(
        "POST", f"/v1/groups/{gid}/leave", cy, json={"balance": "write_off"}
    )
    assert status == 200
    before = await balances(stack, ada, gid)
    path = f"/v1/groups/{gid}/expenses/{bill['id']}"
    status, body = await stack.call("DELETE", path, ada, headers={"If-Match": '"1"'})
    assert (status, body["code"]) == (409, "member_left"), body
    assert "has left the group" in body["detail"]
    status, body = await stack.call(
        "PATCH",
        path,
        ada,
        json={"amount": "60.00", "paid_by": [{"user_id": ada.id, "amount": "60.00"}]},
    )
    assert (status, body["code"]) == (409, "member_left"), body
    status, renamed = await stack.call("PATCH", path, ada, json={"description": "still fine"})
    assert status == 200, renamed
    after = await balances(stack, ada, gid)
    assert (after["members"], after["debts"], after["plan"]) == (
        before["members"],
        before["debts"],
        before["plan"],
    )


async def test_settlements_are_checked_like_bills(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob, cy)
    gid = group["id"]
    path = f"/v1/groups/{gid}/settlements"
    two_payers = {
        **equal_bill("90.00", ada, [ada, bob, cy]),
        "paid_by": [{"user_id": ada.id, "amount": "50.00"}, {"user_id": bob.id, "amount": "40.00"}],
    }
    bill = await add_bill(stack, ada, gid, two_payers)
    status, body = await stack.call(
        "POST", path, cy, json={"from_user": cy.id, "expense_id": bill["id"]}
    )
    assert status == 422
    assert "several payers" in body["detail"]
    share = {"from_user": cy.id, "expense_id": bill["id"], "to_user": ada.id}
    status, paid = await stack.call("POST", path, cy, json=share)
    assert status == 201, paid
    status, body = await stack.call("POST", path, cy, json=share)
    assert (status, body["code"]) == (409, "already_paid"), body
    assert "already marked as paid" in body["detail"]
    status, body = await stack.call(
        "POST",
        path,
        cy,
        json={"from_user": bob.id, "to_user": ada.id, "amount": "5.00", "currency": "EUR"},
    )
    assert status == 403  # Cy records a payment between two others: only they or an admin may
    status, body = await stack.call(
        "POST", path, cy, json={**share, "expense_id": None, "amount": "1.001", "currency": "EUR"}
    )
    assert status == 422
    huge = {
        **equal_bill("10.00", ada, [ada, bob]),
        "split": {
            "method": "exact",
            "shares": [
                {"user_id": ada.id, "value": "9" * 29},
                {"user_id": bob.id, "value": "1.00"},
            ],
        },
    }
    status, body = await stack.call("POST", f"/v1/groups/{gid}/expenses", ada, json=huge)
    assert status == 422, body
