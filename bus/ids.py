"""Identifier rules: command ids scoped to their issuer, entity ids, scopes."""

from __future__ import annotations

import uuid
from typing import Literal

# Fixed namespace so that the same (issuer, key) always yields the same command id.
_COMMAND_NAMESPACE = uuid.UUID("7d0f2f8e-3c1b-5b8e-9a55-6c1e3c9e0b11")

ScopeKind = Literal["user", "inbox", "group", "system"]


def new_id() -> str:
    """A fresh random id (UUID4, canonical text form)."""
    return str(uuid.uuid4())


def scoped_command_id(issuer: str, key: str) -> str:
    """The command id for an idempotency ``key`` sent by ``issuer``.

    Two issuers that send the same key get different ids; the same issuer retrying with the
    same key gets the same id, so the retry is recognised as a duplicate.
    """
    return str(uuid.uuid5(_COMMAND_NAMESPACE, f"{issuer}\x1f{key}"))


def derived_id(*parts: str) -> str:
    """A deterministic id from parts (e.g. a user's default category by name)."""
    return str(uuid.uuid5(_COMMAND_NAMESPACE, "\x1f".join(parts)))


def user_scope(user_id: str) -> str:
    """The scope that holds one person's own entities and messages."""
    return f"user:{user_id}"


def inbox_scope(user_id: str) -> str:
    """The scope of one person's notifications: their inbox items, push devices and
    preferences. Only the notifications actor writes it, so its `seq` counter is never contended
    by the actors that write ``user:<id>`` (expenses, budgets) when the person writes fast."""
    return f"inbox:{user_id}"


def personal_scopes(user_id: str) -> tuple[str, str]:
    """The scopes that are one person's alone: every socket of theirs follows both."""
    return user_scope(user_id), inbox_scope(user_id)


def group_scope(group_id: str) -> str:
    """The scope of a shared group."""
    return f"group:{group_id}"


def system_scope(name: str) -> str:
    """A scope of facts that concern no one person (``system:rates``); not pushed to devices."""
    return f"system:{name}"


RATES_SCOPE = system_scope("rates")
"""Where the currency actor's events live (rates.updated, rates.refresh_failed)."""


def split_scope(scope: str) -> tuple[str, str]:
    """``'user:abc'`` -> ``('user', 'abc')``; raises ValueError on anything else."""
    kind, sep, ident = scope.partition(":")
    if not sep or kind not in ("user", "inbox", "group", "system") or not ident:
        raise ValueError(f"not a scope: {scope!r}")
    return kind, ident
