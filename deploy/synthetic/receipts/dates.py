"""How a synthetic receipt prints its date and time, in the many ways receipts do."""

from __future__ import annotations

import random
from datetime import date

# (strftime-like format, only for month-first locales, only for day-first locales)
_DATE_FORMATS = (
    "{Y}-{m}-{d}",
    "{d}/{m}/{Y}",  # becomes {m}/{d}/{Y} for US layouts
    "{b} {d} {Y}",
    "{d} {b} {Y}",
    "{d}.{m}.{y}",
    "{d}.{m}.{Y}",
    "{B} {d}, {Y}",
    "{d}-{b}-{Y}",
    "{Y}/{m}/{d}",
    "{d}/{m}/{y}",  # becomes {m}/{d}/{y} for US layouts
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def format_date(rng: random.Random, day: date, month_first: bool) -> str:
    fmt = rng.choice(_DATE_FORMATS)
    if month_first:
        fmt = fmt.replace("{d}/{m}/", "{m}/{d}/")
    upper = rng.random() < 0.4
    short = _MONTHS[day.month - 1][:3]
    values = {
        "Y": f"{day.year:04d}",
        "y": f"{day.year % 100:02d}",
        "m": f"{day.month:02d}",
        "d": f"{day.day:02d}" if rng.random() < 0.8 or "{b}" not in fmt else str(day.day),
        "b": short.upper() if upper else short,
        "B": _MONTHS[day.month - 1].upper() if upper else _MONTHS[day.month - 1],
    }
    return fmt.format(**values)


def format_time(rng: random.Random) -> str:
    hour, minute = rng.randrange(7, 23), rng.randrange(60)
    if rng.random() < 0.3:
        return f"{(hour - 1) % 12 + 1}:{minute:02d} {'PM' if hour >= 12 else 'AM'}"
    return f"{hour:02d}:{minute:02d}" + (f":{rng.randrange(60):02d}" if rng.random() < 0.3 else "")
