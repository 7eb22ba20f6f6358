"""Who may do what on NATS: one user per role, described once, rendered both as the production
``deploy/nats/accounts.conf`` (passwords from the server's environment) and as the embedded
stack's config (passwords from ``<data_dir>/credentials.json``), so the two cannot drift.

The subjects come from the code: command subjects from the command table (the edge and the
socket server may send only what a client may send, plus the few commands the edge itself
makes), durable consumers from :func:`actors.app.subscriptions`. ``python -m deploy.nats_roles``
prints the production file; a test checks that the file in the repository is that output.
"""

from __future__ import annotations

from collections.abc import Callable

from actors.app import subscriptions
from actors.registry import ACTORS
from bus.account_commands import (
    DeleteAccount,
    EndOtherSessions,
    NoteNewDevice,
    PasswordChanged,
    RegisterUser,
    RequestEmailChange,
    RequestPasswordReset,
    RequestVerification,
    RevokeSession,
    VerifyEmail,
)
from bus.commands import COMMANDS
from bus.groups import AcceptInvite, CreateInvite
from bus.payload import Payload
from bus.receipts import RecordReceipt, RescanReceipt, ScanReceipt
from bus.subjects import (
    BALANCES_RPC,
    BUDGET_VIEWS_RPC,
    COMMANDS_STREAM,
    CONVERT_RPC,
    EVENTS_ALL,
    EVENTS_STREAM,
    NOTIFICATION_CREATED,
    RATES_RPC,
    actor_health_subject,
)
from deploy.nats_conf import HEADER, Role, render_accounts

EDGE_COMMANDS: tuple[type[Payload], ...] = (
    RegisterUser,
    RevokeSession,
    RequestVerification,
    VerifyEmail,
    RequestEmailChange,
    RequestPasswordReset,
    PasswordChanged,
    NoteNewDevice,
    DeleteAccount,
    EndOtherSessions,
    CreateInvite,
    AcceptInvite,
    RecordReceipt,
    ScanReceipt,
    RescanReceipt,
)
"""Commands no client may send but the edge makes itself: sign-up and sign-out, the account
flows (the edge checks their passwords and links, and limits their mail), invites (their tokens
are made and hashed at the edge), and a receipt's record and scan once its image is kept."""

ACTOR_SENDS: dict[str, tuple[str, ...]] = {
    "currency": ("currency",),  # its scheduled refresh
    "budgets": ("budgets", "expenses"),  # recurring expenses and their advance
    "ocr": ("ocr",),  # a read receipt's outcome, and the sweep's retries
}
ACTOR_FOLLOWS: dict[str, tuple[str, ...]] = {
    "notifications": (NOTIFICATION_CREATED,),  # wakes its courier (a queue group, no durable)
}
"""Events an actor hears as they pass (core NATS, beside its durables)."""
"""The domains whose commands an actor sends itself (``cmd.<domain>.*``)."""

RPC_ANSWERERS = frozenset(
    s.split(".")[1] for s in (CONVERT_RPC, RATES_RPC, BALANCES_RPC, BUDGET_VIEWS_RPC)
)
"""Actors that answer request-reply queries (``rpc.<actor>.<query>``, queue group ``<actor>``)."""

INBOX = "_INBOX.>"
REPLIES = "_reply.>"
STREAM_ADMIN = tuple(
    f"$JS.API.STREAM.{verb}.{stream}"
    for verb in ("INFO", "CREATE", "UPDATE")
    for stream in (COMMANDS_STREAM, EVENTS_STREAM)
)
"""Every process makes sure both streams exist (and match its settings) as it starts."""


def _subjects(client: bool) -> tuple[str, ...]:
    """The subjects of the commands a client may send, and with ``client`` False also of those
    the edge makes itself."""
    edge = {p.COMMAND for p in EDGE_COMMANDS}
    chosen = [
        s.subject for s in COMMANDS.values() if s.client_allowed or (not client and s.type in edge)
    ]
    return tuple(sorted(set(chosen)))


def durables(actor: str) -> list[tuple[str, str]]:
    """(stream, durable) of each of an actor's consumers, in the order it binds them."""
    return [(stream, durable) for stream, _, durable, *_ in subscriptions(ACTORS[actor])]


def _own_durable(stream: str, durable: str) -> tuple[str, ...]:
    return (
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
        f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    )


def _consumer_info() -> tuple[str, ...]:
    return tuple(f"$JS.API.CONSUMER.INFO.{s}.*" for s in (COMMANDS_STREAM, EVENTS_STREAM))


def edge() -> Role:
    """The HTTP edge (with the Socket.IO server in the same process unless --no-realtime)."""
    return Role(
        "edge",
        (
            "`ledgerbus edge` (with Socket.IO unless --no-realtime): publishes the commands a client may",
            "send and those it makes itself (sign-up, sign-out, invites, receipts), waits for their",
            "outcomes on _reply.<node>.*, asks actors' rpc.<actor>.<query> and readiness pings, reads",
            "the streams' and command consumers' state for /readyz and /v1/commands/{id}, creates or",
            "updates the streams at start, and follows evt.<scope>.> for sockets and the sync long-poll.",
        ),
        publish=(
            *_subjects(client=False),
            "rpc.>",
            "health.actor.*",
            *STREAM_ADMIN,
            *_consumer_info(),
            f"$JS.API.CONSUMER.LIST.{COMMANDS_STREAM}",
        ),
        subscribe=(INBOX, REPLIES, EVENTS_ALL),
    )


def realtime() -> Role:
    """A Socket.IO node alone."""
    return Role(
        "realtime",
        (
            "`ledgerbus realtime`: fans events out to sockets (evt.<scope>.>) and sends the commands",
            "sockets may emit (client_allowed in bus.commands) through the same gateway as the edge.",
        ),
        publish=(*_subjects(client=True), "health.actor.*", *STREAM_ADMIN, *_consumer_info()),
        subscribe=(INBOX, REPLIES, EVENTS_ALL),
    )


def actor(name: str) -> Role:
    """One actor's processes: its own durables, events, outcomes and peers."""
    sends = ACTOR_SENDS.get(name, ())
    rpc = name in RPC_ANSWERERS
    comment = [
        f"`ledgerbus actor {name}`: pulls from its durables only, acks them, publishes events and",
        "outcomes, talks to its own processes on _peers, answers its readiness ping"
        + (" and its rpc queries." if rpc else "."),
    ]
    if sends:
        comment.append(
            "It also sends commands of its own: " + ", ".join(f"cmd.{d}.*" for d in sends) + "."
        )
    if name in ACTOR_FOLLOWS:
        comment.append("It hears " + ", ".join(ACTOR_FOLLOWS[name]) + " as they pass.")
    return Role(
        name,
        tuple(comment),
        publish=(
            *STREAM_ADMIN,
            "$JS.API.INFO",
            *(s for stream, durable in durables(name) for s in _own_durable(stream, durable)),
            EVENTS_ALL,
            REPLIES,
            f"_peers.{name}.>",
            *(f"cmd.{domain}.*" for domain in sends),
        ),
        subscribe=(
            INBOX,
            actor_health_subject(name),
            f"_peers.{name}.>",
            *([f"rpc.{name}.* {name}"] if rpc else []),
            *([REPLIES] if sends else []),
            *ACTOR_FOLLOWS.get(name, ()),
        ),
        allow_responses=True,
    )


def ops() -> Role:
    """Operators' tools: commands, queries and the JetStream API."""
    return Role(
        "ops",
        (
            "Operators' tools (`ledgerbus dlq`, `rates`, and the nats CLI): send commands, ask",
            "queries and administer the account's streams and consumers.",
        ),
        publish=("cmd.>", "rpc.>", "health.actor.*", "$JS.API.>"),
        subscribe=(INBOX, REPLIES),
    )


def analyst() -> Role:
    """Analysts: read the streams through consumers of their own, publish nothing."""
    every = [(s, d) for name in ACTORS for s, d in durables(name)]
    return Role(
        "analyst",
        (
            "Analysts (`ledgerbus replay`, ordered consumers of any client): read the streams through",
            "consumers of their own and publish nothing else. They may not pull from, create or take",
            "over an actor's durable (the deny list names every one of them), which would hold back or",
            "reorder that actor's messages.",
        ),
        publish=(
            "$JS.API.INFO",
            "$JS.API.STREAM.NAMES",
            "$JS.API.STREAM.LIST",
            "$JS.API.STREAM.INFO.*",
            "$JS.API.CONSUMER.CREATE.*",
            "$JS.API.CONSUMER.CREATE.*.*",
            "$JS.API.CONSUMER.CREATE.*.*.>",
            "$JS.API.CONSUMER.INFO.*.*",
            "$JS.API.CONSUMER.MSG.NEXT.*.*",
            "$JS.FC.>",
        ),
        deny_publish=tuple(
            s
            for stream, durable in every
            for s in (
                f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
                f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
                f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.>",
            )
        ),
        subscribe=(INBOX,),
    )


def roles() -> list[Role]:
    """Every user of the ledgerbus account, in the order of the file."""
    return [edge(), realtime(), *(actor(name) for name in ACTORS), ops(), analyst()]


def role_names() -> list[str]:
    """The users of the ledgerbus account, and ``sys`` of the system account."""
    return [*(r.name for r in roles()), "sys"]


def production_password(role: str) -> str:
    """The password as production writes it: the server's environment variable."""
    return f"$NATS_{role.upper()}_PASSWORD"


def production_accounts() -> str:
    """The text of ``deploy/nats/accounts.conf``."""
    return render(production_password, production=True)


def render(password: Callable[[str], str], *, production: bool) -> str:
    """Accounts and users with ``password(role)`` for each; production adds the header comment
    and the account's JetStream limits (embedded: JetStream without limits)."""
    body = render_accounts(roles(), password, production=production)
    return (HEADER + body) if production else body


if __name__ == "__main__":
    print(production_accounts(), end="")
