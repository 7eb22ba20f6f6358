"""Refreshing rates from an HTTP provider (a local server speaking the ECB's XML format), through
`ledgerbus rates refresh` and the currency actor: good, malformed, slow, failing and absurd
answers. A failure keeps the last known rates and marks them stale; nothing half-written."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from deploy import rates as rates_cli
from storage.rates import RateDayDoc
from tests.support.helpers import Stack, eventually
from tests.support.rates_provider import RatesProvider, ecb_document

pytestmark = pytest.mark.integration

DAY = "2026-11-20"
GOOD = {"USD": "1.1560", "JPY": "178.35", "GBP": "0.8761", "CHF": "0.9312"}


async def refresh(stack: Stack) -> tuple[int, dict[str, Any] | str]:
    out = io.StringIO()
    cli = stack.settings.model_copy(update={"node_id": "rates-refresh-cli"})
    code = await rates_cli.refresh(cli, out)
    text = out.getvalue()
    try:
        return code, json.loads(text)
    except ValueError:
        return code, text


async def rates_on(stack: Stack, who: Any, day: str) -> dict[str, Any]:
    status, body = await stack.call(
        "GET", f"/v1/currency/rates?symbols=USD,JPY,GBP&date={day}", who
    )
    assert status == 200, body
    return body  # type: ignore[no-any-return]


async def test_refresh_good_then_malformed_slow_failing_and_absurd(
    stack: Stack, rates_provider: RatesProvider
) -> None:
    ada = await stack.signup()

    # A good answer: the day is stored and used at once.
    rates_provider.state.serve(ecb_document(DAY, GOOD))
    code, result = await refresh(stack)
    assert code == 0, result
    assert isinstance(result, dict)
    assert result["status"] == "ok"
    assert result["days_changed"] == [DAY]
    assert result["stale"] is False

    async def fresh() -> dict[str, Any] | None:
        body = await rates_on(stack, ada, DAY)
        return body if body["rates"].get("JPY", {}).get("rate_date") == DAY else None

    body = await eventually(fresh)
    assert body["rates"]["JPY"]["rate"] == "178.35"
    assert body["rates"]["JPY"]["stale"] is False
    stored = await RateDayDoc.get(f"ECB:{DAY}")
    assert stored is not None
    assert stored.rates == dict(sorted(GOOD.items()))

    # The same answer again changes nothing (no new version, no event).
    code, result = await refresh(stack)
    assert code == 0, result
    assert isinstance(result, dict)
    assert result["days_changed"] == []
    again = await RateDayDoc.get(f"ECB:{DAY}")
    assert again is not None
    assert again.version == stored.version

    # Malformed XML, a slow answer (past the 1.5 s fetch timeout) and an HTTP 500: each is a
    # failed refresh that keeps the last rates and marks the source stale.
    for serve, expect in (
        ({"body": b"<gesmes:Envelope><Cube><Cube time='2026-11-21'>"}, "bad rates document"),
        ({"body": ecb_document("2026-11-21", GOOD), "delay_s": 4.0}, "timed out"),
        ({"body": b"upstream down", "status": 500}, "HTTP 500"),
    ):
        rates_provider.state.serve(**serve)  # type: ignore[arg-type]
        code, result = await refresh(stack)
        assert code == 1, result
        assert isinstance(result, dict)
        assert result["status"] == "failed"
        assert expect in result["error"]
        assert result["stale"] is True
        assert await RateDayDoc.get("ECB:2026-11-21") is None  # nothing half-written

    async def stale() -> dict[str, Any] | None:
        body = await rates_on(stack, ada, DAY)
        source = {s["name"]: s for s in body["sources"]}.get("ECB", {})
        return body if source.get("stale") and "HTTP 500" in source["last_error"] else None

    body = await eventually(stale)
    assert body["rates"]["JPY"]["rate"] == "178.35"  # last known rates kept
    assert body["rates"]["JPY"]["stale"] is True
    ecb = {s["name"]: s for s in body["sources"]}["ECB"]
    assert "HTTP 500" in ecb["last_error"]

    # An absurd rate (USD a thousand times off) is refused; the rest of the day is kept.
    rates_provider.state.serve(ecb_document("2026-11-21", {**GOOD, "USD": "1156.0"}))
    code, result = await refresh(stack)
    assert code == 0, result
    assert isinstance(result, dict)
    assert result["days_changed"] == ["2026-11-21"]
    assert "more than 10 times away" in result["refused"]["2026-11-21 USD"]
    kept = await RateDayDoc.get("ECB:2026-11-21")
    assert kept is not None
    assert "USD" not in kept.rates
    assert kept.rates["JPY"] == "178.35"

    async def recovered() -> dict[str, Any] | None:
        body = await rates_on(stack, ada, "2026-11-21")
        source = {s["name"]: s for s in body["sources"]}.get("ECB", {})
        return body if source.get("stale") is False else None

    body = await eventually(recovered)
    assert body["rates"]["USD"]["rate_date"] == DAY  # the refused USD falls back a day
    assert body["rates"]["JPY"]["rate_date"] == "2026-11-21"

    # A stored day sent again with one absurd rate: the others change, the refused one keeps
    # its stored value (it is not dropped from the day).
    rates_provider.state.serve(ecb_document(DAY, {**GOOD, "USD": "1156.0", "JPY": "178.40"}))
    code, result = await refresh(stack)
    assert code == 0, result
    assert isinstance(result, dict)
    assert result["days_changed"] == [DAY]
    assert f"{DAY} USD" in result["refused"]
    redone = await RateDayDoc.get(f"ECB:{DAY}")
    assert redone is not None
    assert redone.rates["USD"] == "1.1560"
    assert redone.rates["JPY"] == "178.40"
