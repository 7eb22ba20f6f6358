"""Categories and trips (with a trip's totals per category and currency)."""

from __future__ import annotations

from aiohttp import web

from bus.entities import Category, Trip
from bus.expense_commands import (
    ArchiveCategory,
    CreateCategory,
    CreateTrip,
    DeleteTrip,
    RenameCategory,
    UpdateTrip,
)
from http_edge.api import Api
from http_edge.command_routes import changes, creates, deletes
from http_edge.context import principal_of
from http_edge.display import summarize
from http_edge.inputs import path_id, query
from http_edge.problems import Problem
from http_edge.responses import entity_or_404
from http_edge.schemas import (
    CategoryList,
    CategoryQuery,
    DisplayQuery,
    PageQuery,
    TripPage,
    TripSummary,
)
from storage.queries import (
    ExpenseFilter,
    expense_amounts,
    get_trip,
    list_categories,
    list_trips,
    trip_totals,
)

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


@ROUTES.route(
    "GET",
    "/v1/categories",
    "The caller's categories (defaults and custom)",
    "categories",
    query=CategoryQuery,
    response=CategoryList,
)
async def categories_list(request: web.Request) -> web.StreamResponse:
    q = query(request, CategoryQuery)
    items = await list_categories(principal_of(request).user_id, q.include_archived)
    return web.json_response(CategoryList(items=items).model_dump(mode="json"))


creates(
    ROUTES,
    "/v1/categories",
    "Create a custom category",
    "categories",
    CreateCategory,
    name="category_create",
    location="/v1/categories",
    response=Category,
    errors=(409,),
)


changes(
    ROUTES,
    "/v1/categories/{id}",
    "Rename a category",
    "categories",
    RenameCategory,
    name="category_rename",
    response=Category,
    errors=(404, 409),
)


deletes(
    ROUTES,
    "/v1/categories/{id}",
    "Archive a category (expenses keep it)",
    "categories",
    ArchiveCategory,
    name="category_archive",
    description="A category is archived, not removed: the expenses that name it keep it, so it "
    "stays readable and can still be renamed (`GET /v1/categories?include_archived=true`).",
    response=Category,
    errors=(404, 409),
)


@ROUTES.route(
    "GET",
    "/v1/trips",
    "The caller's trips, latest first",
    "trips",
    query=PageQuery,
    response=TripPage,
)
async def trips_list(request: web.Request) -> web.StreamResponse:
    q = query(request, PageQuery)
    items, cursor = await list_trips(principal_of(request).user_id, q.limit, q.cursor)
    return web.json_response(TripPage(items=items, next_cursor=cursor).model_dump(mode="json"))


creates(
    ROUTES,
    "/v1/trips",
    "Create a trip",
    "trips",
    CreateTrip,
    name="trip_create",
    location="/v1/trips",
    description="`end_date` is on or after `start_date` (else 422).",
    response=Trip,
    errors=(409,),
)


@ROUTES.route("GET", "/v1/trips/{id}", "One trip", "trips", response=Trip, errors=(404,))
async def trip_get(request: web.Request) -> web.StreamResponse:
    return entity_or_404(await get_trip(principal_of(request).user_id, path_id(request)), "trip")


changes(
    ROUTES,
    "/v1/trips/{id}",
    "Change a trip",
    "trips",
    UpdateTrip,
    name="trip_update",
    description="The trip still ends on or after it starts (else 422).",
    response=Trip,
    errors=(404, 409),
)


deletes(
    ROUTES,
    "/v1/trips/{id}",
    "Delete a trip",
    "trips",
    DeleteTrip,
    name="trip_delete",
    response=Trip,
    errors=(404, 409),
)


@ROUTES.route(
    "GET",
    "/v1/trips/{id}/summary",
    "Totals of a trip per category and per currency",
    "trips",
    query=DisplayQuery,
    response=TripSummary,
    errors=(404, 503),
)
async def trip_summary(request: web.Request) -> web.StreamResponse:
    q = query(request, DisplayQuery)
    owner, trip_id = principal_of(request).user_id, path_id(request)
    trip = await get_trip(owner, trip_id)
    if trip is None:
        raise Problem(404, "not_found", "no such trip")
    rows = await expense_amounts(owner, ExpenseFilter(trip_id=trip_id))
    shown = None
    if q.display is not None:
        spent = [row for row in rows if row.type == "expense"]
        shown = await summarize(request, spent, q.display)
    summary = TripSummary(trip=trip, display=shown, **trip_totals(rows))
    return web.json_response(summary.model_dump(mode="json"))
