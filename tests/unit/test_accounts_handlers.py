"""The accounts actor's handlers, decided on the in-memory unit of work
(``tests.support.fake_work``): sign-up activating the edge's credential, profile updates with
their version check, and session revocation. No server is started."""

from __future__ import annotations

from datetime import timedelta

from actors.accounts import register, revoke_session, update_profile
from bus.account_commands import RegisterUser, RevokeSession, UpdateProfile
from storage.account_tokens import AccountTokenDoc
from storage.accounts import Credential, SessionDoc, UserDoc
from tests.support.expense_docs import credential, new_id, session_doc, user_doc
from tests.support.fake_work import NOW, MemoryWork, command, decide


def _sign_up(user_id: str, email: str = "Ada@Example.com") -> RegisterUser:
    return RegisterUser(
        user_id=user_id, email=email, name="Ada", home_currency="CHF", timezone="Europe/Zurich"
    )


async def test_register_creates_the_profile_activates_the_credential_and_announces_it(
    documents: None,
) -> None:
    user_id = new_id()
    work = MemoryWork(credential(user_id, "ada@example.com"))
    decision = await decide(register, command("user.register", None), _sign_up(user_id), work)

    assert decision.accepted
    assert decision.version == 1
    assert decision.entity is not None
    assert (decision.entity["id"], decision.entity["email"]) == (user_id, "Ada@Example.com")
    assert (decision.entity["home_currency"], decision.entity["timezone"]) == (
        "CHF",
        "Europe/Zurich",
    )
    stored = work.one(UserDoc, user_id)
    assert (stored.email_lower, stored.version, stored.created_at) == ("ada@example.com", 1, NOW)
    assert work.one(Credential, user_id).status == "active"
    [event] = work.committed
    assert (event.scope, event.type, event.seq) == (f"user:{user_id}", "user.registered", 1)
    link = work.one(AccountTokenDoc, event.data["verification"]["id"])
    assert (link.purpose, link.user_id, link.email, link.used_at) == (
        "verify_email",
        user_id,
        "Ada@Example.com",
        None,
    )
    assert link.expires_at == NOW + timedelta(days=7)
    assert event.data == {
        "entity": decision.entity,
        "version": 1,
        "before": None,
        "verification": {
            "id": link.id,
            "purpose": "verify_email",
            "email": "Ada@Example.com",
            "expires_at": link.expires_at.isoformat(),
        },
    }
    assert decision.entity["email_verified"] is False
    assert "password_hash" not in str(event.data)  # no secret travels on the bus


async def test_register_refuses_an_existing_account_and_changes_nothing(documents: None) -> None:
    ada = user_doc("ada")
    work = MemoryWork(ada, credential(ada.id, ada.email, status="active"))
    again = await decide(
        register, command("user.register", None), _sign_up(ada.id, ada.email), work
    )
    assert (again.accepted, again.code, again.message) == (
        False,
        "conflict",
        "this account already exists",
    )
    assert work.one(UserDoc, ada.id) == ada
    assert work.committed == []


async def test_register_needs_a_pending_credential_for_the_same_email(documents: None) -> None:
    user_id = new_id()
    for stored in ([], [credential(user_id, "someone.else@example.com")]):
        work = MemoryWork(*stored)
        refused = await decide(register, command("user.register", None), _sign_up(user_id), work)
        assert (refused.code, refused.message) == (
            "validation",
            "no pending sign-up for this account",
        )
        assert work.committed == []
        assert (UserDoc, user_id) not in work.stored


async def test_update_profile_changes_only_the_fields_sent_and_keeps_the_state_before(
    documents: None,
) -> None:
    ada = user_doc("ada")
    work = MemoryWork(ada, now=NOW.replace(hour=13))
    change = UpdateProfile(home_currency="USD")
    decision = await decide(
        update_profile, command("user.update", ada.id, expected_version=1), change, work
    )

    assert decision.accepted
    assert decision.version == 2
    stored = work.one(UserDoc, ada.id)
    assert (stored.home_currency, stored.name, stored.timezone) == ("USD", "ada", "UTC")
    assert (stored.version, stored.updated_at) == (2, NOW.replace(hour=13))
    [event] = work.committed
    assert (event.scope, event.type) == (f"user:{ada.id}", "user.updated")
    assert event.data["entity"] == decision.entity
    assert event.data["before"]["home_currency"] == "EUR"
    assert event.data["before"]["version"] == 1


async def test_update_profile_ignores_nulls_instead_of_clearing_a_field(documents: None) -> None:
    ada = user_doc("ada")
    work = MemoryWork(ada)
    change = UpdateProfile(name="Ada L.", timezone=None)
    decision = await decide(update_profile, command("user.update", ada.id), change, work)
    assert decision.accepted
    assert (work.one(UserDoc, ada.id).name, work.one(UserDoc, ada.id).timezone) == (
        "Ada L.",
        "UTC",
    )


async def test_update_profile_with_a_stale_version_is_a_conflict_with_the_current_profile(
    documents: None,
) -> None:
    ada = user_doc("ada", version=3)
    work = MemoryWork(ada)
    stale = await decide(
        update_profile,
        command("user.update", ada.id, expected_version=2),
        UpdateProfile(name="Old"),
        work,
    )
    assert (stale.code, stale.message) == ("conflict", "version 2 is stale (now 3)")
    assert stale.entity is not None
    assert stale.version == 3
    assert (stale.entity["id"], stale.entity["name"]) == (ada.id, "ada")
    assert work.one(UserDoc, ada.id).name == "ada"
    assert work.committed == []


async def test_update_profile_of_an_unknown_account_is_not_found(documents: None) -> None:
    work = MemoryWork(user_doc("ada"))
    missing = await decide(
        update_profile, command("user.update", new_id()), UpdateProfile(name="X"), work
    )
    assert (missing.code, missing.message) == ("not_found", "no such account")
    assert work.committed == []


async def test_revoke_session_marks_it_revoked_with_its_reason_once(documents: None) -> None:
    ada = user_doc("ada")
    session = session_doc(ada.id, device_id="phone")
    work = MemoryWork(ada, session)
    logout = RevokeSession(session_id=session.id, reason="logout")
    decision = await decide(revoke_session, command("session.revoke", ada.id), logout, work)

    assert decision.accepted
    assert decision.entity == {
        "id": session.id,
        "user_id": ada.id,
        "revoked": True,
        "reason": "logout",
        "version": 2,
    }
    stored = work.one(SessionDoc, session.id)
    assert (stored.revoked, stored.revoked_reason, stored.version) == (True, "logout", 2)
    [event] = work.committed
    assert (event.scope, event.type) == (f"user:{ada.id}", "session.revoked")
    assert event.data["entity"] == decision.entity
    assert "token_hash" not in str(event.data)

    # Revoking it again (a retried logout, reuse detected later) answers the same, silently.
    work = work.next()
    theft = RevokeSession(session_id=session.id, reason="refresh_reuse")
    again = await decide(revoke_session, command("session.revoke", ada.id), theft, work)
    assert again.accepted
    assert again.entity == decision.entity
    assert work.one(SessionDoc, session.id).revoked_reason == "logout"
    assert len(work.committed) == 1


async def test_revoke_session_of_someone_else_or_unknown_is_not_found(documents: None) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    session = session_doc(ada.id)
    work = MemoryWork(ada, eve, session)
    for issuer, session_id in ((eve.id, session.id), (ada.id, new_id())):
        refused = await decide(
            revoke_session,
            command("session.revoke", issuer),
            RevokeSession(session_id=session_id, reason="admin"),
            work,
        )
        assert (refused.code, refused.message) == ("not_found", "no such session")
    assert work.one(SessionDoc, session.id).revoked is False
    assert work.committed == []
