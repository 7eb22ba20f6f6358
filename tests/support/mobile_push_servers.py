"""Local FCM and APNs servers that check each request as the real services do: FCM's OAuth2
JWT grant and ``messages:send``; APNs's HTTP/2 over TLS, provider token and headers. Each can be
told which answer to give.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypercorn.asyncio import serve
from hypercorn.config import Config

from deploy.embedded import find_free_port
from tests.support.pki import Pki
from tests.support.push_servers import Answer

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


@dataclass
class FcmService:
    """FCM for one project and one service account: a token endpoint that checks the JWT grant
    (RS256 with the account's key, ``kid``, issuer, scope, audience, lifetime) and a
    ``messages:send`` that checks the bearer token and the message's shape."""

    project_id: str
    client_email: str
    key_id: str
    public_key: rsa.RSAPublicKey
    base_url: str = ""
    unregistered: set[str] = field(default_factory=set)
    answer: Answer | None = None
    grants: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    issued: set[str] = field(default_factory=set)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/token", self.token)
        app.router.add_post("/v1/projects/{project}/messages:send", self.send)
        return app

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != JWT_BEARER_GRANT:
            return self.oauth_error("unsupported_grant_type")
        try:
            self.check_assertion(str(form.get("assertion", "")))
        except (ValueError, jwt.PyJWTError) as error:
            return self.oauth_error(f"invalid_grant: {error}")
        self.grants += 1
        token = f"ya29.local-{self.grants}"
        self.issued.add(token)
        return web.json_response(
            {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )

    def check_assertion(self, assertion: str) -> None:
        if jwt.get_unverified_header(assertion).get("kid") != self.key_id:
            raise ValueError("kid is not the service account's key id")
        claims = jwt.decode(
            assertion,
            self.public_key,
            algorithms=["RS256"],
            audience=f"{self.base_url}/token",
            issuer=self.client_email,
            options={"require": ["iss", "aud", "iat", "exp", "scope"]},
        )
        if claims["scope"] != FCM_SCOPE:
            raise ValueError("scope is not firebase.messaging")
        if claims["exp"] - claims["iat"] > 3600:
            raise ValueError("assertion lives over an hour")

    @staticmethod
    def oauth_error(description: str) -> web.Response:
        return web.json_response(
            {"error": "invalid_grant", "error_description": description}, status=400
        )

    async def send(self, request: web.Request) -> web.Response:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.issued:
            return self.fcm_error(401, "UNAUTHENTICATED", None)
        if request.match_info["project"] != self.project_id:
            return self.fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH")
        message = (await request.json())["message"]
        problem = fcm_message_problem(message)
        if problem:
            return self.fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", problem)
        if self.answer is not None:
            return self.answer.response()
        if message["token"] in self.unregistered:
            return self.fcm_error(404, "NOT_FOUND", "UNREGISTERED")
        self.messages.append(message)
        name = f"projects/{self.project_id}/messages/0:{len(self.messages)}"
        return web.json_response({"name": name})

    @staticmethod
    def fcm_error(status: int, name: str, code: str | None, text: str = "") -> web.Response:
        details = (
            []
            if code is None
            else [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}
            ]
        )
        body = {
            "error": {"code": status, "message": text or name, "status": name, "details": details}
        }
        return web.json_response(body, status=status)


def fcm_message_problem(message: dict[str, Any]) -> str:
    """What makes ``message`` one FCM would refuse, or "" (token target, string data only,
    an Android TTL in seconds)."""
    if set(message) & {"topic", "condition"} or not isinstance(message.get("token"), str):
        return "exactly one target, a token, is expected"
    if not all(isinstance(v, str) for v in message.get("data", {}).values()):
        return "data values must be strings"
    notification = message.get("notification", {})
    if not all(isinstance(notification.get(k), str) for k in ("title", "body")):
        return "notification title and body must be strings"
    ttl = message.get("android", {}).get("ttl", "0s")
    if not re.fullmatch(r"\d+(\.\d{1,9})?s", ttl):
        return "android.ttl must be a duration in seconds"
    return ""


@dataclass
class ApnsService:
    """APNs for one team and app, as an ASGI app (see :func:`serving_h2`): checks that the
    request came over HTTP/2, the provider token (ES256 with the team's key, ``kid``, ``iss``,
    an ``iat`` under an hour old), the ``apns-*`` headers and the payload, then answers as APNs
    does (200 with ``apns-id``, 410 Unregistered, 400/403/413 with a reason)."""

    team_id: str
    key_id: str
    public_key: ec.EllipticCurvePublicKey
    topic: str
    unregistered: set[str] = field(default_factory=set)
    tokens_expire_before: float = 0.0
    answer: Answer | None = None
    delivered: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    connections: set[Any] = field(default_factory=set)  # the clients' (host, port)s seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.connections.add(tuple(scope["client"]))
        status, answer_headers, text = self.push(scope, headers, body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in answer_headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": text})

    def push(
        self, scope: Any, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if scope["http_version"] != "2" or scope["method"] != "POST":
            return self.reason(405, "MethodNotAllowed")
        match = re.fullmatch(r"/3/device/([^/]+)", scope["path"])
        if match is None:
            return self.reason(404, "BadPath")
        token_problem = self.provider_token_problem(headers.get("authorization", ""))
        if token_problem:
            return self.reason(403, token_problem)
        header_problem = apns_header_problem(headers, self.topic)
        if header_problem:
            return self.reason(400, header_problem)
        device = match.group(1)
        if not re.fullmatch(r"[0-9a-f]{64,200}", device):
            return self.reason(400, "BadDeviceToken")
        if len(body) > 4096:
            return self.reason(413, "PayloadTooLarge")
        payload = json.loads(body)
        if not isinstance(payload.get("aps"), dict):
            return self.reason(400, "PayloadEmpty")
        if self.answer is not None:
            said = b"" if self.answer.body is None else json.dumps(self.answer.body).encode()
            return self.answer.status, self.answer.headers, said
        if device in self.unregistered:
            gone = {"reason": "Unregistered", "timestamp": int(time.time() * 1000)}
            return 410, {"content-type": "application/json"}, json.dumps(gone).encode()
        self.delivered.append((headers, payload))
        return 200, {"apns-id": f"local-{len(self.delivered)}"}, b""

    def provider_token_problem(self, authorization: str) -> str:
        token = authorization.removeprefix("bearer ")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token, self.public_key, algorithms=["ES256"], options={"require": ["iss", "iat"]}
            )
        except jwt.PyJWTError:
            return "InvalidProviderToken"
        if header.get("kid") != self.key_id or claims["iss"] != self.team_id:
            return "InvalidProviderToken"
        if claims["iat"] < self.tokens_expire_before or claims["iat"] < time.time() - 3600:
            return "ExpiredProviderToken"
        return ""

    @staticmethod
    def reason(status: int, reason: str) -> tuple[int, dict[str, str], bytes]:
        said = json.dumps({"reason": reason}).encode()
        return status, {"content-type": "application/json"}, said


@asynccontextmanager
async def serving_h2(app: Any, pki: Pki) -> AsyncIterator[str]:
    """Serves the ASGI ``app`` as Apple serves APNs: TLS with the test CA's certificate, and
    HTTP/2 alone (ALPN ``h2``; a client that offers only HTTP/1.1 cannot connect). Yields its
    base URL once it accepts connections."""
    port = find_free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.certfile, config.keyfile = str(pki.cert), str(pki.key)
    config.alpn_protocols = ["h2"]
    config.accesslog = None
    stop = asyncio.Event()
    server = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                if asyncio.get_running_loop().time() > deadline or server.done():
                    raise
                await asyncio.sleep(0.02)
                continue
            writer.close()
            break
        yield f"https://127.0.0.1:{port}"
    finally:
        stop.set()
        await server


def apns_header_problem(headers: Any, topic: str) -> str:
    """APNs's reason for refusing these headers, or ""."""
    push_type = headers.get("apns-push-type")
    if headers.get("apns-topic") != topic:
        return "TopicDisallowed"
    if push_type not in ("alert", "background"):
        return "InvalidPushType"
    if push_type == "background" and headers.get("apns-priority") != "5":
        return "BadPriority"
    if headers.get("apns-priority") not in ("5", "10"):
        return "BadPriority"
    if not str(headers.get("apns-expiration", "")).isdigit():
        return "BadExpirationDate"
    collapse = headers.get("apns-collapse-id")
    if collapse is not None and len(collapse.encode()) > 64:
        return "BadCollapseId"
    return ""
