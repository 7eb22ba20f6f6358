"""Commands of the currency actor: refreshing from the provider, and operators' rates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from actors.changes import change_data
from actors.currency.provider import ProviderError
from actors.currency.rules import judge_day, judge_rate
from actors.currency.runtime import CurrencyRuntime
from actors.kernel import Decision, accept, reject, runtime_of
from actors.work import Work
from bus.conversions import RatesChanged, RatesRefresh, RatesSet
from bus.envelopes import Command
from bus.fx import MANUAL_SOURCE, DayRates
from bus.ids import RATES_SCOPE
from bus.rate_commands import RefreshRates, SetRates
from storage.rates import RateDayDoc, RateSourceDoc, rate_day_doc, rate_day_id


async def _stage_day(
    work: Work, day_rates: DayRates, keep_stored: Callable[[str], bool]
) -> RateDayDoc | None:
    """Stage one source's day over the stored one, keeping the stored rates of the currencies
    ``keep_stored`` names (all of them for an operator, who sets a few; the refused ones for a
    provider, whose answer otherwise replaces the day). The staged day, or None if unchanged."""
    current = await work.get(RateDayDoc, rate_day_id(day_rates.source, day_rates.day))
    new = rate_day_doc(day_rates, (current.version + 1) if current else 1, work.now)
    if current is not None:
        kept = {code: rate for code, rate in current.rates.items() if keep_stored(code)}
        new.rates = dict(sorted({**kept, **new.rates}.items()))
        if current.rates == new.rates:
            return None
    work.put(new)
    return new


def _all(code: str) -> bool:
    return True


def _rates_updated(work: Work, source: str, days: list[date], currencies: set[str]) -> None:
    changed = RatesChanged(source=source, days=sorted(days), currencies=sorted(currencies))
    work.emit(RATES_SCOPE, "rates.updated", change_data(changed))


async def refresh_rates(command: Command, p: RefreshRates, work: Work) -> Decision:
    """Store what the provider returned (fetched before the transaction); on failure keep the
    last known rates and mark the source stale."""
    runtime = runtime_of(work, CurrencyRuntime)
    source = runtime.settings.rates_provider_name
    fetched: list[DayRates] | ProviderError | None = work.prepared
    if fetched is None:  # prepare did not run for it: retry the command rather than guess
        raise RuntimeError("rates.refresh reached its handler without a provider answer")
    status = await work.get(RateSourceDoc, source) or RateSourceDoc(
        id=source, version=0, updated_at=work.now
    )
    update: dict[str, object] = {
        "url": runtime.settings.rates_provider_url,
        "last_attempt_at": work.now,
        "version": status.version + 1,
        "updated_at": work.now,
    }
    if isinstance(fetched, ProviderError):
        error = str(fetched)
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
        kept, refused_today = judge_day(day_rates, book, runtime.settings.rates_max_jump)
        refused.update({f"{day_rates.day} {code}": why for code, why in refused_today.items()})
        if kept is not None and await _stage_day(work, kept, refused_today.__contains__):
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


async def set_rates(command: Command, p: SetRates, work: Work) -> Decision:
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
        return reject(
            "validation",
            f"rate refused: {first}{hint}",
            fields={f"rates.{code}": why for code, why in errors.items()},
        )
    staged = await _stage_day(work, DayRates(p.day, dict(p.rates), MANUAL_SOURCE), _all)
    if staged is not None:
        _rates_updated(work, MANUAL_SOURCE, [p.day], set(p.rates))
    stored = staged or await work.get(RateDayDoc, rate_day_id(MANUAL_SOURCE, p.day))
    return accept(
        RatesSet(
            day=p.day,
            rates=dict(p.rates),
            source=MANUAL_SOURCE,
            note=p.note,
            version=stored.version if stored else 1,
        )
    )
