"""Over HTTP against the running stack: a well-formed group request that the group's current
state refuses is 409 with a stable code and the group as it stands; a member the request names
who is not one is 404 ``not_member``."""

from __future__ import annotations

import pytest

from tests.support.budget_helpers import make_budget
from tests.support.group_helpers import make_group
from tests.support.helpers import Stack

pytestmark = pytest.mark.integration


async def test_adding_or_inviting_a_member_again_is_409_already_member(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    status, body = await stack.call(
        "POST", f"/v1/groups/{gid}/members", ada, json={"email": bob.email}
    )
    assert (status, body["code"]) == (409, "already_member"), body
    assert body["current"]["id"] == gid
    assert sorted(m["user_id"] for m in body["current"]["members"]) == sorted([ada.id, bob.id])
    status, invite = await stack.call("POST", f"/v1/groups/{gid}/invites", ada, json={})
    assert status == 201, invite
    status, body = await stack.call("POST", invite["accept_path"], bob)
    assert (status, body["code"]) == (409, "already_member"), body


async def test_the_last_member_does_not_leave_409_and_a_stranger_named_is_404(
    stack: Stack,
) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada)
    gid = group["id"]
    status, body = await stack.call("POST", f"/v1/groups/{gid}/leave", ada, json={})
    assert (status, body["code"]) == (409, "last_member"), body
    assert body["current"]["id"] == gid
    for method, path, kwargs in (
        ("PATCH", f"/v1/groups/{gid}/members/{bob.id}", {"json": {"role": "admin"}}),
        ("DELETE", f"/v1/groups/{gid}/members/{bob.id}", {}),
        ("POST", f"/v1/groups/{gid}/reminders", {"json": {"user_id": bob.id}}),
    ):
        status, body = await stack.call(method, path, ada, **kwargs)
        assert (status, body["code"]) == (404, "not_member"), (method, path, body)
    status, body = await stack.call("DELETE", f"/v1/groups/{gid}/members/{ada.id}", ada)
    assert (status, body["code"]) == (409, "use_leave"), body
    status, body = await stack.call(
        "POST", f"/v1/groups/{gid}/members", ada, json={"email": "nobody@example.org"}
    )
    assert (status, body["code"]) == (404, "not_found"), body  # no such account


async def test_writes_to_an_archived_group_are_409_group_archived(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    status, body = await stack.call("POST", f"/v1/groups/{gid}/archive", ada, json={})
    assert status == 200, body
    status, body = await stack.call("POST", f"/v1/groups/{gid}/leave", bob, json={})
    assert (status, body["code"]) == (409, "group_archived"), body


async def test_a_budget_changed_with_the_other_kinds_filter_is_409_budget_kind(
    stack: Stack,
) -> None:
    ada = await stack.signup("Ada")
    group = await make_group(stack, ada)
    shared = await make_budget(stack, ada, group_id=group["id"])
    personal = await make_budget(stack, ada)
    status, body = await stack.call(
        "PATCH", f"/v1/budgets/{shared['id']}", ada, json={"category_ids": [ada.id]}
    )
    assert (status, body["code"]) == (409, "budget_kind"), body
    assert body["current"]["id"] == shared["id"]
    status, body = await stack.call(
        "PATCH", f"/v1/budgets/{personal['id']}", ada, json={"categories": ["food"]}
    )
    assert (status, body["code"]) == (409, "budget_kind"), body
