"""Commands of the currency actor: refreshing from the provider, and operators' rates."""

from __future__ import annotations

from datetime import date

from actors.changes import change_data
from actors.currency.rules import judge_day, judge_rate
from actors.currency.runtime import CurrencyRuntime
from actors.kernel import Decision, accept, runtime_of
from bus.commands import RefreshRates, SetRates
from bus.conversions import RatesChanged, RatesRefresh, RatesSet
from bus.envelopes import Command, FieldError
from bus.fx import MANUAL_SOURCE, DayRates
from bus.ids import system_scope
from storage.rates import RateDayDoc, RateSourceDoc, rate_day_doc, rate_day_id
from storage.unit_of_work import CommandWork

RATES_SCOPE = system_scope("rates")


async def _stage_day(work: CommandWork, day_rates: DayRates, merge: bool) -> bool:
    """Stage one source's day; True if it changed anything. ``merge`` keeps the day's other
    currencies (an operator sets a few); otherwise the provider's day replaces the stored one."""
    current = await work.get(RateDayDoc, rate_day_id(day_rates.source, day_rates.day))
    new = rate_day_doc(day_rates, (current.version + 1) if current else 1, work.now)
    if current is not None and merge:
        new.rates = dict(sorted({**current.rates, **new.rates}.items()))
    if current is not None and current.rates == new.rates:
        return False
    work.put(new)
    return True


def _rates_updated(work: CommandWork, source: str, days: list[date], currencies: set[str]) -> None:
    changed = RatesChanged(source=source, days=sorted(days), currencies=sorted(currencies))
    work.emit(RATES_SCOPE, "rates.updated", change_data(changed))


async def refresh_rates(command: Command, p: RefreshRates, work: CommandWork) -> Decision:
    """Store what the provider returned (fetched before the transaction); on failure keep the
    last known rates and mark the source stale."""
    runtime = runtime_of(work, CurrencyRuntime)
    source = runtime.settings.rates_provider_name
    fetched = runtime.fetched.get(command.command_id)
    status = await work.get(RateSourceDoc, source) or RateSourceDoc(
        id=source, version=0, updated_at=work.now
    )
    update: dict[str, object] = {
        "url": runtime.settings.rates_provider_url,
        "last_attempt_at": work.now,
        "version": status.version + 1,
        "updated_at": work.now,
    }
    if not isinstance(fetched, list):
        error = str(fetched) if fetched is not None else "the provider was not asked"
        work.put(status.model_copy(update={**update, "stale": True, "last_error": error}))
        latest = date.fromisoformat(status.latest_day) if status.latest_day else None
        failed = RatesRefresh(
            source=source, status="failed", error=error, latest_day=latest, stale=True
        )
        work.emit(RATES_SCOPE, "rates.refresh_failed", change_data(failed))
        return accept(failed)
    changed: list[date] = []
    currencies: set[str] = set()
    refused: dict[str, str] = {}
    book = runtime.reader.book
    for day_rates in fetched:
        kept, refused_today = judge_day(
            DayRates(day_rates.day, day_rates.rates, source), book, runtime.settings.rates_max_jump
        )
        refused.update({f"{day_rates.day} {code}": why for code, why in refused_today.items()})
        if kept is not None and await _stage_day(work, kept, merge=False):
            changed.append(kept.day)
            currencies.update(kept.rates)
    latest = max((d.day for d in fetched), default=None)
    if status.latest_day and (latest is None or status.latest_day > latest.isoformat()):
        latest = date.fromisoformat(status.latest_day)
    work.put(
        status.model_copy(
            update={
                **update,
                "stale": False,
                "last_success_at": work.now,
                "last_error": f"{len(refused)} rates refused" if refused else None,
                "latest_day": latest.isoformat() if latest else None,
            }
        )
    )
    if changed:
        _rates_updated(work, source, changed, currencies)
    return accept(
        RatesRefresh(
            source=source,
            status="ok",
            days_fetched=len(fetched),
            days_changed=sorted(changed),
            refused=refused,
            latest_day=latest,
            stale=False,
        )
    )


async def set_rates(command: Command, p: SetRates, work: CommandWork) -> Decision:
    """An operator's rates for a day; each is checked against the last known one unless forced."""
    runtime = runtime_of(work, CurrencyRuntime)
    book = runtime.reader.book
    errors: dict[str, str] = {}
    for code, rate in p.rates.items():
        previous = book.leg(code, p.day)
        reason = judge_rate(
            code,
            rate,
            previous.rate if previous and not p.force else None,
            runtime.settings.rates_max_jump,
        )
        if reason is not None:
            errors[code] = reason
    if errors:
        first = next(iter(errors.values()))
        hint = "" if p.force else " (send force: true if it is right)"
        return Decision(
            False,
            code="validation",
            message=f"rate refused: {first}{hint}",
            errors=tuple(FieldError(loc=["rates", code], msg=why) for code, why in errors.items()),
        )
    day_rates = DayRates(p.day, dict(p.rates), MANUAL_SOURCE)
    changed = await _stage_day(work, day_rates, merge=True)
    stored = await work.get(RateDayDoc, rate_day_id(MANUAL_SOURCE, p.day))
    if changed:
        _rates_updated(work, MANUAL_SOURCE, [p.day], set(p.rates))
    return accept(
        RatesSet(
            day=p.day,
            rates=dict(p.rates),
            source=MANUAL_SOURCE,
            note=p.note,
            version=stored.version if stored else 1,
        )
    )
