"""What a fraud actor process keeps beside its handlers: its settings (the flag threshold).
The scorer's state lives in each person's profile document, never in the process, so any
number of processes share the consumers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nats.aio.client import Client as NATS

from bus.envelopes import Command
from bus.settings import Settings


class FraudRuntime:
    def __init__(self, settings: Settings) -> None:
        self.threshold = settings.fraud_flag_threshold

    async def start(self, nc: NATS) -> None:
        return None

    async def prepare(self, commands: Sequence[Command]) -> dict[str, Any]:
        return {}

    async def stop(self) -> None:
        return None
