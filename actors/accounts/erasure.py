"""Deleting an account: the accounts actor's own part, and the event every other actor erases
its part by.

The profile, the credential (so the address is free again), the account links and the sessions
are erased; each live session is first revoked (``session.revoked``), so its devices' sockets
close, and with the session gone its tokens stop working. The
``user.deleted`` event names only the account's id: each actor that keeps something of the
person reacts to it (personal records erased, group shares kept under a "former member"
label). What the event streams already hold is not rewritten here.
"""

from __future__ import annotations

from actors.accounts.links import end_sessions
from actors.erasure import USER_DELETED
from actors.kernel import Decision, reject
from actors.work import Work
from bus.account_commands import DeleteAccount
from bus.envelopes import Command
from bus.ids import user_scope
from storage.account_tokens import AccountTokenDoc
from storage.accounts import Credential, SessionDoc, UserDoc


async def delete_account(command: Command, p: DeleteAccount, work: Work) -> Decision:
    user_id = command.actor.user_id or ""
    if await work.get(UserDoc, user_id) is None:
        return reject("not_found", "no such account")
    ended = await end_sessions(work, user_id, "account_deleted", None)  # sockets close
    work.erase(SessionDoc, {"user_id": user_id})  # then no record of the devices is kept
    work.erase(AccountTokenDoc, {"user_id": user_id})
    work.erase(Credential, {"_id": user_id})
    work.erase(UserDoc, {"_id": user_id})
    gone = {"id": user_id, "deleted_at": work.now.isoformat(), "sessions_ended": ended}
    work.emit(user_scope(user_id), USER_DELETED, {"entity": gone})
    return Decision(True, gone, None)
