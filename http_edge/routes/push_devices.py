"""A person's push devices: the VAPID key a browser subscribes with, registering a browser's
subscription or a phone's FCM or APNs token, listing and removing them.

Where a Web Push endpoint may point is checked here, with this deployment's policy (https on a
public host; http on loopback too with ``push_allow_http_loopback``): anything else is 422
before a command is sent. The sender checks it again before each push.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from bus.push_devices import MAX_PUSH_DEVICES, PushDevice, RegisterPushDevice, RemovePushDevice
from bus.push_subscription import parse_web_push_subscription
from bus.vapid import load_vapid_key
from http_edge.api import Api
from http_edge.context import principal_of, settings_of
from http_edge.dispatch import send_as_caller
from http_edge.inputs import body, path_id
from http_edge.problems import Problem, field_errors
from storage.push_devices import devices_of, push_device_entity

ROUTES = Api()


class VapidPublicKey(BaseModel):
    public_key: str = Field(
        description="The `applicationServerKey` to subscribe with: the VAPID public key, "
        "uncompressed P-256, base64url."
    )


class PushDeviceList(BaseModel):
    items: list[PushDevice]


@ROUTES.route(
    "GET",
    "/v1/push-devices/vapid-key",
    "The key a browser subscribes to Web Push with",
    "notifications",
    response=VapidPublicKey,
)
async def push_vapid_key(request: web.Request) -> web.StreamResponse:
    key = load_vapid_key(settings_of(request))
    return web.json_response({"public_key": key.public_key_b64url})


@ROUTES.route(
    "GET",
    "/v1/push-devices",
    "Your devices that get pushes",
    "notifications",
    response=PushDeviceList,
)
async def list_push_devices(request: web.Request) -> web.StreamResponse:
    docs = await devices_of(principal_of(request).user_id)
    items = [push_device_entity(d).model_dump(mode="json") for d in docs]
    return web.json_response({"items": items})


@ROUTES.route(
    "POST",
    "/v1/push-devices",
    "Register a browser's Web Push subscription, or a phone's FCM or APNs token",
    "notifications",
    body=RegisterPushDevice,
    response=PushDevice,
    status=201,
    errors=(409,),
    command=True,
    description="`web_push` takes `subscription` (the browser's `PushSubscription.toJSON()`: an "
    "https endpoint on a public host, a P-256 `p256dh` key and a 16-byte `auth` secret); `fcm` "
    "and `apns` take `token`. Registering the same device again is the same device. At most "
    f"{MAX_PUSH_DEVICES} devices each (409 `limit_reached`).",
)
async def register_push_device(request: web.Request) -> web.StreamResponse:
    payload = await body(request, RegisterPushDevice)
    if payload.subscription is not None:
        allow = settings_of(request).push_allow_http_loopback
        raw = payload.subscription.model_dump(mode="json", by_alias=True)
        try:
            parse_web_push_subscription(raw, allow_http_loopback=allow)
        except ValidationError as exc:
            errors = field_errors(exc, ("body", "subscription"))
            raise Problem(422, "validation", "the request body is invalid", errors=errors) from exc
    return await send_as_caller(request, payload)


@ROUTES.route(
    "DELETE",
    "/v1/push-devices/{id}",
    "Stop pushes to one of your devices",
    "notifications",
    response=PushDevice,
    errors=(404,),
    command=True,
)
async def remove_push_device(request: web.Request) -> web.StreamResponse:
    return await send_as_caller(request, RemovePushDevice(id=path_id(request)))
