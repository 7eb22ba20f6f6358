"""Helpers of the receipt tests: uploading a file and reading the receipt back once read."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.support.helpers import Account, Stack, eventually


async def upload(
    stack: Stack,
    who: Account,
    data: bytes,
    content_type: str = "image/png",
    filename: str = "receipt.png",
    **fields: str,
) -> tuple[int, Any]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    for name, value in fields.items():
        form.add_field(name, value)
    return await stack.call("POST", "/v1/receipts", who, data=form)


async def read_back(stack: Stack, who: Account, receipt_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        status, body = await stack.call("GET", f"/v1/receipts/{receipt_id}", who)
        assert status == 200, body
        return body if body["status"] != "pending" else None

    return await eventually(done, timeout_s=60)
