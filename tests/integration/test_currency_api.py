"""Rates, conversions and multi-currency expenses, end to end on real NATS and SecantusDB.

Expected figures are hand-checked against the ECB reference rates of 2026-10-30 in the bundled
history (1 EUR = 175.68 JPY = 1.1172 USD): 1/175.68 = 0.005692167577413... and
175.68/1.1172 = 157.2502685284..., rounded to 12 significant digits, half-even.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from actors.currency.runtime import CurrencyRuntime
from bus.settings import Settings
from deploy import rates as rates_cli
from storage.database import Database
from storage.documents import EventRecord
from tests.support.helpers import Account, Stack, eventually
from tests.support.lone_edge import lone_edge
from tests.support.servers import start_nats

pytestmark = pytest.mark.integration

JPY_EUR_20261030 = "0.00569216757741"


async def convert(stack: Stack, who: Account, **body: Any) -> tuple[int, Any]:
    return await stack.call("POST", "/v1/currency/convert", who, json=body)


async def operator_sets(
    stack: Stack, day: str, *pairs: str, force: bool = False
) -> tuple[int, str]:
    out = io.StringIO()
    cli = stack.settings.model_copy(update={"node_id": "operator-cli"})
    code = await rates_cli.set_rates(cli, date.fromisoformat(day), list(pairs), force, None, out)
    return code, out.getvalue()


async def test_convert_uses_the_latest_rate_on_or_before_the_day(stack: Stack) -> None:
    ada = await stack.signup()
    # 2026-11-01 is a Sunday: the latest published rate is Friday 2026-10-30's.
    status, body = await convert(
        stack, ada, amount="10000", **{"from": "JPY", "to": "EUR"}, date="2026-11-01"
    )
    assert status == 200, body
    assert body == {
        "amount": "10000",
        "from": "JPY",
        "to": "EUR",
        "date": "2026-11-01",
        "converted_amount": "56.92",
        "rate": JPY_EUR_20261030,
        "rate_date": "2026-10-30",
        "rate_age_days": 2,
        "source": "ECB",
        "stale": False,
    }
    # Traceable: the converted amount is amount * rate, rounded half-even to the cent.
    assert (Decimal(body["amount"]) * Decimal(body["rate"])).quantize(Decimal("0.01")) == Decimal(
        body["converted_amount"]
    )


async def test_cross_rate_goes_through_the_euro(stack: Stack) -> None:
    ada = await stack.signup()
    status, body = await convert(
        stack, ada, amount="100.00", **{"from": "USD", "to": "JPY"}, date="2026-10-30"
    )
    assert status == 200, body
    assert body["rate"] == "157.250268528"
    assert body["converted_amount"] == "15725"  # JPY has no minor unit


async def test_rates_endpoint_for_a_base_and_symbols(stack: Stack) -> None:
    ada = await stack.signup()
    status, body = await stack.call(
        "GET", "/v1/currency/rates?base=USD&symbols=JPY,EUR,ARS&date=2026-10-30", ada
    )
    assert status == 200, body
    assert body["base"] == "USD"
    assert body["rates"]["JPY"]["rate"] == "157.250268528"
    assert body["rates"]["EUR"] == {
        "rate": "0.895094880057",
        "rate_date": "2026-10-30",
        "rate_age_days": 0,
        "source": "ECB",
        "stale": False,
    }
    assert "there is no ARS rate at all" in body["missing"]["ARS"]


async def test_missing_rates_are_clear_errors_naming_pair_and_date(stack: Stack) -> None:
    ada = await stack.signup()
    status, body = await convert(
        stack, ada, amount="100", **{"from": "JPY", "to": "EUR"}, date="1998-12-01"
    )
    assert status == 422, body
    assert body["code"] == "rate_missing"
    assert "JPY->EUR" in body["detail"]
    assert "1998-12-01" in body["detail"]
    assert "rates start on 1999-01-04" in body["detail"]
    # Bulgaria adopted the euro: the lev's last ECB rate is 2025-12-31, too old for November.
    status, body = await convert(
        stack, ada, amount="10.00", **{"from": "BGN", "to": "EUR"}, date="2026-11-02"
    )
    assert status == 422, body
    assert "latest BGN rate is from 2025-12-31" in body["detail"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"amount": "10", "from": "jpy", "to": "EUR"}, "from"),
        ({"amount": "10", "from": "JPY", "to": "XYZ"}, "to"),
        ({"amount": "-5", "from": "USD", "to": "EUR"}, "amount"),
        ({"amount": "0", "from": "USD", "to": "EUR"}, "amount"),
        ({"amount": 12.5, "from": "USD", "to": "EUR"}, "amount"),
        ({"amount": "1.5", "from": "JPY", "to": "EUR"}, "body"),
        ({"amount": "1.234", "from": "USD", "to": "EUR"}, "body"),
        ({"amount": "10", "from": "USD", "to": "EUR", "date": "1969-12-31"}, "date"),
        ({"amount": "10", "from": "USD", "to": "EUR", "rate": "2"}, "rate"),
        ({"amount": "10", "from": "USD"}, "to"),
    ],
)
async def test_convert_refuses_bad_input(stack: Stack, body: dict[str, Any], where: str) -> None:
    ada = await stack.signup()
    status, problem = await convert(stack, ada, **body)
    assert status == 422, problem
    assert problem["code"] == "validation"
    assert any(where in map(str, e["loc"]) for e in problem["errors"]), problem


async def test_rates_endpoint_refuses_bad_symbols(stack: Stack) -> None:
    ada = await stack.signup()
    for path in (
        "/v1/currency/rates?symbols=usd",
        "/v1/currency/rates?base=EURO",
        "/v1/currency/rates?date=yesterday",
        "/v1/currency/rates?symbols=" + ",".join(["USD"] * 201),
        "/v1/currency/rates?colour=red",
    ):
        status, problem = await stack.call("GET", path, ada)
        assert status == 422, (path, problem)


async def test_jpy_expense_has_a_home_value_in_eur_and_counts_in_a_eur_summary(
    stack: Stack,
) -> None:
    ada = await stack.signup(currency="EUR")
    body = {"amount": "10000", "currency": "JPY", "date": "2026-11-01", "description": "ramen"}
    status, expense = await stack.call("POST", "/v1/expenses", ada, json=body)
    assert status == 201, expense
    assert expense["amount"] == "10000"
    assert expense["currency"] == "JPY"
    assert expense["home_currency"] == "EUR"
    assert expense["home_amount"] == "56.92"
    assert expense["rate"] == JPY_EUR_20261030
    assert expense["rate_date"] == "2026-10-30"
    assert expense["rate_source"] == "ECB"
    assert expense["rate_status"] == "ok"
    await stack.call(
        "POST",
        "/v1/expenses",
        ada,
        json={"amount": "20.00", "currency": "EUR", "date": "2026-11-02", "description": "taxi"},
    )
    status, summary = await stack.call(
        "GET", "/v1/expenses/summary?from=2026-11-01&to=2026-11-30", ada
    )
    assert status == 200, summary
    assert summary["display_currency"] == "EUR"  # the caller's home currency by default
    assert summary["total"] == "76.92"
    assert summary["count"] == 2
    assert {(c["currency"], c["amount"], c["converted"]) for c in summary["by_currency"]} == {
        ("EUR", "20.00", "20.00"),
        ("JPY", "10000", "56.92"),
    }
    assert summary["unconverted"] == []
    # The same list shown in dollars: each expense at its own date's rate.
    status, page = await stack.call("GET", "/v1/expenses?display=USD&from=2026-11-01", ada)
    assert status == 200, page
    shown = {item["currency"]: item["display"] for item in page["items"]}
    assert shown["JPY"]["amount"] == "63.59"  # 10000 * (1.1172 / 175.68) = 63.5928...
    assert shown["JPY"]["rate_date"] == "2026-10-30"
    assert shown["EUR"]["currency"] == "USD"
    assert shown["EUR"]["status"] == "ok"


async def test_expense_without_a_rate_is_kept_and_filled_when_a_rate_arrives(
    stack: Stack,
) -> None:
    ada = await stack.signup(currency="EUR")
    body = {"amount": "125000.00", "currency": "ARS", "date": "2026-11-03", "description": "asado"}
    status, expense = await stack.call("POST", "/v1/expenses", ada, json=body)
    assert status == 201, expense
    assert expense["home_amount"] is None
    assert expense["rate_status"] == "missing"
    assert expense["home_currency"] == "EUR"
    status, summary = await stack.call(
        "GET", "/v1/expenses/summary?from=2026-11-03&to=2026-11-03", ada
    )
    assert summary["total"] == "0.00"
    assert summary["unconverted"][0]["currency"] == "ARS"

    code, out = await operator_sets(stack, "2026-11-03", "ARS=1250.00")
    assert code == 0, out

    async def filled() -> dict[str, Any] | None:
        _, current = await stack.call("GET", f"/v1/expenses/{expense['id']}", ada)
        return current if current["rate_status"] == "ok" else None

    current = await eventually(filled)
    assert current["home_amount"] == "100.00"
    assert current["rate"] == "0.0008"
    assert current["rate_source"] == "manual"
    assert current["rate_date"] == "2026-11-03"
    assert current["version"] == 2
    events = await EventRecord.find(
        {"scope": f"user:{ada.id}", "type": "expense.converted"}
    ).to_list()
    assert [e.data["entity"]["id"] for e in events] == [expense["id"]]


async def test_operator_rates_far_from_the_last_known_are_refused_unless_forced(
    stack: Stack,
) -> None:
    # ISK on 2003-06-02 was about 86 per EUR: 8600 is a typo, 0 and negatives are not rates.
    code, out = await operator_sets(stack, "2003-06-02", "ISK=8600")
    assert code == 1, out
    assert "more than 10 times away" in out
    code, out = await operator_sets(stack, "2003-06-02", "ISK=0")
    assert code == 1, out
    code, out = await operator_sets(stack, "2003-06-02", "ISK=-3")
    assert code == 1, out
    code, out = await operator_sets(stack, "2003-06-02", "ISK=86.5")
    assert code == 0, out
    ada = await stack.signup()

    async def manual() -> dict[str, Any] | None:
        _, body = await convert(
            stack, ada, amount="865", **{"from": "ISK", "to": "EUR"}, date="2003-06-02"
        )
        return body if body.get("source") == "manual" else None

    body = await eventually(manual)
    assert body["converted_amount"] == "10.00"


async def test_changing_home_currency_keeps_recorded_values(stack: Stack) -> None:
    ada = await stack.signup(currency="EUR")
    jpy = {"amount": "10000", "currency": "JPY", "date": "2026-11-01", "description": "ramen"}
    _, before = await stack.call("POST", "/v1/expenses", ada, json=jpy)
    status, me = await stack.call(
        "PATCH", "/v1/me", ada, json={"home_currency": "USD", "expected_version": 1}
    )
    assert status == 200, me
    _, kept = await stack.call("GET", f"/v1/expenses/{before['id']}", ada)
    assert (kept["home_currency"], kept["home_amount"], kept["version"]) == ("EUR", "56.92", 1)
    _, after = await stack.call("POST", "/v1/expenses", ada, json=jpy)
    assert (after["home_currency"], after["home_amount"]) == ("USD", "63.59")
    _, shown = await stack.call("GET", f"/v1/expenses/{before['id']}?display=USD", ada)
    assert shown["home_amount"] == "56.92"
    assert shown["display"]["amount"] == "63.59"
    _, summary = await stack.call("GET", "/v1/expenses/summary?from=2026-11-01&to=2026-11-01", ada)
    assert summary["display_currency"] == "USD"
    assert summary["total"] == "127.18"


# ---- every known currency (absent or empty symbols) ------------------------------------------


async def test_rates_without_symbols_list_every_known_currency(stack: Stack) -> None:
    ada = await stack.signup()
    listed = []
    for path in (
        "/v1/currency/rates?date=2026-10-30",
        "/v1/currency/rates?symbols=&date=2026-10-30",
    ):
        status, body = await stack.call("GET", path, ada)
        assert status == 200, (path, body)
        listed.append(body)
    everything, empty = listed
    assert everything["rates"] == empty["rates"]
    # The ECB quoted 29 currencies against the euro on 2026-10-30; retired ones (BGN since the
    # lev joined the euro, RUB since 2022...) are listed as missing, with why.
    assert {"USD", "JPY", "GBP", "CHF", "SEK", "AUD", "CNY", "ZAR"} <= set(everything["rates"])
    assert len(everything["rates"]) >= 29
    assert everything["rates"]["USD"]["rate"] == "1.1172"
    assert "BGN is no longer quoted" in everything["missing"]["BGN"]
    assert "EUR" not in everything["rates"]


# ---- without a fresh rate: the latest known one, marked stale ---------------------------------

PYG_DAY = "2025-02-03"  # the only guaraní rate the store will ever hold (PYG is not in ECB data)
MONTHS_LATER = "2025-07-01"  # 148 days later


async def _guarani_rate_known(stack: Stack, who: Account) -> None:
    code, out = await operator_sets(stack, PYG_DAY, "PYG=8000")
    assert code == 0, out

    async def known() -> dict[str, Any] | None:
        status, body = await convert(
            stack, who, amount="100000", **{"from": "PYG", "to": "EUR"}, date=PYG_DAY
        )
        return body if status == 200 else None

    await eventually(known)


async def test_a_rate_months_old_converts_marked_stale_and_an_expense_records_it(
    stack: Stack,
) -> None:
    ada = await stack.signup(currency="EUR")
    await _guarani_rate_known(stack, ada)
    status, body = await convert(
        stack, ada, amount="100000", **{"from": "PYG", "to": "EUR"}, date=MONTHS_LATER
    )
    assert status == 200, body
    assert body == {
        "amount": "100000",
        "from": "PYG",
        "to": "EUR",
        "date": MONTHS_LATER,
        "converted_amount": "12.50",  # 100000 / 8000
        "rate": "0.000125",
        "rate_date": PYG_DAY,
        "rate_age_days": 148,
        "source": "manual",
        "stale": True,
    }
    expense = {"amount": "100000", "currency": "PYG", "date": MONTHS_LATER, "description": "mate"}
    status, created = await stack.call("POST", "/v1/expenses", ada, json=expense)
    assert status == 201, created

    async def valued() -> dict[str, Any] | None:  # the expenses actor's book may lag a moment
        _, current = await stack.call("GET", f"/v1/expenses/{created['id']}", ada)
        return current if current["rate_status"] != "missing" else None

    current = await eventually(valued)
    assert current["rate_status"] == "stale"
    assert (current["home_currency"], current["home_amount"]) == ("EUR", "12.50")
    assert (current["rate"], current["rate_date"], current["rate_source"]) == (
        "0.000125",
        PYG_DAY,
        "manual",
    )


async def test_an_operator_limit_on_rate_age_refuses_the_old_rate(
    stack: Stack, settings: Settings, database: Database, tmp_path: Path
) -> None:
    ada = await stack.signup(currency="EUR")
    await _guarani_rate_known(stack, ada)
    nats = start_nats(tmp_path)
    try:
        async with lone_edge(stack, settings, database, nats.url) as edge:
            strict = CurrencyRuntime(
                edge.settings.model_copy(update={"rates_max_age_days": 30, "rates_seed": False})
            )
            await strict.start(edge.nc)
            try:
                within = {"amount": "100000", "from": "PYG", "to": "EUR", "date": "2025-03-05"}
                status, body, _ = await edge.call("POST", "/v1/currency/convert", ada, within)
                assert status == 200, body  # 30 days old: the limit allows it
                assert (body["rate_age_days"], body["stale"]) == (30, True)
                older = {**within, "date": MONTHS_LATER}
                status, body, _ = await edge.call("POST", "/v1/currency/convert", ada, older)
                assert status == 422, body
                assert body["code"] == "rate_missing"
                assert body["detail"] == (
                    f"no PYG->EUR rate for {MONTHS_LATER}: the latest PYG rate is from "
                    f"{PYG_DAY}, more than 30 days earlier (the limit this installation sets)"
                )
            finally:
                await strict.stop()
    finally:
        nats.stop()
