"""Pure rules of budget spending: what an expense contributes to a budget, the tally per
period, rollover, the alerts a change sets off (each threshold once per period), and status.

Nothing here reads a clock or a database: the caller passes ``now`` and a ``Convert``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from actors.budgets.periods import (
    Calendar,
    Period,
    days_elapsed,
    days_left,
    first_period,
    local_day,
    next_period,
    period_by_key,
    period_containing,
    periods_between,
)
from bus.budgets import BudgetStatus
from bus.money import ROUNDING, round_to_currency

Convert = Callable[[Decimal, str, str, date], Decimal | None]
"""``(amount, from, to, on)`` -> the amount in ``to`` at ``on``'s rate, or None without one."""

_PERCENT = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Spend:
    """One expense as budgets see it (the latest version applied)."""

    id: str
    scope: str
    version: int
    counts: bool  # not deleted, and spending (income never counts)
    day: date
    occurred_at: datetime | None
    category: str | None
    amount: Decimal
    currency: str
    value: Decimal | None = None  # its value in value_currency (home or group currency)
    value_currency: str | None = None
    # Its value in other budgets' currencies as first converted (None: no rate then), so what
    # a later version takes away is exactly what this one added, whatever rates came since.
    conversions: Mapping[str, Decimal | None] = field(default_factory=dict)


def spend_of_expense(scope: str, entity: Mapping[str, Any], deleted: bool = False) -> Spend:
    """A personal expense from its event entity (``deleted``: the entity is a tombstone)."""
    home = entity.get("home_amount")
    return Spend(
        id=f"expense:{entity['id']}",
        scope=scope,
        version=int(entity["version"]),
        counts=entity.get("type", "expense") == "expense" and not deleted,
        day=date.fromisoformat(entity["date"]),
        occurred_at=_instant(entity.get("occurred_at")),
        category=entity.get("category_id"),
        amount=Decimal(entity["amount"]),
        currency=entity["currency"],
        value=Decimal(home) if home is not None else None,
        value_currency=entity.get("home_currency"),
    )


def spend_of_group_expense(scope: str, entity: Mapping[str, Any], deleted: bool = False) -> Spend:
    """A group expense (the whole bill) from its event entity."""
    value = entity.get("group_amount")
    label = entity.get("category")
    return Spend(
        id=f"group_expense:{entity['id']}",
        scope=scope,
        version=int(entity["version"]),
        counts=not (deleted or entity.get("deleted", False)),
        day=date.fromisoformat(entity["date"]),
        occurred_at=None,
        category=label.strip().casefold() if isinstance(label, str) else None,
        amount=Decimal(entity["amount"]),
        currency=entity["currency"],
        value=Decimal(value) if value is not None else None,
        value_currency=entity.get("group_currency"),
    )


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class BudgetRules:
    """What a budget counts and how much it allows."""

    scope: str
    amount: Decimal
    currency: str
    calendar: Calendar
    category_ids: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    rollover: bool = False
    thresholds: tuple[int, ...] = (50, 80, 100)

    def counts_category(self, category: str | None) -> bool:
        wanted = self.category_ids or self.categories
        return not wanted or category in wanted


@dataclass(frozen=True, slots=True)
class Contribution:
    key: str  # the period's first day
    amount: Decimal | None  # in the budget's currency; None while no rate converts it


PLACEMENT_SLACK_DAYS = 2  # a moment's day in another timezone is at most this far from its own


def spend_day(rules: BudgetRules, spend: Spend) -> date:
    """The local day an expense falls on for this budget: its moment in the budget's timezone
    when the device gave one that agrees with the recorded day (in the device's own offset),
    else the recorded day (a day edited since wins over the moment)."""
    moment = spend.occurred_at
    if moment is not None and moment.date() == spend.day:
        return local_day(moment, rules.calendar.timezone)
    return spend.day


def needs_conversion(spend: Spend, currency: str) -> bool:
    return spend.currency != currency and spend.value_currency != currency


def pin(spend: Spend, currencies: Iterable[str], convert: Convert) -> Spend:
    """``spend`` with its value in each of ``currencies`` it needs converting to fixed, at its
    day's rate as known now (kept with the spend from then on)."""
    missing = sorted(
        {c for c in currencies if needs_conversion(spend, c) and c not in spend.conversions}
    )
    if not missing:
        return spend
    fixed = {c: convert(spend.amount, spend.currency, c, spend.day) for c in missing}
    return replace(spend, conversions={**spend.conversions, **fixed})


def value_in(rules: BudgetRules, spend: Spend, convert: Convert) -> Decimal | None:
    """The expense in the budget's currency: its own amount, its fixed home (or group) value,
    its pinned conversion, or converted at its day's rate."""
    if spend.currency == rules.currency:
        return spend.amount
    if spend.value_currency == rules.currency:
        return spend.value
    if rules.currency in spend.conversions:
        return spend.conversions[rules.currency]
    return convert(spend.amount, spend.currency, rules.currency, spend.day)


def contribution(rules: BudgetRules, spend: Spend | None, convert: Convert) -> Contribution | None:
    """What ``spend`` adds to the budget, in which period; None if it does not count."""
    if spend is None or not spend.counts or spend.scope != rules.scope:
        return None
    if not rules.counts_category(spend.category):
        return None
    period = period_containing(rules.calendar, spend_day(rules, spend))
    if period is None:
        return None
    return Contribution(period.key, value_in(rules, spend, convert))


# ---- the tally ----------------------------------------------------------------------------


@dataclass(slots=True)
class PeriodTally:
    spent: Decimal = Decimal(0)
    counted: int = 0
    awaiting: int = 0  # expenses that count but have no rate yet
    fired: list[int] = field(default_factory=list)
    exceeded: bool = False

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PeriodTally:
        return cls(
            spent=Decimal(data.get("spent", "0")),
            counted=int(data.get("counted", 0)),
            awaiting=int(data.get("awaiting", 0)),
            fired=[int(t) for t in data.get("fired", [])],
            exceeded=bool(data.get("exceeded", False)),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "spent": format(self.spent, "f"),
            "counted": self.counted,
            "awaiting": self.awaiting,
            "fired": sorted(self.fired),
            "exceeded": self.exceeded,
        }

    @property
    def empty(self) -> bool:
        return not (self.spent or self.counted or self.awaiting or self.fired or self.exceeded)


Tally = dict[str, PeriodTally]


def load_tally(data: Mapping[str, Mapping[str, Any]]) -> Tally:
    return {key: PeriodTally.from_data(value) for key, value in data.items()}


def dump_tally(tally: Tally) -> dict[str, dict[str, Any]]:
    return {key: value.to_data() for key, value in sorted(tally.items()) if not value.empty}


def apply(tally: Tally, change: Contribution | None, sign: int) -> str | None:
    """Add (sign 1) or take away (sign -1) one contribution; the period key it touched."""
    if change is None:
        return None
    period = tally.setdefault(change.key, PeriodTally())
    if change.amount is None:
        period.awaiting += sign
    else:
        period.spent += sign * change.amount
        period.counted += sign
    return change.key


def same_period(before: Calendar, after: Calendar, key: str) -> bool:
    """Whether ``key`` names the same days under both calendars."""
    old, new = period_by_key(before, key), period_by_key(after, key)
    return old is not None and new is not None and (old.start, old.end) == (new.start, new.end)


def recount(
    rules: BudgetRules,
    spends: Iterable[Spend],
    convert: Convert,
    keep: Tally,
    before: Calendar | None = None,
) -> Tally:
    """The tally from scratch over ``spends``, keeping the alerts ``keep`` already sent in the
    periods that are still the same days (``before``: the calendar they were sent under)."""
    tally: Tally = {
        key: PeriodTally(fired=list(p.fired), exceeded=p.exceeded)
        for key, p in keep.items()
        if same_period(before or rules.calendar, rules.calendar, key)
    }
    for spend in spends:
        apply(tally, contribution(rules, spend, convert), 1)
    return tally


def spending(tally: Tally) -> dict[str, tuple[Decimal, int, int]]:
    """Spent, counted and awaiting per period: what a rebuild compares."""
    return {
        key: (p.spent, p.counted, p.awaiting)
        for key, p in sorted(tally.items())
        if p.spent or p.counted or p.awaiting
    }


def allowances(
    rules: BudgetRules, tally: Tally, last: Period
) -> dict[str, tuple[Decimal, Decimal]]:
    """(rolled over, available) of every period up to ``last``, in one pass: the amount plus,
    with rollover, the unspent rest of every earlier period carried forward (an overspent period
    carries nothing). Without rollover only ``last`` is given (every period has the amount)."""
    if not rules.rollover:
        return {last.key: (Decimal(0), rules.amount)}
    carry = Decimal(0)
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for period in periods_between(rules.calendar, first_period(rules.calendar), last):
        found[period.key] = (carry, rules.amount + carry)
        spent = tally[period.key].spent if period.key in tally else Decimal(0)
        carry = max(Decimal(0), rules.amount + carry - spent)
    return found


def allowance(rules: BudgetRules, tally: Tally, period: Period) -> tuple[Decimal, Decimal]:
    """(rolled over, available) for ``period`` (see :func:`allowances`)."""
    return allowances(rules, tally, period)[period.key]


def percent(spent: Decimal, available: Decimal) -> Decimal:
    if available <= 0:
        return Decimal(0)
    return (spent * 100 / available).quantize(_PERCENT, rounding=ROUNDING)


@dataclass(frozen=True, slots=True)
class Alert:
    kind: Literal["threshold_crossed", "exceeded"]
    key: str
    period: Period
    threshold: int | None
    spent: Decimal
    available: Decimal
    percent_used: Decimal


def affected(rules: BudgetRules, tally: Tally, touched: Iterable[str | None]) -> list[str]:
    """The periods whose alerts a change can move: those it touched and, with rollover, every
    later period held (their allowance depends on the earlier ones)."""
    keys = sorted({k for k in touched if k is not None})
    if rules.rollover and keys:
        keys = sorted({*keys, *(k for k in tally if k > keys[0])})
    return keys


def alerts(rules: BudgetRules, tally: Tally, keys: Iterable[str], now: datetime) -> list[Alert]:
    """Thresholds newly reached and overspending in the given periods, each recorded in the
    tally so it is never raised again in that period — even if spending drops below and rises
    again. Periods already over at ``now`` raise nothing (no news of the past)."""
    raised: list[Alert] = []
    running = [
        (key, period)
        for key in sorted(keys)
        if key in tally
        and (period := period_by_key(rules.calendar, key)) is not None
        and period.end_at > now
    ]
    if not running:
        return raised
    limits = allowances(rules, tally, running[-1][1])
    for key, period in running:
        state = tally[key]
        available = limits[key][1] if rules.rollover else rules.amount
        used = percent(state.spent, available)
        exact = state.spent * 100
        for threshold in rules.thresholds:
            if threshold not in state.fired and exact >= threshold * available:
                state.fired.append(threshold)
                raised.append(
                    Alert("threshold_crossed", key, period, threshold, state.spent, available, used)
                )
        if state.spent > available and not state.exceeded:
            state.exceeded = True
            raised.append(Alert("exceeded", key, period, None, state.spent, available, used))
    return raised


# ---- status -------------------------------------------------------------------------------

LINEAR = "linear_daily_average"
FINAL = "final"
NOT_STARTED = "not_started"


def projection(
    spent: Decimal, elapsed: int, total: int, currency: str, ended: bool
) -> tuple[Decimal, str]:
    """The period's expected total: what was spent per elapsed day (today counts), over all
    its days; what was spent once it has ``ended``."""
    if ended:
        return spent, FINAL
    if elapsed <= 0:
        return spent, NOT_STARTED
    return round_to_currency(spent * total / elapsed, currency), LINEAR


def status(
    budget_id: str, rules: BudgetRules, tally: Tally, period: Period, now: datetime
) -> BudgetStatus:
    """Where the budget stands in ``period`` at ``now``."""
    state = tally.get(period.key, PeriodTally())
    currency = rules.currency
    rolled, available = (round_to_currency(a, currency) for a in allowance(rules, tally, period))
    spent = round_to_currency(state.spent, currency)
    tz = rules.calendar.timezone
    elapsed = days_elapsed(period, now, tz)
    projected, method = projection(spent, elapsed, period.days, currency, now >= period.end_at)
    average = round_to_currency(spent / elapsed if elapsed else Decimal(0), currency)
    return BudgetStatus(
        budget_id=budget_id,
        currency=currency,
        period_start=period.start,
        period_end=date.fromordinal(period.end.toordinal() - 1),
        amount=rules.amount,
        rolled_over=rolled,
        available=available,
        spent=spent,
        remaining=available - spent,
        percent_used=percent(spent, available),
        days_total=period.days,
        days_elapsed=elapsed,
        days_left=days_left(period, now, tz),
        average_daily_spend=average,
        projected_total=projected,
        projection_method=method,
        expenses_counted=state.counted,
        awaiting_rate=state.awaiting,
        thresholds_crossed=sorted(state.fired),
        exceeded=state.exceeded,
        as_of=now,
    )


def period_for_status(rules: BudgetRules, now: datetime, on: date | None) -> Period:
    """The period a status shows: the one containing ``on`` (default today, locally), else
    the nearest one the budget has (its first before it starts, its last after a range)."""
    day = on if on is not None else local_day(now, rules.calendar.timezone)
    found = period_containing(rules.calendar, day)
    if found is not None:
        return found
    first = first_period(rules.calendar)
    if day < first.start:
        return first
    last = first
    while (following := next_period(rules.calendar, last)) is not None:
        last = following
    return last
