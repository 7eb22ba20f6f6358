"""Commands sent over a socket: ``command`` (one, its outcome in the ack) and ``sync.commands``
(a device's offline batch). Both go through the node's :class:`bus.gateway.CommandGateway`
(rate limit → send → outcome), as the HTTP edge's writes do; this module only says it in acks."""

from __future__ import annotations

from typing import Any

import structlog
from pymongo.errors import PyMongoError

from bus.client_commands import Rejection, parse_command
from bus.gateway import CommandGateway, TooManyWrites
from bus.sync import BatchTooLarge
from realtime.auth import SocketIdentity
from realtime.outages import BUS_UNAVAILABLE, BusDown

log = structlog.get_logger(__name__)


def too_many_writes(exc: TooManyWrites) -> dict[str, Any]:
    """The ack of a write refused because the person's allowance is spent."""
    return Rejection(
        f"too many changes too fast; retry in {exc.retry_after_s:.1f}s", code="too_many_writes"
    ).ack()


class SocketCommands:
    """Handlers of the socket events that write; they run only for signed-in sockets."""

    def __init__(self, gateway: CommandGateway) -> None:
        self._gateway = gateway

    async def on_command(
        self, sid: str, identity: SocketIdentity, data: object, extra: tuple[object, ...]
    ) -> dict[str, Any]:
        """``emit("command", {type, payload, command_id?, expected_version?}, ack)``: the
        outcome in the ack, or ``{status: pending, command_id}`` if it is slow."""
        if extra:
            return Rejection("send the command as one object").ack()
        try:
            self._gateway.spend(identity.user_id)
        except TooManyWrites as exc:
            return too_many_writes(exc)
        parsed = parse_command(data, issuer=identity.user_id, device_id=identity.device_id)
        if isinstance(parsed, Rejection):
            log.info("socket_command_invalid", user_id=identity.user_id, reason=parsed.message)
            return parsed.ack()
        command = parsed
        with structlog.contextvars.bound_contextvars(
            user_id=identity.user_id, command_id=command.command_id, command_type=command.type
        ):
            try:
                outcome = await self._gateway.send(command)
            except (*BusDown, PyMongoError) as exc:
                log.warning("socket_command_unavailable", error=str(exc)[:200])
                return Rejection(BUS_UNAVAILABLE, code="unavailable").ack()
            if outcome is None:
                log.info("socket_command_pending")
                return {"status": "pending", "command_id": command.command_id}
            log.info("socket_command_done", status=outcome.status)
            return outcome.model_dump(mode="json")

    async def on_sync_commands(
        self, sid: str, identity: SocketIdentity, data: object, extra: tuple[object, ...]
    ) -> dict[str, Any]:
        """``emit("sync.commands", [...], ack)``: a batch of offline commands, as
        ``POST /v1/sync/commands`` (one result each, in order)."""
        if extra or not isinstance(data, list):
            return Rejection("send the commands as one list").ack()
        try:
            results = await self._gateway.send_batch(
                data, issuer=identity.user_id, device_id=identity.device_id
            )
        except BatchTooLarge as exc:
            return Rejection(str(exc)).ack()
        except TooManyWrites as exc:
            return too_many_writes(exc)
        except (*BusDown, PyMongoError) as exc:
            log.warning("socket_sync_unavailable", error=str(exc)[:200])
            return Rejection(BUS_UNAVAILABLE, code="unavailable").ack()
        return {"status": "done", "results": results}
