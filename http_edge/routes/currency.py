"""Exchange rates and conversions: answered by the currency actor over request-reply."""

from __future__ import annotations

from aiohttp import web

from bus.conversions import (
    Conversion,
    ConvertRequest,
    RateProblem,
    RatesQuery,
    RatesTable,
)
from bus.subjects import RATES_RPC
from http_edge.api import Api
from http_edge.display import ask_currency, convert_many
from http_edge.inputs import body, query
from http_edge.problems import Problem

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


@ROUTES.route(
    "GET",
    "/v1/currency/rates",
    "Rates against a base currency for a day (the latest published on or before it)",
    "currency",
    query=RatesQuery,
    response=RatesTable,
    errors=(502, 503),
)
async def currency_rates(request: web.Request) -> web.StreamResponse:
    wanted = query(request, RatesQuery)
    table = await ask_currency(request, RATES_RPC, wanted, RatesTable)
    return web.json_response(table.model_dump(mode="json"))


@ROUTES.route(
    "POST",
    "/v1/currency/convert",
    "Convert an amount at the rate of a day; the answer says which rate, from when and where",
    "currency",
    description="A currency no source has ever quoted has no rate: 422 `rate_missing`.",
    body=ConvertRequest,
    response=Conversion,
    status=200,
    errors=(502, 503),
)
async def currency_convert(request: web.Request) -> web.StreamResponse:
    wanted = await body(request, ConvertRequest)
    [answer] = await convert_many(request, [wanted])
    if isinstance(answer, RateProblem):
        raise Problem(422, answer.code, answer.message)
    return web.json_response(answer.model_dump(mode="json"))
