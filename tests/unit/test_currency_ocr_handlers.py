"""The currency actor's rate commands, decided on the in-memory unit of work with the runtime
built (not started) around a rate book in memory: a provider's answer (what its ``prepare``
fetched) stored where believable, a failed fetch marking the source stale, and operators'
rates checked against the last known ones. The ocr actor's receipt commands are in
``test_unit_receipt_handlers``. No server is started."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actors.currency.handlers import refresh_rates, set_rates
from actors.currency.provider import ProviderError
from actors.kernel import Decision
from bus.ids import RATES_SCOPE
from bus.rate_commands import RefreshRates, SetRates
from storage.rates import RateDayDoc, RateSourceDoc
from tests.support import budget_docs as docs
from tests.support.fake_work import NOW, MemoryWork, command, decide

NOV19, NOV20 = date(2026, 11, 19), date(2026, 11, 20)


def _errors(decision: Decision) -> dict[str, str]:
    return {".".join(str(p) for p in e.loc): e.msg for e in decision.errors}


def _day(source: str, day: date, version: int = 1, **rates: str) -> RateDayDoc:
    return RateDayDoc(
        id=f"{source}:{day.isoformat()}",
        source=source,
        day=day.isoformat(),
        rates=rates,
        version=version,
        updated_at=NOW,
    )


async def _refresh(work: MemoryWork) -> Decision:
    sent = command("rates.refresh", None, {"trigger": "schedule"})
    return await decide(refresh_rates, sent, RefreshRates(trigger="schedule"), work)


async def _set(work: MemoryWork, **fields: Any) -> Decision:
    sent = command("rates.set", docs.new_id())
    return await decide(set_rates, sent, SetRates(**{"day": NOV20, **fields}), work)


# ---- rates.refresh ------------------------------------------------------------------------


async def test_a_refresh_stores_the_believable_rates_and_keeps_the_last_known_of_the_rest(
    documents: None,
) -> None:
    runtime = docs.currency_runtime(docs.rates(NOV19, USD="1.10", GBP="0.85"))
    fetched = [
        docs.rates(NOV19, USD="1.10", GBP="0.85"),  # as stored: unchanged
        docs.rates(NOV20, USD="1.12", GBP="9.0", JPY="0"),  # GBP jumps ten times; JPY 0
    ]
    stored = [
        _day("ECB", NOV19, USD="1.10", GBP="0.85"),
        _day("ECB", NOV20, USD="1.11", GBP="0.86"),
    ]
    work = MemoryWork(*stored, runtime=runtime, prepared=fetched)
    done = await _refresh(work)
    why = "9.0 is more than 10 times away from the last known GBP rate 0.85"
    assert done.entity == {
        "source": "ECB",
        "status": "ok",
        "error": None,
        "days_fetched": 2,
        "days_changed": ["2026-11-20"],
        "refused": {
            "2026-11-20 GBP": why,
            "2026-11-20 JPY": "a rate must be a positive number; got 0",
        },
        "latest_day": "2026-11-20",
        "stale": False,
    }
    assert work.one(RateDayDoc, "ECB:2026-11-19").version == 1
    day = work.one(RateDayDoc, "ECB:2026-11-20")
    assert (day.rates, day.version) == ({"GBP": "0.86", "USD": "1.12"}, 2)
    [event] = work.committed
    assert (event.scope, event.type, event.data["entity"]) == (
        RATES_SCOPE,
        "rates.updated",
        {"source": "ECB", "days": ["2026-11-20"], "currencies": ["USD"]},
    )
    source = work.one(RateSourceDoc, "ECB")
    assert (source.stale, source.last_error, source.latest_day, source.version) == (
        False,
        "2 rates refused",
        "2026-11-20",
        1,
    )
    assert (source.last_attempt_at, source.last_success_at) == (NOW, NOW)
    assert source.url == runtime.settings.rates_provider_url


async def test_a_refresh_with_nothing_new_emits_nothing_and_keeps_the_latest_day(
    documents: None,
) -> None:
    status = RateSourceDoc(id="ECB", latest_day="2026-11-25", version=4, updated_at=NOW)
    runtime = docs.currency_runtime(docs.rates(NOV19, USD="1.10"))
    fetched = [docs.rates(NOV19, USD="1.10")]
    work = MemoryWork(status, _day("ECB", NOV19, USD="1.10"), runtime=runtime, prepared=fetched)
    done = await _refresh(work)
    assert done.entity is not None
    assert (done.entity["days_changed"], done.entity["latest_day"]) == ([], "2026-11-25")
    assert work.committed == []
    source = work.one(RateSourceDoc, "ECB")
    assert (source.version, source.latest_day, source.last_error) == (5, "2026-11-25", None)


async def test_a_failed_fetch_keeps_the_rates_and_marks_the_source_stale(documents: None) -> None:
    ok_at = NOW.replace(hour=6)
    status = RateSourceDoc(
        id="ECB", latest_day="2026-11-20", last_success_at=ok_at, version=3, updated_at=ok_at
    )
    failure = ProviderError("HTTP 503 from the provider")
    work = MemoryWork(status, runtime=docs.currency_runtime(), prepared=failure)
    done = await _refresh(work)
    assert done.accepted
    assert done.entity is not None
    assert {k: done.entity[k] for k in ("status", "error", "latest_day", "stale")} == {
        "status": "failed",
        "error": "HTTP 503 from the provider",
        "latest_day": "2026-11-20",
        "stale": True,
    }
    assert [(e.scope, e.type) for e in work.committed] == [(RATES_SCOPE, "rates.refresh_failed")]
    assert work.committed[0].data["entity"] == done.entity
    source = work.one(RateSourceDoc, "ECB")
    assert (source.stale, source.last_error, source.version) == (True, str(failure), 4)
    assert (source.last_success_at, source.last_attempt_at) == (ok_at, NOW)


async def test_a_refresh_its_runtime_did_not_prepare_is_retried_not_guessed(
    documents: None,
) -> None:
    work = MemoryWork(runtime=docs.currency_runtime(), prepared=None)
    with pytest.raises(RuntimeError, match="without a provider answer"):
        await _refresh(work)
    assert (work.staged, work.events) == ([], [])


# ---- rates.set ----------------------------------------------------------------------------


async def test_an_operators_rate_far_from_the_last_known_needs_force(documents: None) -> None:
    runtime = docs.currency_runtime(docs.rates(NOV19, USD="1.10", GBP="0.85"))
    work = MemoryWork(runtime=runtime)
    refused = await _set(work, rates={"USD": "20", "GBP": "0.01", "JPY": "160"})
    assert refused.code == "validation"
    assert refused.message == (
        "rate refused: 20 is more than 10 times away from the last known USD rate 1.10"
        " (send force: true if it is right)"
    )
    assert set(_errors(refused)) == {"rates.USD", "rates.GBP"}
    assert work.committed == []
    forced = await _set(work, rates={"USD": "20"}, force=True, note="redenominated")
    assert forced.entity == {
        "day": "2026-11-20",
        "rates": {"USD": "20"},
        "source": "manual",
        "note": "redenominated",
        "version": 1,
    }
    assert [(e.scope, e.type, e.data["entity"]) for e in work.committed] == [
        (
            RATES_SCOPE,
            "rates.updated",
            {"source": "manual", "days": ["2026-11-20"], "currencies": ["USD"]},
        )
    ]
    assert work.one(RateDayDoc, "manual:2026-11-20").rates == {"USD": "20"}


async def test_operators_rates_of_a_day_add_up_and_a_repeat_changes_nothing(
    documents: None,
) -> None:
    held = _day("manual", NOV20, version=2, USD="1.10")
    work = MemoryWork(held, runtime=docs.currency_runtime(docs.rates(NOV19, GBP="0.85")))
    added = await _set(work, rates={"GBP": "0.86"})
    assert added.entity is not None
    assert added.entity["version"] == 3
    assert work.one(RateDayDoc, held.id).rates == {"GBP": "0.86", "USD": "1.10"}
    assert work.committed[-1].data["entity"]["currencies"] == ["GBP"]
    work = work.next()
    repeat = await _set(work, rates={"USD": "1.10"})
    assert repeat.entity is not None
    assert repeat.entity["version"] == 3
    assert len(work.committed) == 1
