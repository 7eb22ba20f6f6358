"""The commands about a receipt that the edge and the ocr actor's sweeper both send, with the
ids that make a repeat harmless."""

from __future__ import annotations

from bus.client import build_command
from bus.envelopes import Command
from bus.receipts import fail_command_id, scan_command_id


def scan_command(receipt_id: str, owner: str, version: int) -> Command:
    """Read this receipt (``cmd.ocr.scan``); one id per receipt version, however often sent."""
    command = build_command("receipt.scan", {"id": receipt_id}, issuer=owner)
    return command.model_copy(update={"command_id": scan_command_id(receipt_id, version)})


def fail_command(receipt_id: str, owner: str, reason: str) -> Command:
    command = build_command("receipt.fail", {"id": receipt_id, "reason": reason}, issuer=owner)
    return command.model_copy(update={"command_id": fail_command_id(receipt_id)})
