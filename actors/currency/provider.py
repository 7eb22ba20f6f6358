"""Reference rates from an HTTP provider that publishes the ECB's eurofxref XML format.

The ECB publishes "units of X per 1 EUR" as ``<Cube time='YYYY-MM-DD'>`` elements, each holding
``<Cube currency='USD' rate='1.1560'/>`` children: one day in ``eurofxref-daily.xml``, many in
``eurofxref-hist-90d.xml`` and ``eurofxref-hist.xml``. This module only fetches and parses; the
values themselves (zero, negative or absurd rates) are judged per currency elsewhere.

Every failure is a :class:`ProviderError` with a message an operator can act on: it ends up in
logs and in the provider's status, and never crashes the caller.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

import aiohttp
import defusedxml
import defusedxml.ElementTree

from bus.fx import DayRates

EUROFXREF_NAMESPACE = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
_CUBE_TAGS = frozenset({f"{{{EUROFXREF_NAMESPACE}}}Cube", "Cube"})

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")

_CHUNK_BYTES = 64 * 1024


class ProviderError(Exception):
    """The rates provider failed; the message says how, in words fit for an operator."""


def _parse_document(data: bytes) -> Element:
    """The document's root element; entity declarations and external references are refused."""
    if not data.strip():
        raise ProviderError("empty document: expected ECB eurofxref XML")
    try:
        root: Element = defusedxml.ElementTree.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        raise ProviderError(
            "refused the document: it declares XML entities or external references, "
            f"which a rates document never needs ({type(exc).__name__})"
        ) from exc
    except ParseError as exc:
        raise ProviderError(f"not well-formed XML: {exc}") from exc
    return root


def _parse_day(text: str | None) -> date:
    """The date of a ``<Cube time=...>`` element."""
    if text is None or not _DATE.fullmatch(text):
        raise ProviderError(f"bad date {text!r} in <Cube time=...> (expected YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ProviderError(f"bad date {text!r} in <Cube time=...>: {exc}") from exc


def _parse_rates(day_cube: Element, day: date) -> dict[str, Decimal]:
    """The ``currency -> rate`` pairs inside one day's cube."""
    rates: dict[str, Decimal] = {}
    for cube in day_cube:
        if cube.tag not in _CUBE_TAGS:
            continue
        currency = cube.get("currency")
        rate_text = cube.get("rate")
        if currency is None or rate_text is None:
            raise ProviderError(
                f"a rate on {day.isoformat()} lacks its currency= or rate= attribute"
            )
        if not _CURRENCY.fullmatch(currency):
            raise ProviderError(
                f"bad currency code {currency!r} on {day.isoformat()} "
                "(expected three upper-case letters such as 'USD')"
            )
        if currency in rates:
            raise ProviderError(f"currency {currency} appears twice on {day.isoformat()}")
        text = rate_text.strip()
        if not _PLAIN_DECIMAL.fullmatch(text):
            raise ProviderError(
                f"bad rate {rate_text!r} for {currency} on {day.isoformat()} "
                "(expected a plain decimal such as '1.1560')"
            )
        rates[currency] = Decimal(text)
    if not rates:
        raise ProviderError(f"no rates inside <Cube time='{day.isoformat()}'>")
    return rates


def parse_ecb_xml(data: bytes, source: str = "ECB") -> list[DayRates]:
    """Parse an ECB eurofxref document (daily or history) into days sorted ascending."""
    root = _parse_document(data)
    days: dict[date, DayRates] = {}
    for element in root.iter():
        if element.tag not in _CUBE_TAGS or "time" not in element.attrib:
            continue
        day = _parse_day(element.get("time"))
        if day in days:
            raise ProviderError(f"day {day.isoformat()} appears twice in the document")
        days[day] = DayRates(day=day, rates=_parse_rates(element, day), source=source)
    if not days:
        raise ProviderError(
            "no <Cube time='YYYY-MM-DD'> elements: not an ECB eurofxref rates document"
        )
    return [days[day] for day in sorted(days)]


async def _read_limited(response: aiohttp.ClientResponse, url: str, max_bytes: int) -> bytes:
    """The response body, or ProviderError as soon as it exceeds ``max_bytes``."""
    too_large = f"response from {url} is larger than the limit of {max_bytes} bytes"
    if response.content_length is not None and response.content_length > max_bytes:
        raise ProviderError(too_large)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise ProviderError(too_large)
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch_rates(
    session: aiohttp.ClientSession,
    url: str,
    *,
    timeout_s: float,
    max_bytes: int = 5 * 1024 * 1024,
    source: str = "ECB",
) -> list[DayRates]:
    """GET ``url`` within ``timeout_s`` seconds and parse it as ECB eurofxref XML."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with session.get(url, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                raise ProviderError(f"HTTP {response.status} from {url}")
            data = await _read_limited(response, url, max_bytes)
    except TimeoutError as exc:
        raise ProviderError(f"request to {url} timed out after {timeout_s:g} s") from exc
    except aiohttp.ClientResponseError as exc:  # a session created with raise_for_status
        raise ProviderError(f"HTTP {exc.status} from {url}") from exc
    except (aiohttp.ClientError, OSError) as exc:
        detail = str(exc) or type(exc).__name__
        raise ProviderError(f"request to {url} failed: {detail}") from exc
    try:
        return parse_ecb_xml(data, source=source)
    except ProviderError as exc:
        raise ProviderError(f"bad rates document from {url}: {exc}") from exc
