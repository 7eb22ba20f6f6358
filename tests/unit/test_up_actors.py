"""``ledgerbus up --actors``: only known actors, and the currency actor beside any that reads
rates (it seeds them)."""

from __future__ import annotations

import pytest

from deploy.cli import main


def test_up_refuses_an_unknown_actor_or_one_that_reads_rates_without_currency(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for wrong, said in (
        ("expenses,nope", "unknown actor nope"),
        ("expenses", "expenses read rates: add currency"),
        (" , ", "unknown actor (none given)"),
    ):
        with pytest.raises(SystemExit) as exited:
            main(["up", "--actors", wrong])
        assert exited.value.code == 2
        assert said in capsys.readouterr().err


def test_the_chosen_actors_are_known_sorted_and_unique() -> None:
    from deploy.commands.processes import actor_list

    assert actor_list("expenses, currency,accounts,expenses") == [
        "accounts",
        "currency",
        "expenses",
    ]
