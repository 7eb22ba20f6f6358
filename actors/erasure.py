"""The event a deleted account is erased by, as every actor reads it.

``user.deleted`` is emitted by the accounts actor in the person's own scope and names only the
account's id; each actor that keeps something of the person reacts to it in its own package
(``erasure`` modules), erasing in one transaction what it keeps. A reaction erases by query, so
applying the same event again erases nothing more and fails nothing.
"""

from __future__ import annotations

from bus.envelopes import Event
from bus.ids import split_scope

USER_DELETED = "user.deleted"


def deleted_person(event: Event) -> str | None:
    """The id of the account ``event`` deleted, if the event is one and reads right (it is in
    the person's own scope, and names them)."""
    try:
        kind, user_id = split_scope(event.scope)
    except ValueError:
        return None
    entity = event.data.get("entity")
    named = entity.get("id") if isinstance(entity, dict) else None
    if event.type != USER_DELETED or kind != "user" or named != user_id:
        return None
    return user_id
