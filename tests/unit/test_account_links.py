"""Account links: the signature binds a link to its purpose, record, person and address; the
accounts actor uses a record once, only for its own purpose and address, and a change of
password ends every session but the one kept. Decided on the in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

from actors.accounts.links import (
    note_new_device,
    password_changed,
    request_email_change,
    request_password_reset,
    verify_email,
)
from bus.account_commands import (
    NoteNewDevice,
    PasswordChanged,
    RequestEmailChange,
    RequestPasswordReset,
    VerifyEmail,
)
from bus.account_links import lifetime_words, link_token, link_url, signed_for, token_id_of
from storage.account_tokens import AccountTokenDoc
from storage.accounts import SessionDoc, UserDoc
from tests.support.expense_docs import new_id, session_doc, user_doc
from tests.support.fake_work import NOW, MemoryWork, command, decide

SECRET = "a-secret-only-the-edge-and-the-courier-hold"


def _token_doc(user: UserDoc, purpose: str = "verify_email", **fields: object) -> AccountTokenDoc:
    values: dict[str, object] = {
        "id": new_id(),
        "purpose": purpose,
        "user_id": user.id,
        "email": user.email,
        "created_at": NOW,
        "expires_at": NOW + timedelta(hours=1),
        **fields,
    }
    return AccountTokenDoc(**values)


def test_a_token_is_signed_for_one_purpose_record_person_and_address() -> None:
    token = link_token(SECRET, "reset_password", "rec-1", "u-1", "Ada@Example.com")
    assert token_id_of(token) == "rec-1"
    assert signed_for(SECRET, token, "reset_password", "u-1", "ada@example.com")  # any case
    assert not signed_for(SECRET, token, "verify_email", "u-1", "ada@example.com")
    assert not signed_for(SECRET, token, "reset_password", "u-2", "ada@example.com")
    assert not signed_for(SECRET, token, "reset_password", "u-1", "bo@example.com")
    assert not signed_for("another-secret", token, "reset_password", "u-1", "ada@example.com")
    other = link_token(SECRET, "reset_password", "rec-2", "u-1", "ada@example.com")
    spliced = f"rec-1.{other.split('.')[1]}"
    assert not signed_for(SECRET, spliced, "reset_password", "u-1", "ada@example.com")


def test_tokens_without_the_shape_of_one_name_no_record() -> None:
    for bad in ("", "rec-1", ".sig", "rec-1.", "x" * 200 + ".sig"):
        assert token_id_of(bad) is None
    assert not signed_for(SECRET, "rec-1", "verify_email", "u-1", "a@example.com")


def test_the_link_and_its_lifetime_as_a_mail_says_them() -> None:
    assert link_url("https://app.example/", "verify_email", "a.b") == (
        "https://app.example/verify-email?token=a.b"
    )
    assert (lifetime_words("verify_email"), lifetime_words("reset_password")) == (
        "7 days",
        "30 minutes",
    )


async def test_a_confirmation_link_is_used_once_and_confirms_the_address(documents: None) -> None:
    ada = user_doc("ada")
    link = _token_doc(ada)
    work = MemoryWork(ada, link)
    first = await decide(
        verify_email, command("user.verify_email", ada.id), VerifyEmail(token_id=link.id), work
    )
    assert first.accepted
    assert first.entity is not None
    assert first.entity["email_verified"] is True
    assert work.one(AccountTokenDoc, link.id).used_at == NOW
    [event] = work.committed
    assert (event.type, event.data["entity"]["email_verified"]) == ("user.updated", True)

    again = await decide(
        verify_email, command("user.verify_email", ada.id), VerifyEmail(token_id=link.id), work
    )
    assert (again.accepted, again.code, again.message) == (
        False,
        "conflict",
        "this link was already used",
    )


async def test_a_link_for_an_earlier_address_or_another_purpose_confirms_nothing(
    documents: None,
) -> None:
    ada = user_doc("ada")
    old = _token_doc(ada, email="ada.old@example.com")
    reset = _token_doc(ada, purpose="reset_password")
    expired = _token_doc(ada, expires_at=NOW - timedelta(seconds=1))
    work = MemoryWork(ada, old, reset, expired)
    for link, why in (
        (old, "this link was sent to an earlier address of the account"),
        (reset, "this link is not valid"),
        (expired, "this link has expired"),
    ):
        decision = await decide(
            verify_email, command("user.verify_email", ada.id), VerifyEmail(token_id=link.id), work
        )
        assert (decision.accepted, decision.message) == (False, why)
    assert work.one(UserDoc, ada.id).email_verified_at is None
    assert work.committed == []


async def test_a_reset_for_no_account_is_accepted_and_makes_nothing(documents: None) -> None:
    work = MemoryWork()
    decision = await decide(
        request_password_reset,
        command("user.request_password_reset", None),
        RequestPasswordReset(user_id=new_id()),
        work,
    )
    assert decision.accepted
    assert work.committed == []
    assert work.staged_of(AccountTokenDoc) == []


async def test_a_reset_request_makes_a_half_hour_link_named_by_its_event(documents: None) -> None:
    ada = user_doc("ada")
    work = MemoryWork(ada)
    sent = command("user.request_password_reset", None)
    decision = await decide(
        request_password_reset, sent, RequestPasswordReset(user_id=ada.id), work
    )
    assert decision.accepted
    [event] = work.committed
    assert (event.scope, event.type) == (f"user:{ada.id}", "user.password_reset_requested")
    link = work.one(AccountTokenDoc, event.data["entity"]["id"])
    assert (link.purpose, link.user_id, link.email) == ("reset_password", ada.id, ada.email)
    assert link.expires_at == NOW + timedelta(minutes=30)


async def test_a_change_ends_every_other_session_and_a_reset_ends_them_all(
    documents: None,
) -> None:
    ada = user_doc("ada")
    here, phone = session_doc(ada.id), session_doc(ada.id)
    gone = session_doc(ada.id, revoked=True, revoked_reason="logout")
    bos = session_doc(new_id())
    work = MemoryWork(ada, here, phone, gone, bos)
    change = PasswordChanged(how="change", keep_session_id=here.id)
    decision = await decide(
        password_changed, command("user.password_changed", ada.id), change, work
    )
    assert decision.accepted
    assert [s.revoked for s in (work.one(SessionDoc, here.id), work.one(SessionDoc, phone.id))] == [
        False,
        True,
    ]
    assert work.one(SessionDoc, phone.id).revoked_reason == "password_change"
    assert work.one(SessionDoc, bos.id).revoked is False  # someone else's
    types = [e.type for e in work.committed]
    assert types == ["session.revoked", "user.security"]
    notice = work.committed[-1].data["entity"]
    assert (notice["what"], notice["sessions_ended"]) == ("password_changed", 1)

    link = _token_doc(ada, purpose="reset_password")
    work = MemoryWork(ada, here, phone, link)
    reset = PasswordChanged(how="reset", token_id=link.id, keep_session_id=here.id)
    decision = await decide(password_changed, command("user.password_changed", ada.id), reset, work)
    assert decision.accepted
    assert all(work.one(SessionDoc, s.id).revoked for s in (here, phone))  # none kept
    assert work.one(AccountTokenDoc, link.id).used_at == NOW
    assert work.committed[-1].data["entity"]["what"] == "password_reset"


async def test_a_reset_with_someone_elses_link_changes_nothing(documents: None) -> None:
    ada, bo = user_doc("ada"), user_doc("bo")
    session = session_doc(ada.id)
    bos_link = _token_doc(bo, purpose="reset_password")
    work = MemoryWork(ada, bo, session, bos_link)
    reset = PasswordChanged(how="reset", token_id=bos_link.id)
    decision = await decide(password_changed, command("user.password_changed", ada.id), reset, work)
    assert (decision.accepted, decision.code) == (False, "conflict")
    assert work.one(SessionDoc, session.id).revoked is False
    assert work.one(AccountTokenDoc, bos_link.id).used_at is None


async def test_a_new_address_is_pending_until_its_link_moves_the_account(documents: None) -> None:
    ada = user_doc("ada", email_verified_at=NOW)
    work = MemoryWork(ada)
    asked = await decide(
        request_email_change,
        command("user.request_email_change", ada.id),
        RequestEmailChange(new_email="Ada.New@example.com"),
        work,
    )
    assert asked.accepted
    assert asked.entity is not None
    assert (asked.entity["email"], asked.entity["pending_email"]) == (
        ada.email,
        "Ada.New@example.com",
    )
    link_event = work.committed[-1]
    assert link_event.type == "user.email_change_requested"
    link = work.one(AccountTokenDoc, link_event.data["entity"]["id"])
    assert (link.purpose, link.email) == ("change_email", "Ada.New@example.com")
    assert link.expires_at == NOW + timedelta(hours=24)

    work = MemoryWork(work.one(UserDoc, ada.id), link)
    moved = await decide(
        verify_email, command("user.verify_email", ada.id), VerifyEmail(token_id=link.id), work
    )
    assert moved.accepted
    user = work.one(UserDoc, ada.id)
    assert (user.email, user.email_lower, user.pending_email) == (
        "Ada.New@example.com",
        "ada.new@example.com",
        None,
    )
    notice = work.committed[-1]
    assert (notice.type, notice.data["entity"]["what"]) == ("user.security", "email_changed")
    assert (notice.data["entity"]["old_email"], notice.data["entity"]["new_email"]) == (
        ada.email,
        "Ada.New@example.com",
    )


async def test_an_address_taken_before_the_link_is_used_moves_nothing(documents: None) -> None:
    ada = user_doc("ada")
    link = _token_doc(ada, purpose="change_email", email="shared@example.com")
    other = user_doc("other", email="Shared@example.com", email_lower="shared@example.com")
    work = MemoryWork(ada, link, other)
    decision = await decide(
        verify_email, command("user.verify_email", ada.id), VerifyEmail(token_id=link.id), work
    )
    assert (decision.accepted, decision.message) == (
        False,
        "an account with this email already exists",
    )
    assert work.one(UserDoc, ada.id).email == ada.email
    assert work.one(AccountTokenDoc, link.id).used_at is None


async def test_a_new_device_is_noted_only_for_the_callers_own_session(documents: None) -> None:
    ada, bo = user_doc("ada"), user_doc("bo")
    session = session_doc(ada.id, device_id="tablet")
    work = MemoryWork(ada, bo, session)
    noted = NoteNewDevice(session_id=session.id, device_id="tablet")
    theirs = await decide(note_new_device, command("user.note_new_device", bo.id), noted, work)
    assert (theirs.accepted, theirs.code) == (False, "not_found")
    mine = await decide(note_new_device, command("user.note_new_device", ada.id), noted, work)
    assert mine.accepted
    [event] = work.committed
    assert (event.scope, event.type) == (f"user:{ada.id}", "user.security")
    assert (event.data["entity"]["what"], event.data["entity"]["device"]) == (
        "new_device_sign_in",
        "tablet",
    )
