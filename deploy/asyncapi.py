"""The bus's AsyncAPI document, generated from every actor's FastStream router (no connection)."""

from __future__ import annotations

import json
from typing import Any

from faststream.nats import NatsBroker, NatsMessage
from faststream.specification import AsyncAPI

from actors.app import actor_router
from actors.registry import ACTORS
from bus.settings import Settings


async def _describe_only(msg: NatsMessage) -> None:
    raise RuntimeError("this broker only describes the bus")


def asyncapi_document(settings: Settings) -> dict[str, Any]:
    """One AsyncAPI 3 document with every actor's subscriptions and their message schemas."""
    broker = NatsBroker(settings.nats_url.split(","))
    for definition in ACTORS.values():
        broker.include_router(actor_router(definition, settings, _describe_only, describe=True))
    spec = AsyncAPI(
        broker,
        title="ledgerbus bus",
        version="0.1.0",
        description="Commands on cmd.<domain>.<verb>; events on evt.<scope_kind>.<scope_id>.<entity>.<verb>.",
    )
    document: dict[str, Any] = json.loads(spec.to_specification().to_json())
    return document
