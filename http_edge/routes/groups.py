"""Groups and membership: create, read, update, archive; members, roles, invites, leaving.

Reads check membership on every request (a removed member loses access at once); writes are
commands the splits actor authorises against what it holds when it applies them. A stranger
gets 404 for everything in a group.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets

from aiohttp import web

from bus.entities import Group
from bus.groups import (
    AcceptInvite,
    AddMember,
    CreateGroup,
    CreateInvite,
    GroupRef,
    LeaveGroup,
    RemoveMember,
    RevokeInvite,
    SetRole,
    UpdateGroup,
)
from http_edge.api import Api
from http_edge.command_routes import changes, creates
from http_edge.context import principal_of, settings_of
from http_edge.dispatch import send_as_caller
from http_edge.group_schemas import (
    GroupListQuery,
    GroupPage,
    InviteBody,
    InviteCreated,
    LeaveBody,
    RemoveQuery,
    RoleBody,
)
from http_edge.inputs import body, expected_version, path_id, query
from http_edge.problems import Problem
from http_edge.responses import entity_or_404
from http_edge.schemas import VersionQuery
from http_edge.security import secret_of
from storage.group_reads import group_for, groups_of
from storage.groups import GroupDoc, InviteDoc
from storage.views import group_entity

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


async def member_group(request: web.Request, name: str = "id") -> GroupDoc:
    """The group in the path, if the caller is a member; else 404 (never 403)."""
    group = await group_for(principal_of(request).user_id, path_id(request, name))
    if group is None:
        raise Problem(404, "not_found", "no such group")
    return group


creates(
    ROUTES,
    "/v1/groups",
    "Create a group (you are its owner)",
    "groups",
    CreateGroup,
    name="create_group",
    location="/v1/groups",
    response=Group,
    errors=(409,),
)


@ROUTES.route(
    "GET", "/v1/groups", "Your groups", "groups", query=GroupListQuery, response=GroupPage
)
async def list_groups(request: web.Request) -> web.StreamResponse:
    q = query(request, GroupListQuery)
    docs = await groups_of(principal_of(request).user_id, q.include_archived)
    items = [group_entity(d).model_dump(mode="json") for d in docs]
    return web.json_response({"items": items, "next_cursor": None})


@ROUTES.route("GET", "/v1/groups/{id}", "One group", "groups", response=Group, errors=(404,))
async def get_group(request: web.Request) -> web.StreamResponse:
    return entity_or_404(group_entity(await member_group(request)), "group")


changes(
    ROUTES,
    "/v1/groups/{id}",
    "Change a group's name, description, currency, timezone or settings (admins)",
    "groups",
    UpdateGroup,
    name="update_group",
    ids={"group_id": "id"},
    response=Group,
    errors=(403, 404, 409),
)


@ROUTES.route(
    "POST",
    "/v1/groups/{id}/archive",
    "Archive a group: kept and readable, no longer changed (admins)",
    "groups",
    query=VersionQuery,
    response=Group,
    errors=(403, 404, 409),
    command=True,
    headers=("If-Match",),
)
async def archive_group(request: web.Request) -> web.StreamResponse:
    """Written out: a ``POST`` without a body, the version from If-Match or the query."""
    query(request, VersionQuery)
    payload = GroupRef(group_id=path_id(request))
    return await send_as_caller(request, payload, expected_version(request))


@ROUTES.route(
    "POST",
    "/v1/groups/{id}/members",
    "Add a member by the email of their account (admins)",
    "groups",
    body=AddMember,
    body_omit=("group_id",),
    response=Group,
    errors=(403, 404, 409),
    command=True,
)
async def add_member(request: web.Request) -> web.StreamResponse:
    """Written out: the new member is named by email in the body, and the answer is the
    group (200)."""
    payload = await body(request, AddMember, group_id=path_id(request))
    return await send_as_caller(request, payload)


@ROUTES.route(
    "DELETE",
    "/v1/groups/{id}/members/{user_id}",
    "Remove a member (admins); `balance=write_off` if their balance is not zero",
    "groups",
    query=RemoveQuery,
    response=Group,
    errors=(403, 404, 409),
    command=True,
)
async def remove_member(request: web.Request) -> web.StreamResponse:
    """Written out: the member is in the path and what becomes of their balance in the
    query."""
    q = query(request, RemoveQuery)
    payload = RemoveMember(
        group_id=path_id(request), user_id=path_id(request, "user_id"), balance=q.balance
    )
    return await send_as_caller(request, payload)


@ROUTES.route(
    "PATCH",
    "/v1/groups/{id}/members/{user_id}",
    "Change a member's role (admins; ownership only by the owner)",
    "groups",
    body=RoleBody,
    response=Group,
    errors=(403, 404, 409),
    command=True,
)
async def set_role(request: web.Request) -> web.StreamResponse:
    """Written out: the member is in the path, the role in the body."""
    role = await body(request, RoleBody)
    payload = SetRole(
        group_id=path_id(request), user_id=path_id(request, "user_id"), role=role.role
    )
    return await send_as_caller(request, payload)


@ROUTES.route(
    "POST",
    "/v1/groups/{id}/leave",
    "Leave a group; `balance: write_off` if your balance is not zero",
    "groups",
    body=LeaveBody,
    response=Group,
    errors=(404, 409),
    command=True,
)
async def leave_group(request: web.Request) -> web.StreamResponse:
    """Written out: the caller leaves; the body says what becomes of their balance."""
    choice = await body(request, LeaveBody)
    payload = LeaveGroup(group_id=path_id(request), balance=choice.balance)
    return await send_as_caller(request, payload)


# ---- invites ---------------------------------------------------------------------------------


_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,100}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invite_token(request: web.Request) -> str:
    """A new invite token; with an Idempotency-Key, the same token on every retry (derived from
    the server's secret, the caller and the key), so a retried request still shows it."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return secrets.token_urlsafe(32)
    secret = secret_of(settings_of(request)).encode()
    message = f"invite\x1f{principal_of(request).user_id}\x1f{key}".encode()
    mac = hmac.new(secret, message, hashlib.sha256).hexdigest()
    return mac[:43]


@ROUTES.route(
    "POST",
    "/v1/groups/{id}/invites",
    "Make an invite link with an expiry and a use limit (admins); the token is shown once",
    "groups",
    body=InviteBody,
    response=InviteCreated,
    status=201,
    errors=(403, 404, 409),
    command=True,
)
async def create_invite(request: web.Request) -> web.StreamResponse:
    """Written out: the edge mints the invite's token and sends only its hash; the token is
    shown once, in this answer."""
    options = await body(request, InviteBody)
    token = _invite_token(request)
    payload = CreateInvite(
        group_id=path_id(request),
        token_hash=_digest(token),
        expires_in_s=options.expires_in_s,
        max_uses=options.max_uses,
    )
    response = await send_as_caller(request, payload)
    if response.status != 201 or response.text is None:
        return response
    shown = {
        **json.loads(response.text),
        "token": token,
        "accept_path": f"/v1/invites/{token}/accept",
    }
    kept = {k: v for k, v in response.headers.items() if k in ("ETag", "X-Command-Id")}
    return web.json_response(shown, status=201, headers=kept)


@ROUTES.route(
    "DELETE",
    "/v1/groups/{id}/invites/{invite_id}",
    "Revoke an invite link (admins)",
    "groups",
    errors=(403, 404, 409),
    command=True,
)
async def revoke_invite(request: web.Request) -> web.StreamResponse:
    """Written out: two ids from the path and no version (an invite is revoked once)."""
    payload = RevokeInvite(group_id=path_id(request), invite_id=path_id(request, "invite_id"))
    return await send_as_caller(request, payload)


@ROUTES.route(
    "POST",
    "/v1/invites/{token}/accept",
    "Join a group with an invite link's token",
    "groups",
    response=Group,
    errors=(404, 409, 422),
    command=True,
)
async def accept_invite(request: web.Request) -> web.StreamResponse:
    """Written out: the path holds the token; the edge finds its invite by the token's hash."""
    token = request.match_info["token"]
    digest = _digest(token) if _TOKEN.fullmatch(token) else None
    invite = await InviteDoc.find_one({"token_hash": digest}) if digest else None
    if invite is None or digest is None:
        raise Problem(404, "not_found", "no such invite")
    payload = AcceptInvite(group_id=invite.group_id, token_hash=digest)
    return await send_as_caller(request, payload)
