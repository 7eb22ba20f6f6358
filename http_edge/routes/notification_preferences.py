"""What a person hears of and where: their notification preferences, read and changed, and the
one-click unsubscribe link (RFC 8058) every notification mail carries.

The link needs no sign-in (a mail client POSTs it): it names the person and the kind, and a
token signed with the person's own unsubscribe key proves the link was made for them. A GET of
it changes nothing (link scanners fetch links): it shows a page whose button POSTs it.
"""

from __future__ import annotations

import html

from aiohttp import web
from pydantic import BaseModel, Field

from bus.limits import EntityId
from bus.notification_preferences import (
    ALWAYS,
    ChannelSwitch,
    NotificationPreferences,
    SetNotificationPreferences,
    token_matches,
)
from bus.notifications import NotificationKind
from http_edge.api import Api
from http_edge.context import principal_of
from http_edge.dispatch import dispatch, send_as_caller
from http_edge.inputs import body, query
from http_edge.problems import Problem
from storage.notification_preferences import preferences_entity, preferences_of

ROUTES = Api()
"""Installed before the inbox's routes, whose ``/v1/notifications/{id}`` would take these paths."""

TOKEN_MAX = 64


class UnsubscribeQuery(BaseModel):
    model_config = {"extra": "forbid"}

    user: EntityId = Field(description="The person the mail was sent to.")
    kind: NotificationKind = Field(description="The kind of mail to stop.")
    token: str = Field(min_length=1, max_length=TOKEN_MAX, description="The link's signature.")


@ROUTES.route(
    "GET",
    "/v1/notifications/preferences",
    "Which kinds of notification reach you by email and by push",
    "notifications",
    response=NotificationPreferences,
)
async def get_preferences(request: web.Request) -> web.StreamResponse:
    prefs = preferences_entity(await preferences_of(principal_of(request).user_id))
    return web.json_response(prefs.model_dump(mode="json"))


@ROUTES.route(
    "PATCH",
    "/v1/notifications/preferences",
    "Turn email or push on or off for some kinds of notification",
    "notifications",
    body=SetNotificationPreferences,
    response=NotificationPreferences,
    command=True,
    description="Kinds and channels not named keep their setting. The inbox always has every "
    "item. Security notices always go by email: turning that off is 422.",
)
async def set_preferences(request: web.Request) -> web.StreamResponse:
    return await send_as_caller(request, await body(request, SetNotificationPreferences))


async def _checked(request: web.Request) -> UnsubscribeQuery:
    """The link's query, if its token was made for its person and kind (else 404: a wrong link
    tells nothing of whether the person exists)."""
    q = query(request, UnsubscribeQuery)
    prefs = await preferences_of(q.user)
    if (
        prefs is None
        or (q.kind, "email") in ALWAYS
        or not token_matches(prefs.unsubscribe_key, q.user, q.kind, q.token)
    ):
        raise Problem(404, "not_found", "this unsubscribe link is not valid")
    return q


@ROUTES.route(
    "POST",
    "/v1/notifications/unsubscribe",
    "Stop one kind of notification email (the one-click link in each mail)",
    "notifications",
    query=UnsubscribeQuery,
    response=NotificationPreferences,
    auth=False,
    errors=(404,),
    command=True,
    description="RFC 8058 one-click unsubscribe: the mail's List-Unsubscribe URL, POSTed with "
    "`List-Unsubscribe=One-Click` (the body is not read). Turns email off for that kind; the "
    "inbox and push are unchanged. A link whose token does not match is 404.",
)
async def unsubscribe(request: web.Request) -> web.StreamResponse:
    q = await _checked(request)
    change = SetNotificationPreferences(kinds={q.kind: ChannelSwitch(email=False)})
    return await dispatch(request, change, issuer=q.user)


@ROUTES.route(
    "GET",
    "/v1/notifications/unsubscribe",
    "The page of an unsubscribe link: a button that stops that kind of email",
    "notifications",
    query=UnsubscribeQuery,
    auth=False,
    errors=(404,),
    description="An HTML page; nothing changes until its button POSTs the same URL.",
)
async def unsubscribe_page(request: web.Request) -> web.StreamResponse:
    q = await _checked(request)
    kind = html.escape(q.kind.replace("_", " "))
    action = html.escape(request.rel_url.path_qs, quote=True)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Unsubscribe</title></head><body>"
        f"<p>Stop emails about <strong>{kind}</strong>? They stay in your inbox in the app.</p>"
        f'<form method="post" action="{action}"><button type="submit">Stop these emails</button>'
        "</form></body></html>"
    )
    return web.Response(text=page, content_type="text/html")
