"""The edge's writes to sessions and login throttles that must be single atomic updates.

A refresh token is swapped only if it is still the session's current one (two requests with the
same token: one wins), and an attempt is counted in one push, so concurrent sign-ins cannot all
slip under a limit. What the edge decides around them lives in ``http_edge.security``.

A refresh is an ``update_one`` on equalities of the id, then a read by id, not one
``findAndModify``: a MongoDB-wire server may scan the whole collection for that (SecantusDB
does), which would make every refresh slower as sessions accumulate.
"""

from __future__ import annotations

from pymongo import ReturnDocument

from bus.envelopes import utcnow
from storage.accounts import LoginThrottle, SessionDoc

ROTATED_KEPT = 100  # earlier refresh digests a session remembers (a stolen one is recognised)


async def swap_refresh_digest(session_id: str, current: str, new: str) -> SessionDoc | None:
    """Replace the session's refresh digest ``current`` by ``new``, remembering ``current``; None
    if ``current`` is no longer the session's (rotated meanwhile) or the session was revoked."""
    sessions = SessionDoc.get_pymongo_collection()
    swapped = await sessions.update_one(
        {"_id": session_id, "token_hash": current, "revoked": False},
        {
            "$set": {"token_hash": new, "refreshed_at": utcnow()},
            "$push": {"rotated_hashes": {"$each": [current], "$slice": -ROTATED_KEPT}},
            "$inc": {"version": 1},
        },
    )
    if swapped.modified_count != 1:
        return None
    updated = await sessions.find_one({"_id": session_id})  # as swapped, or changed since
    return SessionDoc.model_validate(updated) if updated is not None else None


async def push_attempt(key: str, at: float, keep: int) -> list[float]:
    """Record an attempt at ``at`` (epoch seconds) under ``key``, keeping the latest ``keep``;
    the times kept, this one included, as they stood just after it: one ``findAndModify``, for
    concurrent attempts must each see their own place (on SecantusDB it reads every throttle,
    one per address or account tried lately)."""
    row = await LoginThrottle.get_pymongo_collection().find_one_and_update(
        {"_id": key},
        {"$push": {"attempts": {"$each": [at], "$slice": -keep}}, "$set": {"last_at": utcnow()}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return [float(t) for t in (row or {}).get("attempts", [at])]


async def pop_attempt(key: str) -> None:
    """Forget the latest attempt under ``key`` (a success gives its count back)."""
    await LoginThrottle.get_pymongo_collection().update_one(
        {"_id": key, "attempts.0": {"$exists": True}}, {"$pop": {"attempts": 1}}
    )
