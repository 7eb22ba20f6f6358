"""Signing out every other device: the sessions end (their sockets close, their tokens stop
working) and the person is told, as of any change to how their account is signed in to."""

from __future__ import annotations

from actors.accounts.links import end_sessions
from actors.kernel import Decision, reject
from actors.work import Work
from bus.account_commands import EndOtherSessions
from bus.envelopes import Command
from bus.ids import derived_id, user_scope
from storage.accounts import SessionDoc


async def end_other_sessions(command: Command, p: EndOtherSessions, work: Work) -> Decision:
    user_id = command.actor.user_id or ""
    kept = await work.get(SessionDoc, p.keep_session_id)
    if kept is None or kept.user_id != user_id or kept.revoked:
        return reject("not_found", "no such session")
    ended = await end_sessions(work, user_id, "signed_out_elsewhere", kept.id)
    if ended:
        notice = {
            "id": derived_id("security", command.command_id),
            "what": "other_sessions_ended",
            "sessions_ended": ended,
            "at": work.now.isoformat(),
        }
        work.emit(user_scope(user_id), "user.security", {"entity": notice})
    return Decision(True, {"sessions_ended": ended}, None)
