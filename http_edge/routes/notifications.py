"""The inbox: a person's notifications newest first, the unread count (the badge), and the
commands that mark them read and archive them.

Items are made by the notifications actor from the events that concern the person; these
routes read them (always the caller's own) and send the changes to the actor as commands.
Every device of the person hears ``notification.created`` and ``notification.read`` on its
socket.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from bus.notifications import (
    ArchiveNotification,
    Notification,
    NotificationsRead,
    ReadNotifications,
)
from http_edge.api import Api
from http_edge.context import principal_of
from http_edge.dispatch import send_as_caller
from http_edge.inputs import body, path_id, query
from http_edge.responses import entity_or_404
from http_edge.schemas import PageQuery
from storage.notification_reads import (
    inbox_of,
    notification_entities,
    notification_for,
    unread_count,
)

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


class InboxQuery(PageQuery):
    unread: bool | None = Field(
        None, description="true: only unread items; false: only read ones; unset: both."
    )
    archived: bool = Field(False, description="true: the archived items instead.")


class NotificationPage(BaseModel):
    items: list[Notification]
    next_cursor: str | None


class UnreadCount(BaseModel):
    unread: int = Field(description="Unread items in the inbox (archived ones not counted).")


@ROUTES.route(
    "GET",
    "/v1/notifications",
    "Your notifications, newest first",
    "notifications",
    query=InboxQuery,
    response=NotificationPage,
)
async def list_notifications(request: web.Request) -> web.StreamResponse:
    q = query(request, InboxQuery)
    docs, cursor = await inbox_of(
        principal_of(request).user_id,
        unread=q.unread,
        archived=q.archived,
        limit=q.limit,
        cursor=q.cursor,
    )
    items = [n.model_dump(mode="json") for n in await notification_entities(docs)]
    return web.json_response({"items": items, "next_cursor": cursor})


@ROUTES.route(
    "GET",
    "/v1/notifications/unread-count",
    "How many of your notifications are unread (the badge)",
    "notifications",
    response=UnreadCount,
)
async def count_unread(request: web.Request) -> web.StreamResponse:
    return web.json_response({"unread": await unread_count(principal_of(request).user_id)})


@ROUTES.route(
    "GET",
    "/v1/notifications/{id}",
    "One notification",
    "notifications",
    response=Notification,
    errors=(404,),
)
async def get_notification(request: web.Request) -> web.StreamResponse:
    doc = await notification_for(principal_of(request).user_id, path_id(request))
    found = (await notification_entities([doc]))[0] if doc is not None else None
    return entity_or_404(found, "notification")


@ROUTES.route(
    "POST",
    "/v1/notifications/read",
    "Mark notifications read: the ids given, or all your unread ones",
    "notifications",
    body=ReadNotifications,
    response=NotificationsRead,
    errors=(404,),
    command=True,
    description="`ids` (1..100) or `all: true`, not both. An id that is not yours is 404 and "
    "nothing is marked. `all` marks up to 1,000 of the oldest unread at once.",
)
async def read(request: web.Request) -> web.StreamResponse:
    return await send_as_caller(request, await body(request, ReadNotifications))


@ROUTES.route(
    "POST",
    "/v1/notifications/{id}/archive",
    "Move a notification out of the inbox",
    "notifications",
    response=Notification,
    errors=(404,),
    command=True,
)
async def archive(request: web.Request) -> web.StreamResponse:
    return await send_as_caller(request, ArchiveNotification(id=path_id(request)))
