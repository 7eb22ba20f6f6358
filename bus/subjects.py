"""Every NATS subject and stream name, declared once.

Commands: ``cmd.<domain>.<verb>`` (three tokens; domain is the owning actor).
Events: ``evt.<scope_kind>.<scope_id>.<entity>.<verb>``.
Outcomes travel on core NATS reply subjects under ``_reply.<node>.<command_id>``.
An actor's processes that share keys among themselves talk under ``_peers.<actor>.`` (core NATS,
never stored): ``hello`` to say they are alive, ``node.<node>`` to hand over an event.
"""

from __future__ import annotations

from bus.ids import split_scope

COMMANDS_STREAM = "COMMANDS"
EVENTS_STREAM = "EVENTS"
COMMANDS_ALL = "cmd.>"
EVENTS_ALL = "evt.>"
NOTIFICATION_CREATED = "evt.inbox.*.notification.created"
"""An inbox item made: what wakes the notifications actor's courier to send its deliveries."""
REPLY_PREFIX = "_reply"
PEERS_PREFIX = "_peers"
RPC_PREFIX = "rpc"


def command_subject(domain: str, command_type: str) -> str:
    """``('expenses', 'expense.create')`` -> ``cmd.expenses.expense_create``."""
    return f"cmd.{domain}.{command_type.replace('.', '_')}"


def domain_commands(domain: str) -> str:
    """Filter subject for every command an actor owns."""
    return f"cmd.{domain}.*"


def event_subject(scope: str, event_type: str) -> str:
    """``('user:u1', 'expense.created')`` -> ``evt.user.u1.expense.created``."""
    kind, ident = split_scope(scope)
    entity, _, verb = event_type.partition(".")
    return f"evt.{kind}.{ident}.{entity}.{verb}"


def scope_events(scope: str) -> str:
    """Every event of one scope (what a realtime node subscribes to per connected user)."""
    kind, ident = split_scope(scope)
    return f"evt.{kind}.{ident}.>"


def events_of_type(event_type: str) -> str:
    """Every event of one type in any scope (what a reacting actor consumes)."""
    entity, _, verb = event_type.partition(".")
    return f"evt.*.*.{entity}.{verb}"


def rpc_subject(actor: str, query: str) -> str:
    """Request-reply queries an actor answers (core NATS, queue group per actor):
    ``('currency', 'convert')`` -> ``rpc.currency.convert``."""
    return f"{RPC_PREFIX}.{actor}.{query}"


EXPENSE_EVENTS = (
    "expense.created",
    "expense.updated",
    "expense.deleted",
    "expense.converted",
    "group_expense.created",
    "group_expense.updated",
    "group_expense.deleted",
    "group_expense.converted",
)
"""Every event of a personal expense's or a group bill's version (what budgets and fraud
score and count)."""

CONVERT_RPC = rpc_subject("currency", "convert")
RATES_RPC = rpc_subject("currency", "rates")
BALANCES_RPC = rpc_subject("splits", "balances")
BUDGET_VIEWS_RPC = rpc_subject("budgets", "views")


HEALTH_PREFIX = "health"


def actor_health_subject(actor: str) -> str:
    """Where an actor's processes answer readiness pings (core NATS, no queue group: any
    process answering proves one is bound): ``'currency'`` -> ``health.actor.currency``."""
    return f"{HEALTH_PREFIX}.actor.{actor}"


def reply_inbox(node_id: str) -> str:
    """Wildcard a waiting node subscribes to once for all its outcomes."""
    return f"{REPLY_PREFIX}.{node_id}.*"


def reply_subject(node_id: str, command_id: str) -> str:
    """Where the outcome of ``command_id`` is sent for the node waiting on it."""
    return f"{REPLY_PREFIX}.{node_id}.{command_id}"


def peers_hello_subject(actor: str) -> str:
    """Where an actor's processes say hello (and goodbye) to each other."""
    return f"{PEERS_PREFIX}.{actor}.hello"


def peer_subject(actor: str, node: str) -> str:
    """Where a process of ``actor`` takes the events its other processes hand it."""
    return f"{PEERS_PREFIX}.{actor}.node.{node}"
