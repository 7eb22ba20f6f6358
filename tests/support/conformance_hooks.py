"""Schemathesis hooks for ledgerbus: what a client does that a JSON Schema cannot say.

Loaded by the OpenAPI conformance test and by ``tests/conformance_cli.py``. Only schema-valid
(positive) requests are touched, and each stays schema-valid: it becomes the request a correct
client sends.

- ``Idempotency-Key``: a client makes a fresh key for each distinct request; a key reused with
  another body is refused (422 ``idempotency_mismatch``), by design.
- ``cursor``: an opaque token, only ever a previous page's ``next_cursor``; a made-up one that
  does not decode is left out instead of being sent.
- A Web Push subscription's ``keys``: a browser's real P-256 public key and secret (the schema
  states their shape; a point on the curve is what no schema can say).
"""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from storage.queries import BadCursor, decode_time_cursor

MAX_KEY = 200  # http_edge.dispatch.MAX_KEY_LENGTH


def _is_positive(case: Any) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def fresh_idempotency_key(headers: dict[str, Any] | None) -> None:
    """A valid key becomes another valid key, unique to this request; an invalid one stays."""
    if not headers:
        return
    for name in list(headers):
        value = headers[name]
        if (
            name.lower() == "idempotency-key"
            and isinstance(value, str)
            and 0 < len(value) <= MAX_KEY
        ):
            headers[name] = str(uuid.uuid4())


def drop_made_up_cursor(query: dict[str, Any] | None) -> None:
    """A pattern-valid cursor the server never made carries no position: leave it out."""
    cursor = query.get("cursor") if query else None
    if not isinstance(cursor, str) or not cursor:
        return
    if not cursor.replace("-", "").replace("_", "").isalnum() or len(cursor) > MAX_KEY:
        return  # not a cursor by the schema: a negative case, sent as it is
    try:
        decode_time_cursor(cursor)  # every list's cursor starts with a date or a time
    except BadCursor:
        assert query is not None
        del query["cursor"]


def browser_keys(body: Any) -> None:
    """A subscription's keys become a real browser's: a P-256 point and a 16-byte secret."""
    subscription = body.get("subscription") if isinstance(body, dict) else None
    keys = subscription.get("keys") if isinstance(subscription, dict) else None
    if not isinstance(keys, dict) or "p256dh" not in keys or "auth" not in keys:
        return
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    keys["p256dh"] = base64.urlsafe_b64encode(point).rstrip(b"=").decode()
    keys["auth"] = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if _is_positive(case):  # an invalid request stays exactly as generated
        fresh_idempotency_key(case.headers)
        drop_made_up_cursor(case.query)
        browser_keys(case.body)
