"""The classic generator's people (home, hours, categories, the shops they frequent and what
they pay there) and the groups they share receipts in.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from itertools import accumulate

from bus.money import round_to_currency
from deploy.synthetic.fraud.classic_drafts import Merchant, Person
from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_world import (
    CATALOG,
    CATEGORY_WEIGHT,
    DAY_HOURS,
    HOUSING,
    LANDLORDS,
    MONTHLY,
    NIGHT_HOURS,
    RECEIPT_SHARES,
    RENTS,
    TRAVEL,
    new_shop,
)
from deploy.synthetic.fraud.currencies import FAR_OFFSET, HOME_CURRENCIES, HOME_WEIGHTS, OFFSETS
from deploy.synthetic.fraud.dataset import Group, User
from deploy.synthetic.fraud.rolls import weighted_sample


def draw_people(draw: Draw, users: int) -> None:
    """``users`` people, then their groups."""
    for _ in range(users):
        add_person(draw)
    form_groups(draw)


def add_person(draw: Draw) -> None:
    rng = draw.rng
    user_id = draw.new_id()
    home = rng.choices(HOME_CURRENCIES, weights=HOME_WEIGHTS)[0]
    offset = FAR_OFFSET if rng.random() < 0.05 else rng.choice(OFFSETS[home])
    others = {k: w for k, w in CATEGORY_WEIGHT.items() if k != "Groceries"}
    names = ["Groceries", *weighted_sample(rng, others, rng.randint(3, 6))]
    if rng.random() < 0.25:
        names.append(TRAVEL)  # the people who travel in this data set
    category_ids = {name: draw.new_id() for name in names}
    shops: dict[str, list[Merchant]] = {}
    monthly: list[Merchant] = []
    for name in names:
        catalog = CATALOG.get(name, ())
        count = min(len(catalog), rng.randint(2, 6))
        level: Decimal | None = None  # one person's shops in a category cost alike
        for shop in rng.sample(catalog, count):
            m = draw.merchant(shop, name, home, level)
            if shop.kind in ("variable", "fixed") and level is None:
                level = m.base
            (monthly if shop.kind in MONTHLY else shops.setdefault(name, [])).append(m)
    if "Utilities" in names and rng.random() < 0.3:
        landlord = new_shop(rng.choice(LANDLORDS), "rent", "0", "0")
        rent = round_to_currency(Decimal(rng.choice(RENTS)), home)
        names.append(HOUSING)
        category_ids[HOUSING] = draw.new_id()
        monthly.append(Merchant(landlord.name, HOUSING, "rent", rent, home, landlord, False, 1))
    daily = sorted(shops)
    weights = [CATEGORY_WEIGHT[c] * rng.uniform(0.5, 1.5) for c in daily]
    shops_cw = {
        c: list(accumulate(rng.uniform(0.3, 1.0) * (3 if i == 0 else 1) for i in range(len(ms))))
        for c, ms in shops.items()
    }
    night = rng.random() < 0.05
    profile = NIGHT_HOURS if night else DAY_HOURS
    hours = list(profile)
    p = Person(
        user=User(user_id, home, offset, {v: k for k, v in category_ids.items()}),
        category_ids=category_ids,
        daily=daily,
        daily_cw=list(accumulate(weights)),
        shops=shops,
        shops_cw=shops_cw,
        monthly=monthly,
        rate=rng.uniform(1.0, 3.0),
        hours=hours,
        hours_cw=list(accumulate(profile[h] * rng.uniform(0.4, 1.6) for h in hours)),
        receipt_share=rng.choice(RECEIPT_SHARES),
    )
    draw.people.append(p)
    draw.by_id[user_id] = p


def form_groups(draw: Draw) -> None:
    """About half of the people in groups of 3-5, the first member being the admin; a few
    people in two groups (whoever shares any group with someone sees their receipts)."""
    rng = draw.rng
    pool = [p.id for p in draw.people]
    rng.shuffle(pool)
    pool = pool[: len(pool) // 2]
    members: list[list[str]] = []
    while len(pool) >= 3:
        size = min(rng.randint(3, 4), len(pool))
        members.append(pool[:size])
        pool = pool[size:]
    for group in members:
        if len(members) > 1 and rng.random() < 0.15:
            other = rng.choice([g for g in members if g is not group])
            extra = rng.choice(other)
            if extra not in group:
                group.append(extra)
    sharing: dict[str, set[str]] = defaultdict(set)
    for group in members:
        draw.groups.append(Group(draw.new_id(), tuple(group), (group[0],)))
        for person in group:
            sharing[person].update(group)
    draw.sharing = {p.id: tuple(sorted(sharing[p.id] | {p.id})) for p in draw.people}
