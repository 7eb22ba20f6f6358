"""An item's amounts in the recipient's own currency, on the stack: a bill in euros reaches a
member whose home currency is the franc with the amount also in francs, at the rate of the
seeded ECB history (what the currency actor's own conversion says), and one whose home
currency is the euro as it was given."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.group_helpers import add_bill, equal_bill, make_group
from tests.support.helpers import Account, Stack, eventually

pytestmark = pytest.mark.integration


async def _bill_item(stack: Stack, who: Account) -> dict[str, Any] | None:
    status, page = await stack.call("GET", "/v1/notifications", who)
    assert status == 200, page
    found = [i for i in page["items"] if i["kind"] == "group_bill"]
    return found[0] if found else None


async def test_a_bill_is_told_in_each_members_own_currency(stack: Stack) -> None:
    ada = await stack.signup("Ada", currency="EUR")
    bo = await stack.signup("Bo", currency="CHF")
    cy = await stack.signup("Cy", currency="EUR")
    group = await make_group(stack, ada, bo, cy)
    await add_bill(stack, ada, group["id"], equal_bill("90.00", ada, [ada, bo, cy]))

    bos = await eventually(lambda: _bill_item(stack, bo))
    [amount] = bos["amounts"]
    assert (amount["amount"], amount["currency"], amount["display_currency"]) == (
        "90.00",
        "EUR",
        "CHF",
    )
    status, quoted = await stack.call(  # what the currency actor says the same amount is
        "POST",
        "/v1/currency/convert",
        bo,
        json={"amount": "90.00", "from": "EUR", "to": "CHF", "date": bos["created_at"][:10]},
    )
    assert status == 200, quoted
    assert amount["display_amount"] == quoted["converted_amount"]
    assert bos["body"].endswith(f"(about {amount['display_amount']} CHF)")

    cys = await eventually(lambda: _bill_item(stack, cy))
    assert cys["amounts"] == [
        {"amount": "90.00", "currency": "EUR", "display_amount": None, "display_currency": None}
    ]
