"""The NATS server's config syntax for accounts and users: a :class:`Role` (one user and its
permissions) rendered as the server reads it. Which roles exist is :mod:`deploy.nats_roles`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ACCOUNT = "LEDGERBUS"
SYSTEM_ACCOUNT = "SYS"

HEADER = """\
# Accounts and users of the ledgerbus NATS cluster (included by nats.conf).
#
# Generated from deploy/nats_roles.py (python -m deploy.nats_roles > deploy/nats/accounts.conf),
# which the embedded stack renders too: change the roles there, never here
# (tests/unit/test_credentials_roles.py checks this file is its output).
#
# Every process connects as the user of its role, with the password in its LEDGERBUS_NATS_URL
# (nats://expenses:<password>@nats-0:4222,...). The server takes each password from the
# environment variable named here (NATS_EDGE_PASSWORD, ...); a variable that is not set stops
# the server at start. Use passwords of letters, digits, '-' and '_' that start with a letter
# (the server parses a variable's value, so "3abc" would be read as a number), or store bcrypt
# hashes made by `nats server passwd` instead.
#
# Subjects the code uses (bus/subjects.py): cmd.<actor>.<verb> (COMMANDS stream),
# evt.<scope_kind>.<scope_id>.<entity>.<verb> (EVENTS stream), _reply.<node>.<command_id>
# (outcomes, core NATS), _peers.<actor>.> (an actor's processes among themselves),
# rpc.<actor>.<query> (queries, queue group <actor>), health.actor.<actor> (readiness pings).
# Clients use the default inbox prefix _INBOX for JetStream API replies, publish acks and pull
# deliveries, so every user subscribes to _INBOX.>. Responses to requests (readiness pings, rpc
# queries, hand-overs between an actor's processes) go out under allow_responses.
# The edge and the socket server publish only the subjects of the commands a client may send
# (client_allowed in bus/commands.py), the edge also those it makes itself (EDGE_COMMANDS).
#
# An actor's user names each of its durable consumers (stream and durable name, as
# actors.app.subscriptions builds them): a new durable gets its lines here, and in the
# analyst's deny list, when the file is generated again.

"""

PRODUCTION_LIMITS = (
    "    jetstream {",
    "      max_memory: 512MB",
    "      max_file: 80GB",
    "      max_streams: 16",
    "      max_consumers: 1024",
    "    }",
)


@dataclass(frozen=True)
class Role:
    """One NATS user: what it may publish (and not), what it may subscribe to, and whether it
    may answer requests (``allow_responses``); ``comment`` says who it is, a line per item."""

    name: str
    comment: tuple[str, ...]
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    deny_publish: tuple[str, ...] = ()
    allow_responses: bool = False


def _list(key: str, subjects: Iterable[str], indent: str) -> list[str]:
    return [
        f"{indent}{key}: [",
        *(f"{indent}  {json.dumps(s)}" for s in subjects),
        f"{indent}]",
    ]


def _user(role: Role, password: str) -> list[str]:
    i = " " * 6
    publish = _list("allow", role.publish, i + "      ")
    if role.deny_publish:
        publish += _list("deny", role.deny_publish, i + "      ")
    lines = [
        *(f"{i}# {line}" for line in role.comment),
        f"{i}{{",
        f"{i}  user: {role.name}",
        f"{i}  password: {password}",
        f"{i}  permissions: {{",
        f"{i}    publish: {{",
        *publish,
        f"{i}    }}",
        f"{i}    subscribe: {{",
        *_list("allow", role.subscribe, i + "      "),
        f"{i}    }}",
    ]
    lines += [f"{i}    allow_responses: true"] if role.allow_responses else []
    return [*lines, f"{i}  }}", f"{i}}}"]


def render_accounts(
    roles: Iterable[Role], password: Callable[[str], str], *, production: bool
) -> str:
    """The ``accounts`` block (the ledgerbus account with every role, and the system account)
    and ``system_account``; ``password(name)`` is written as each user's password."""
    limits = PRODUCTION_LIMITS if production else ("    jetstream: enabled",)
    lines = ["accounts {", f"  {ACCOUNT} {{", *limits, "    users: ["]
    for role in roles:
        lines += _user(role, password(role.name))
    lines += [
        "    ]",
        "  }",
        "",
        "  # The system account: server events and the monitoring of the cluster itself.",
        f"  {SYSTEM_ACCOUNT} {{",
        "    users: [",
        f"      {{ user: sys, password: {password('sys')} }}",
        "    ]",
        "  }",
        "}",
        "",
        f"system_account: {SYSTEM_ACCOUNT}",
        "",
    ]
    return "\n".join(lines)
