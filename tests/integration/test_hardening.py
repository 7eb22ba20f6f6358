"""What an operator expects of a service on the open internet: security headers, CORS from an
allow-list (REST and Socket.IO), per-address sign-up limits that see through trusted proxies,
CLI flags naming the servers, and quiet, single-format logs through a Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bus.settings import Settings
from deploy.embedded import find_free_port
from deploy.serve import build_web_app
from storage.database import Database
from tests.conftest import make_settings
from tests.support.helpers import PASSWORD, Stack, eventually
from tests.support.processes import REPO, Proc, environment
from tests.support.servers import RunningMongo, RunningNats, start_nats

pytestmark = pytest.mark.integration

ALLOWED = "https://app.example.com"
FOREIGN = "https://evil.example"
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture
async def proxied_edge(settings: Settings, database: Database, stack: Stack) -> AsyncIterator[str]:
    """A second web node (HTTP and Socket.IO) on the same servers: one allowed origin, the
    local address a trusted proxy, and two sign-ups per client address."""
    edge = settings.model_copy(
        update={
            "cors_origins": ALLOWED,
            "trusted_proxies": "127.0.0.1",
            "register_max_per_address": 2,
            "http_port": find_free_port(),
        }
    )
    runner = web.AppRunner(build_web_app(edge, database=database))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", edge.http_port).start()
    yield f"http://127.0.0.1:{edge.http_port}"
    await runner.cleanup()


# ---- security headers ----------------------------------------------------------------------


async def test_every_answer_has_nosniff_and_no_server_version(stack: Stack) -> None:
    for path in ("/healthz", "/v1/openapi.json", "/v1/no-such-route", "/v1/me", HANDSHAKE):
        async with stack.http.get(path) as resp:
            assert resp.headers.get("X-Content-Type-Options") == "nosniff", path
            assert resp.headers.get("Server") == "ledgerbus", path


async def test_token_and_personal_answers_are_never_stored(stack: Stack) -> None:
    ada = await stack.signup()
    async with stack.http.post(
        "/v1/auth/login", json={"email": ada.email, "password": PASSWORD}
    ) as resp:
        assert resp.status == 200
        assert resp.headers.get("Cache-Control") == "no-store"
        refresh = (await resp.json())["refresh_token"]
    async with stack.http.post("/v1/auth/refresh", json={"refresh_token": refresh}) as resp:
        assert resp.status == 200
        assert resp.headers.get("Cache-Control") == "no-store"
    async with stack.http.get("/v1/me", headers=ada.headers) as resp:
        assert resp.status == 200
        assert resp.headers.get("Cache-Control") == "no-store"
    async with stack.http.get("/v1/openapi.json") as resp:  # public: a cache may keep it
        assert "no-store" not in resp.headers.get("Cache-Control", "")


async def test_docs_page_may_not_be_framed_and_runs_nothing_but_its_own_style(
    stack: Stack,
) -> None:
    async with stack.http.get("/v1/docs") as resp:
        assert resp.status == 200
        policy = resp.headers.get("Content-Security-Policy", "")
        assert resp.headers.get("X-Frame-Options") == "DENY"
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", directives["style-src"])
    assert "script-src" not in directives


# ---- CORS ---------------------------------------------------------------------------------


async def test_no_cross_origin_access_by_default(stack: Stack) -> None:
    async with stack.http.get("/v1/openapi.json", headers={"Origin": ALLOWED}) as resp:
        assert "Access-Control-Allow-Origin" not in resp.headers
        assert "Origin" in resp.headers.get("Vary", "")
    preflight = {"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
    async with stack.http.options("/v1/expenses", headers=preflight) as resp:
        assert resp.status != 204
        assert not [h for h in resp.headers if h.lower().startswith("access-control-")]
    async with stack.http.get(HANDSHAKE, headers={"Origin": ALLOWED}) as resp:
        assert resp.status == 400  # Socket.IO: same origin only


async def test_an_allowed_origin_gets_cors_headers_and_its_preflight_answered(
    proxied_edge: str,
) -> None:
    preflight = {
        "Origin": ALLOWED,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    async with aiohttp.ClientSession(proxied_edge) as http:
        async with http.options("/v1/expenses", headers=preflight) as resp:
            assert resp.status == 204
            assert resp.headers["Access-Control-Allow-Origin"] == ALLOWED
            assert "POST" in resp.headers["Access-Control-Allow-Methods"]
            allowed = resp.headers["Access-Control-Allow-Headers"].lower()
            assert {"authorization", "content-type", "idempotency-key"} <= {
                h.strip() for h in allowed.split(",")
            }
            assert int(resp.headers["Access-Control-Max-Age"]) > 0
            assert "Access-Control-Allow-Credentials" not in resp.headers
        async with http.get("/v1/expenses", headers={"Origin": ALLOWED}) as resp:
            assert resp.status == 401  # errors carry the headers too, so a page can read them
            assert resp.headers["Access-Control-Allow-Origin"] == ALLOWED
            assert "Origin" in resp.headers["Vary"]
            exposed = {h.strip() for h in resp.headers["Access-Control-Expose-Headers"].split(",")}
            assert {"ETag", "Location", "Retry-After"} <= exposed


async def test_a_disallowed_origin_gets_no_cors_headers(proxied_edge: str) -> None:
    preflight = {"Origin": FOREIGN, "Access-Control-Request-Method": "POST"}
    async with aiohttp.ClientSession(proxied_edge) as http:
        async with http.options("/v1/expenses", headers=preflight) as resp:
            assert resp.status != 204
            assert not [h for h in resp.headers if h.lower().startswith("access-control-")]
        async with http.get("/v1/openapi.json", headers={"Origin": FOREIGN}) as resp:
            assert resp.status == 200
            assert not [h for h in resp.headers if h.lower().startswith("access-control-")]


async def test_socket_handshake_refuses_a_foreign_origin_and_accepts_an_allowed_one(
    proxied_edge: str,
) -> None:
    async with aiohttp.ClientSession(proxied_edge) as http:
        async with http.get(HANDSHAKE, headers={"Origin": FOREIGN}) as resp:
            assert resp.status == 400
            assert "Access-Control-Allow-Origin" not in resp.headers
        async with http.get(HANDSHAKE, headers={"Origin": ALLOWED}) as resp:
            assert resp.status == 200
            assert resp.headers["Access-Control-Allow-Origin"] == ALLOWED
            assert resp.headers.get("Access-Control-Allow-Credentials") != "true"
            assert '"sid"' in await resp.text()
        ws_path = "/socket.io/?EIO=4&transport=websocket"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(ws_path, origin=FOREIGN)
        assert refused.value.status == 400
        async with http.ws_connect(ws_path, origin=ALLOWED) as ws:
            opened = await ws.receive_str(timeout=10)
            assert opened.startswith("0{")  # engine.io "open" packet


# ---- sign-up limits per client address ------------------------------------------------------


def _an_address() -> str:
    """A random address in 100.64.0.0/10, so reruns and other tests never share an allowance."""
    n = secrets.randbelow(1 << 22)
    return f"100.{64 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"


async def _register(http: aiohttp.ClientSession, forwarded_for: str) -> aiohttp.ClientResponse:
    body = {
        "email": f"proxy.{uuid.uuid4().hex[:10]}@example.com",
        "password": PASSWORD,
        "name": "Proxied",
        "home_currency": "EUR",
        "timezone": "UTC",
    }
    headers = {"X-Forwarded-For": forwarded_for, "Origin": ALLOWED}
    async with http.post("/v1/auth/register", json=body, headers=headers) as resp:
        await resp.read()
        return resp


async def test_each_client_behind_a_trusted_proxy_has_its_own_sign_up_allowance(
    proxied_edge: str,
) -> None:
    office_a, office_b = _an_address(), _an_address()
    async with aiohttp.ClientSession(proxied_edge) as http:
        first = [await _register(http, f"6.6.6.6, {office_a}") for _ in range(2)]
        over = await _register(http, office_a)
        other = await _register(http, office_b)
        assert [r.status in (201, 202) for r in first] == [True, True]  # 202: applied later
        assert over.status == 429
        assert 1 <= int(over.headers["Retry-After"]) <= 901
        assert over.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert other.status in (201, 202)  # another client behind the same proxy


# ---- operators' commands name their servers -----------------------------------------------


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_server_flags_win_over_the_environment_and_the_server_is_named_without_secrets(
    stack: Stack, settings: Settings, nats_server: RunningNats, mongo_server: RunningMongo
) -> None:
    await stack.signup()  # something in the streams
    env = environment(settings)
    env["LEDGERBUS_NATS_URL"] = "nats://127.0.0.1:1"  # nothing listens there
    env["LEDGERBUS_MONGO_URI"] = "mongodb://127.0.0.1:1/?directConnection=true"
    host = nats_server.url.split("://", 1)[1]
    with_secret = f"nats://alice:s3cret@{host}"

    replay = await asyncio.to_thread(
        _cli, env, "replay", "--stream", "events", "--nats-url", with_secret
    )
    assert replay.returncode == 0, replay.stderr
    lines = replay.stdout.splitlines()
    assert lines
    assert all(isinstance(json.loads(line), dict) for line in lines)
    assert f"connected to NATS at nats://***@{host}" in replay.stderr
    assert "s3cret" not in replay.stderr + replay.stdout

    dlq = await asyncio.to_thread(_cli, env, "dlq", "list", "--mongo-uri", mongo_server.uri)
    assert dlq.returncode == 0, dlq.stderr
    assert "dead letter(s) waiting" in dlq.stdout
    assert f"connected to MongoDB at {mongo_server.uri}" in dlq.stderr

    rates = await asyncio.to_thread(
        _cli, env, "rates", "show", "--symbols", "USD", "--nats-url", nats_server.url
    )
    assert rates.returncode == 0, rates.stdout + rates.stderr
    assert "1 EUR on" in rates.stdout
    assert f"connected to NATS at {nats_server.url}" in rates.stderr


# ---- logs ---------------------------------------------------------------------------------

CONSOLE_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \[(debug|info)\s*\] [a-z_]+ ")


async def _logged(proc: Proc, event: str) -> bool:
    return f"] {event} " in await asyncio.to_thread(proc.log_path.read_text)


async def test_processes_log_one_format_and_stop_on_sigint_without_warnings(
    mongo_server: RunningMongo, tmp_path: Path
) -> None:
    """An edge and two actors (one with request-reply responders) on a NATS server of their
    own, used once, then stopped with SIGINT: every line they wrote is a structlog console
    line at debug or info, with no traceback, and the actor summed up its work at INFO
    instead of a line per command."""
    nats = start_nats(tmp_path / "nats")
    settings = make_settings(
        nats,
        mongo_server,
        tmp_path,
        mongo_db=f"quiet_{uuid.uuid4().hex[:8]}",
        activity_log_interval_s=1.0,
    )
    env = environment(settings, log_format="console")
    procs = [
        Proc(args, env, tmp_path / f"{args[-1]}.log").start()
        for args in (["actor", "accounts"], ["actor", "currency"], ["edge"])
    ]
    try:
        accounts, currency, edge = procs
        await eventually(lambda: _logged(accounts, "actor_started"), timeout_s=120, every_s=0.2)
        await eventually(lambda: _logged(currency, "actor_started"), timeout_s=120, every_s=0.2)
        await eventually(lambda: _logged(edge, "web_started"), timeout_s=120, every_s=0.2)
        base = f"http://127.0.0.1:{settings.http_port}"
        async with aiohttp.ClientSession(base) as http:
            client = Stack(settings, base)
            client.http = http
            await eventually(lambda: _signed_up(client), timeout_s=60, every_s=0.5)
        await eventually(lambda: _logged(accounts, "actor_activity"), timeout_s=60, every_s=0.2)
        for proc in procs:
            proc.popen.send_signal(signal.SIGINT)
        codes = [await asyncio.to_thread(proc.popen.wait, 60) for proc in procs]
        assert codes == [0, 0, 0]
    finally:
        for proc in procs:
            proc.close()
        nats.stop()
    for proc in procs:
        text = proc.log_path.read_text(errors="replace")
        assert "Traceback" not in text, text
        strange = [line for line in text.splitlines() if not CONSOLE_LINE.match(line)]
        assert strange == [], f"{proc.args}: {strange}"
    accounts_log = procs[0].log_path.read_text()
    assert "command_applied" not in accounts_log
    assert re.search(r"\] actor_activity .*applied=[1-9]", accounts_log), accounts_log


async def _signed_up(client: Stack) -> bool:
    """Sign up and in through the edge (the sign-in succeeds once the actor applied it)."""
    try:
        await client.signup("Quiet")
    except AssertionError:
        return False
    return True
