"""Decoding what an actor pulls: commands, or events it reacts to (as derived commands); and
which of an actor's processes takes an event whose key belongs to one of them."""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from opentelemetry.trace import Span

from bus.commands import COMMANDS
from bus.envelopes import ActorRef, Command, Event
from bus.ids import derived_id, group_scope, user_scope


class Undecodable(Exception):
    """A message that can never be applied (not JSON, not an envelope): dead-letter it."""


@dataclass(slots=True)
class Inbound:
    """One pulled message and what it means."""

    msg: Msg
    command: Command
    event: Event | None = None  # set when the command stands for an event reaction
    span: Span | None = None  # its processing, while its batch runs with traces on

    @property
    def deliveries(self) -> int:
        try:
            return int(self.msg.metadata.num_delivered)
        except Exception:  # not a JetStream message (in-memory tests)
            return 1


def decode(msg: Msg, actor: str) -> Inbound:
    """A command, or an event turned into a command with an id derived from (actor, event)."""
    try:
        if msg.subject.startswith("evt."):
            event = Event.model_validate_json(msg.data)
            command = Command(
                command_id=derived_id(actor, event.event_id),
                type=event.type,
                actor=ActorRef(user_id=None, device_id=event.device_id),  # carried on
                issued_at=event.occurred_at,
                body_hash=event.event_id,
                payload={},
            )
            return Inbound(msg, command, event)
        return Inbound(msg, Command.model_validate_json(msg.data))
    except ValueError as exc:
        raise Undecodable(str(exc)[:500]) from exc


def partition_key(command: Command) -> str:
    """The scope a command's effects are serialised on: the one its spec names, its group,
    else its issuer's own."""
    spec = COMMANDS.get(command.type)
    if spec is not None and spec.writes_to is not None:
        with contextlib.suppress(KeyError, TypeError, ValueError):  # a bad payload: any lane
            return spec.writes_to(command.payload)
    group = command.payload.get("group_id")
    if isinstance(group, str):
        return group_scope(group)
    return user_scope(command.actor.user_id or command.command_id)


# --- one person's events in one process: peers and forwarding ---------------------------------
# An actor whose runtime keys its lanes (``actors.kernel.KeysLanes``) shares its durable
# consumers among its processes as usual, but each key belongs to one live process (rendezvous
# hashing over the processes that said hello lately): a process that pulls an event of another
# process's key hands it over on core NATS, with JetStream's ack subject, so the owner acks it
# itself. A process that dies leaves its messages unacked: JetStream delivers them again after
# the ack wait, and by then the others have forgotten it and own its keys.

HELLO_S = 1.0  # each process says hello this often
PEER_TTL_S = 3.5  # and is forgotten when silent this long
BYE = b"bye"
SUBJECT_HEADER = "Ledgerbus-Subject"
ACK_HEADER = "Ledgerbus-Ack"


def owner_node(key: str, nodes: Iterable[str]) -> str:
    """The process a key belongs to (rendezvous hashing: when a process comes or goes, only
    the keys it gains or loses move)."""
    return max(nodes, key=lambda node: (zlib.crc32(f"{node}|{key}".encode()), node))


class Peers:
    """The live processes of one actor, each known by its node id, this one among them."""

    def __init__(
        self, node: str, clock: Callable[[], float] = time.monotonic, ttl_s: float = PEER_TTL_S
    ) -> None:
        self.node = node
        self._clock = clock
        self._ttl_s = ttl_s
        self._seen: dict[str, float] = {}

    def heard(self, node: str, bye: bool = False) -> None:
        if bye:
            self._seen.pop(node, None)
        elif node != self.node:
            self._seen[node] = self._clock()

    def live(self) -> list[str]:
        now = self._clock()
        return [self.node, *(n for n, at in self._seen.items() if now - at <= self._ttl_s)]

    def owner(self, key: str) -> str:
        return owner_node(key, self.live())


def handover_headers(msg: Msg) -> dict[str, str]:
    """What travels with a message handed to its owner: its subject and ack subject."""
    return {**(msg.headers or {}), SUBJECT_HEADER: msg.subject, ACK_HEADER: msg.reply}


def handed_over(nc: NATS, msg: Msg) -> Msg:
    """The JetStream message a peer handed over, acked, nak'd or termed from here."""
    headers = dict(msg.headers or {})
    subject, reply = headers.pop(SUBJECT_HEADER, ""), headers.pop(ACK_HEADER, "")
    return Msg(nc, subject=subject, reply=reply, data=msg.data, headers=headers or None)
