"""Helpers every handler uses: ownership, version checks and the shape of change events."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bus.envelopes import Command


def change_data(entity: BaseModel, before: BaseModel | None = None) -> dict[str, Any]:
    """Event data: the full state after, its version, and the state before (tombstones too)."""
    after = entity.model_dump(mode="json")
    return {
        "entity": after,
        "version": after.get("version"),
        "before": before.model_dump(mode="json") if before is not None else None,
    }


def is_stale(command: Command, current_version: int) -> bool:
    """True if the command names a version and it is not the current one."""
    return command.expected_version is not None and command.expected_version != current_version
