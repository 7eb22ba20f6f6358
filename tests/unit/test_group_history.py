"""Pure rules of group entries: their value in the group's currency, and past balances folded
from the event log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from actors.splits.bills import group_value, parts_of, shares_data
from actors.splits.history import replay
from actors.splits.shares import Part, parts
from bus.fx import DayRates, RateBook

D = Decimal


def _book() -> RateBook:
    book = RateBook(max_age_days=30)
    book.add(DayRates(day=date(2026, 11, 2), source="ecb", rates={"USD": D("1.25")}))
    return book


def test_an_entry_in_another_currency_is_rescaled_exactly_at_its_days_rate() -> None:
    bill = parts(D("10.00"), "USD", [("a", D("10.00"))], "equal", ["a", "b", "c"], None)
    fields = group_value(_book(), bill, D("10.00"), "USD", "EUR", date(2026, 11, 5))
    assert fields["rate_status"] == "ok"
    assert fields["group_amount"] == D("8.00")  # 10.00 USD / 1.25
    assert fields["rate_date"] == "2026-11-02"
    shares = parts_of(fields["balance_shares"])
    assert sum(p.paid for p in shares) == sum(p.owed for p in shares) == D("8.00")
    assert sorted(p.owed for p in shares) == [D("2.66"), D("2.67"), D("2.67")]


def test_without_a_rate_an_entry_counts_in_its_own_currency() -> None:
    bill = parts(D("500"), "ARS", [("a", D("500"))], "equal", ["a", "b"], None)
    fields = group_value(_book(), bill, D("500"), "ARS", "EUR", date(2026, 11, 5))
    assert (fields["rate_status"], fields["group_amount"]) == ("missing", None)
    assert fields["balance_currency"] == "ARS"
    assert parts_of(fields["balance_shares"]) == bill


def _entry(parts_: list[Part], deleted: bool = False) -> dict[str, object]:
    return {"balance_currency": "EUR", "balance_shares": shares_data(parts_), "deleted": deleted}


def test_replay_applies_creates_edits_and_deletes_in_order() -> None:
    first = [Part("a", D("10.00"), D("5.00")), Part("b", D("0"), D("5.00"))]
    edited = [Part("a", D("30.00"), D("15.00")), Part("b", D("0"), D("15.00"))]
    other = [Part("b", D("8.00"), D("4.00")), Part("a", D("0"), D("4.00"))]
    changes = [
        (None, _entry(first)),
        (_entry(first), _entry(edited)),
        (None, _entry(other)),
    ]
    tally = replay(changes)
    assert tally.member_nets() == [("a", "EUR", D("11.00")), ("b", "EUR", D("-11.00"))]
    gone = replay([*changes, (_entry(other), _entry(other, deleted=True))])
    assert gone.member_nets() == [("a", "EUR", D("15.00")), ("b", "EUR", D("-15.00"))]
    everything_deleted = [*changes, (_entry(edited), _entry(edited, deleted=True))]
    everything_deleted.append((_entry(other), _entry(other, deleted=True)))
    assert replay(everything_deleted).member_nets() == []
