"""Deleting an account, on the in-memory unit of work: the accounts actor's own part, and how
a group takes a deleted member (the end-to-end test reads every actor's erasure back from the
database; here are the rules a group follows)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from actors.accounts.erasure import delete_account
from actors.erasure import USER_DELETED, deleted_person
from actors.splits.erasure import FORMER_MEMBER, erase_person
from bus.account_commands import DeleteAccount
from bus.envelopes import Event
from bus.ids import new_id
from storage.account_tokens import AccountTokenDoc
from storage.accounts import SessionDoc
from storage.groups import GroupBalanceDoc, GroupDoc, InviteDoc
from tests.support import group_docs as docs
from tests.support.expense_docs import credential, session_doc
from tests.support.fake_work import NOW, MemoryWork, command, decide

pytestmark = pytest.mark.usefixtures("documents")


def _deleted(user_id: str, named: str | None = None) -> Event:
    return Event(
        event_id=new_id(),
        type=USER_DELETED,
        command_id=new_id(),
        scope=f"user:{user_id}",
        seq=1,
        occurred_at=NOW,
        data={"entity": {"id": named or user_id, "deleted_at": NOW.isoformat()}},
    )


def test_only_a_deletion_in_the_persons_own_scope_names_them() -> None:
    assert deleted_person(_deleted("ada")) == "ada"
    assert deleted_person(_deleted("ada", named="bob")) is None  # names someone else
    other = _deleted("ada").model_copy(update={"type": "user.updated"})
    assert deleted_person(other) is None


async def test_deleting_ends_every_session_and_erases_sign_in_profile_and_links() -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    phone, laptop = session_doc(ada.id), session_doc(ada.id)
    link = AccountTokenDoc(
        id=new_id(),
        purpose="verify_email",
        user_id=ada.id,
        email=ada.email,
        created_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    work = MemoryWork(
        ada,
        bob,
        phone,
        laptop,
        session_doc(bob.id),
        link,
        credential(ada.id, ada.email, "active"),
        credential(bob.id, bob.email, "active"),
    )
    decision = await decide(delete_account, command("user.delete", ada.id), DeleteAccount(), work)
    assert decision.accepted
    kinds = sorted(e.type for e in work.committed)
    assert kinds == ["session.revoked", "session.revoked", USER_DELETED]
    deleted = next(e for e in work.committed if e.type == USER_DELETED)
    assert (deleted.scope, deleted.data["entity"]["sessions_ended"]) == (f"user:{ada.id}", 2)
    assert deleted.data["entity"]["id"] == ada.id
    assert "email" not in deleted.data["entity"]
    revoked = [e.data["entity"]["id"] for e in work.committed if e.type == "session.revoked"]
    assert sorted(revoked) == sorted([phone.id, laptop.id])  # their sockets close
    left = [d for d in work.stored.values() if isinstance(d, SessionDoc)]
    assert [d.user_id for d in left] == [bob.id]  # hers are gone, Bob's stays
    kept = {(type(d).__name__, str(d.id)) for d in work.stored.values()}
    assert ("UserDoc", ada.id) not in kept
    assert ("Credential", ada.id) not in kept
    assert ("AccountTokenDoc", link.id) not in kept
    assert {("UserDoc", bob.id), ("Credential", bob.id)} <= kept  # no one else's
    again = await decide(
        delete_account, command("user.delete", ada.id), DeleteAccount(), work.next()
    )
    assert (again.accepted, again.code) == (False, "not_found")


async def test_a_deleted_owner_leaves_their_shares_under_a_label_and_an_admin_owns_the_group() -> (
    None
):
    ada, bob, cy = docs.user("ada"), docs.user("bob"), docs.user("cy")
    group = docs.group(ada, (bob, "member"), (cy, "admin"))
    hers, theirs = docs.invite(group), docs.invite(group, created_by=cy.id)
    work = MemoryWork(group, docs.balances(group), hers, theirs)
    await erase_person(_deleted(ada.id), work)
    work.commit()
    after = work.one(GroupDoc, group.id)
    assert [(m["user_id"], m["role"]) for m in after.members] == [
        (bob.id, "member"),
        (cy.id, "owner"),
    ]
    assert after.member_ids == [bob.id, cy.id]
    assert [(f["user_id"], f["name"]) for f in after.former_members] == [(ada.id, FORMER_MEMBER)]
    assert after.version == group.version + 1
    assert work.one(InviteDoc, hers.id).revoked
    assert not work.one(InviteDoc, theirs.id).revoked
    told = [(e.scope, e.type) for e in work.committed]
    assert told == [(group.scope, "group.member_left"), (group.scope, "invite.revoked")]
    assert work.committed[0].data["how"] == "account_deleted"
    # The same event applied again finds her in no group and changes nothing.
    again = work.next()
    await erase_person(_deleted(ada.id), again)
    assert (again.staged, again.events) == ([], [])


async def test_without_an_admin_the_longest_standing_member_owns_the_group() -> None:
    ada, bob, cy = docs.user("ada"), docs.user("bob"), docs.user("cy")
    group = docs.group(ada, (bob, "member"), (cy, "member"))
    group.members[1]["joined_at"] = NOW + timedelta(days=2)  # cy joined before bob
    group.members[2]["joined_at"] = NOW + timedelta(days=1)
    work = MemoryWork(group)
    await erase_person(_deleted(ada.id), work)
    work.commit()
    roles = {m["user_id"]: m["role"] for m in work.one(GroupDoc, group.id).members}
    assert roles == {bob.id: "member", cy.id: "owner"}


async def test_a_group_with_no_one_else_is_erased_whole() -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    alone, shared = docs.group(ada), docs.group(bob, (ada, "member"))
    work = MemoryWork(alone, docs.balances(alone), docs.invite(alone), shared)
    await erase_person(_deleted(ada.id), work)
    work.commit()
    left = {(type(d), str(d.id)) for d in work.stored.values()}
    assert (GroupDoc, alone.id) not in left
    assert (GroupBalanceDoc, alone.id) not in left
    assert not [d for d in work.stored.values() if isinstance(d, InviteDoc)]
    assert work.one(GroupDoc, shared.id).member_ids == [bob.id]  # a member, not the owner
    assert [e.type for e in work.committed] == ["group.member_left"]
