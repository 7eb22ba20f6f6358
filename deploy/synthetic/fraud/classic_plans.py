"""What the classic generator's people plan ahead: trips (with the merchants of the place) and
monthly budgets.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

from bus.money import round_to_currency
from deploy.synthetic.fraud.classic_drafts import EPOCH, Budget, Merchant, Person, Trip
from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_world import (
    CAFES,
    DESTINATIONS,
    HOTELS,
    PURCHASE_SIZED,
    RESTAURANTS,
    ROUND_CASH,
    TRAVEL,
    MerchantKind,
    new_shop,
)
from deploy.synthetic.fraud.rolls import millis, per_mille


def plan_trips(draw: Draw) -> None:
    """The people with a Travel category take 1-2 trips of 3-10 days, some abroad (paid
    mostly in the local currency), some at home; each planned 2-6 weeks ahead."""
    if draw.days < 24:
        return
    for p in draw.people:
        if TRAVEL not in p.category_ids:
            continue
        first = draw.rng.randint(3, draw.days - 20)
        plan_trip(draw, p, first)
        later = p.trips[-1].end - EPOCH + timedelta(days=8)
        if draw.rng.random() < 0.4 and later.days <= draw.days - 12:
            plan_trip(draw, p, draw.rng.randint(later.days, draw.days - 12))


def plan_trip(draw: Draw, p: Person, first_day: int) -> None:
    rng = draw.rng
    abroad = rng.random() < 0.6
    places = [d for d in DESTINATIONS if (d[2] != p.home) == abroad]
    city, country, currency, offset = rng.choice(places)
    start = EPOCH + timedelta(days=first_day)
    end = start + timedelta(days=rng.randint(3, 10) - 1)
    planned = start - timedelta(days=rng.randint(14, 45))
    created = draw.moment(planned, draw.minute(p), p.offset).astimezone(UTC)

    def local(name: str, kind: MerchantKind, low: str, high: str, category: str) -> Merchant:
        mine = category if category in p.category_ids else TRAVEL
        return draw.merchant(new_shop(name, kind, low, high), mine, currency)

    shops = [local(n, "variable", "15", "70", "Dining") for n in rng.sample(RESTAURANTS, 3)]
    shops += [
        local(rng.choice(CAFES), "fixed", "2.5", "5.5", "Coffee"),
        local(f"Taxi {city}", "variable", "10", "45", "Rides"),
        local(f"{city} Metro", "fixed", "1.8", "3.5", "Transit"),
        local(f"{city} Museum of Art", "fixed", "12", "25", "Entertainment"),
        local(f"{city} Souvenirs", "variable", "8", "50", "Shopping"),
    ]
    hotel = local(rng.choice(HOTELS).format(city=city), "variable", "80", "220", TRAVEL)
    name = rng.choice((f"{city} {start.year}", f"Trip to {city}", f"{city} with friends"))
    trip = Trip(
        draw.new_id(),
        p.id,
        name,
        f"{city}, {country}",
        start,
        end,
        currency,
        offset,
        created + millis(rng, 0, 999),
        shops,
        hotel,
        draw.tick(),
    )
    p.trips.append(trip)
    draw.trips.append(trip)
    for i in range((end - start).days + 1):
        p.trip_days[start + timedelta(days=i)] = trip


def plan_budgets(draw: Draw) -> None:
    """~40 % of people budget 1-2 categories monthly: a little above what they usually
    spend there, or (for shopping-like categories) the size of one large purchase."""
    rng = draw.rng
    for p in draw.people:
        if rng.random() >= 0.4:
            continue
        count = rng.randint(1, 2)
        chosen: list[tuple[str, Decimal, bool]] = []
        large = [c for c in ("Shopping", "Entertainment", "Dining") if p.variable_shops(c)]
        if large and rng.random() < 0.6:
            chosen.append((large[0], purchase_sized(p, large[0]), True))
        spent = [c for c in p.daily if c not in {c for c, _, _ in chosen}]
        for category in rng.sample(spent, min(len(spent), count - len(chosen))):
            usual = monthly_spend(p, category) * per_mille(rng, 1050, 1250)
            limit = (usual / 50).quantize(Decimal(1), rounding=ROUND_CEILING) * 50
            chosen.append((category, max(limit, Decimal(100)), False))
        for category, limit, per_purchase in chosen:
            created = datetime.combine(EPOCH - timedelta(days=1), time(6), UTC)
            created += timedelta(seconds=rng.randrange(14 * 3600)) + millis(rng, 0, 999)
            p.budgets.append(
                Budget(
                    draw.new_id(),
                    p.id,
                    category,
                    p.category_ids[category],
                    round_to_currency(limit, p.home),
                    p.home,
                    per_purchase,
                    created,
                    draw.tick(),
                )
            )


def purchase_sized(p: Person, category: str) -> Decimal:
    """The smallest of the usual one-purchase limits above ``p``'s dearest merchant there."""
    dearest = max(m.base for m in p.variable_shops(category)) * Decimal("1.15")
    fits = [Decimal(a) for a in PURCHASE_SIZED if Decimal(a) >= dearest]
    return fits[0] if fits else Decimal(PURCHASE_SIZED[-1])


def monthly_spend(p: Person, category: str) -> Decimal:
    """What ``p`` usually spends in ``category`` in a month (expected value of the draws)."""
    total_weight = p.daily_cw[-1]
    at = p.daily.index(category)
    weight = p.daily_cw[at] - (p.daily_cw[at - 1] if at else 0.0)
    per_month = Decimal(f"{30.4 * p.rate * weight / total_weight:.4f}")
    cw = p.shops_cw[category]
    mean = Decimal(0)
    for i, m in enumerate(p.shops[category]):
        share = Decimal(f"{(cw[i] - (cw[i - 1] if i else 0.0)) / cw[-1]:.4f}")
        if m.kind == "round":
            usual = Decimal(sum(ROUND_CASH)) / len(ROUND_CASH)
        else:
            usual = m.base * (Decimal("1.03") if m.kind == "variable" else 1)
        mean += share * usual
    return per_month * mean
