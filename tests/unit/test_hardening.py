"""Pure rules of the operator's hardening: client address behind proxies, CORS origins, header
policies, masked server URLs, the actor activity summary, and one log format for every line."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys

import pytest
import structlog

from actors.activity import ActivityLog
from bus.origins import allowed_origins
from deploy.targets import masked
from http_edge.headers import cache_policy, docs_policy
from http_edge.security import resolve_client, trusted_networks
from realtime.origins import socket_origin_check
from tests.support.processes import REPO

PROXIES = trusted_networks("127.0.0.1, 10.0.0.0/8, ::1")


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards() -> None:
    assert resolve_client("198.51.100.7", ["203.0.113.9"], ()) == "198.51.100.7"


def test_a_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    # The spoofer sends the header itself: it is not a proxy anybody trusts.
    assert resolve_client("198.51.100.7", ["203.0.113.9, 127.0.0.1"], PROXIES) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_hop() -> None:
    # client 203.0.113.9 -> proxy 10.1.2.3 -> proxy 127.0.0.1 -> edge; whatever the client put
    # in the header itself (the left part) is not believed.
    chain = ["6.6.6.6, 203.0.113.9", "10.1.2.3"]
    assert resolve_client("127.0.0.1", chain, PROXIES) == "203.0.113.9"


def test_a_trusted_peer_without_a_header_is_the_client() -> None:
    assert resolve_client("127.0.0.1", [], PROXIES) == "127.0.0.1"


def test_when_every_hop_is_trusted_the_farthest_one_is_the_client() -> None:
    assert resolve_client("127.0.0.1", ["10.0.0.5, 10.0.0.6"], PROXIES) == "10.0.0.5"


def test_garbage_in_the_chain_stops_at_the_nearest_trusted_hop() -> None:
    assert resolve_client("127.0.0.1", ["not-an-ip, 10.0.0.6"], PROXIES) == "10.0.0.6"


def test_ipv4_mapped_and_ipv6_peers_are_compared_as_what_they_are() -> None:
    assert resolve_client("::ffff:127.0.0.1", ["203.0.113.9"], PROXIES) == "203.0.113.9"
    assert resolve_client("::1", ["2001:db8::1"], PROXIES) == "2001:db8::1"


def test_a_bad_trusted_proxy_entry_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not-a-network"):
        trusted_networks("127.0.0.1, not-a-network")


def test_cors_origins_are_exact_origins_and_typos_are_refused() -> None:
    assert allowed_origins("") == frozenset()
    assert allowed_origins(" https://App.example.com , http://localhost:5173/") == {
        "https://app.example.com",
        "http://localhost:5173",
    }
    for bad in ("*", "app.example.com", "https://app.example.com/path", "ftp://x.example"):
        with pytest.raises(ValueError, match="LEDGERBUS_CORS_ORIGINS"):
            allowed_origins(bad)


def test_socket_origin_check_allows_the_list_and_the_server_itself_only() -> None:
    check = socket_origin_check(frozenset({"https://app.example.com"}))
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:8080"}
    assert check("https://app.example.com", environ)
    assert check("http://127.0.0.1:8080", environ)  # same origin
    assert check(None, environ)  # not a browser
    assert not check("https://evil.example", environ)
    assert not check("null", environ)


def test_docs_policy_allows_its_own_inline_style_by_hash_and_nothing_else() -> None:
    page = b"<html><head><style>body{margin:0}</style></head></html>"
    digest = base64.b64encode(hashlib.sha256(b"body{margin:0}").digest()).decode()
    policy = docs_policy(page)
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script" not in policy
    assert "unsafe" not in policy


def test_only_public_documents_and_probes_may_be_cached() -> None:
    for private in ("/v1/auth/login", "/v1/auth/refresh", "/v1/me", "/v1/expenses", "/v1/x/y"):
        assert cache_policy(private) == "no-store"
    for public in ("/v1/openapi.json", "/v1/docs", "/healthz"):
        assert cache_policy(public) is None


def test_credentials_in_server_urls_are_masked() -> None:
    assert masked("nats://alice:s3cret@nats1:4222,nats://tok@nats2:4222") == (
        "nats://***@nats1:4222,nats://***@nats2:4222"
    )
    assert masked("mongodb://u:p%40ss@h1:27017,h2:27017/db?replicaSet=rs") == (
        "mongodb://***@h1:27017,h2:27017/db?replicaSet=rs"
    )
    assert masked("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_activity_summary_counts_a_window_and_stays_quiet_when_idle() -> None:
    clock = Clock()
    activity = ActivityLog("expenses", 60.0, clock=clock)
    for kind in ("applied", "applied", "rejected", "dead_lettered", "batches"):
        activity.count(kind)
    clock.now += 60
    with structlog.testing.capture_logs() as logs:
        counts = activity.flush()
        assert activity.flush() is None  # nothing since: no line
    assert counts == {
        "applied": 2,
        "rejected": 1,
        "replayed": 0,
        "retried": 0,
        "dead_lettered": 1,
        "batches": 1,
    }
    assert [(line["event"], line["log_level"], line["window_s"]) for line in logs] == [
        ("actor_activity", "info", 60.0)
    ]
    with pytest.raises(ValueError, match="unknown activity"):
        activity.count("unknown")


CONSOLE_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \[(debug|info|warning|error)\s*\] "
)


def test_library_log_lines_are_rendered_like_our_own() -> None:
    """FastStream's own logger (coloured handler of its own at import) and any stdlib logger
    come out in the structlog console format; FastStream's INFO chatter does not come out."""
    script = (
        "import logging, structlog\n"
        "from bus.logging import configure_logging\n"
        "configure_logging('INFO', 'console', process='t')\n"
        "import faststream\n"
        "logging.getLogger('faststream').info('callback for Task-1 is being executed...')\n"
        "logging.getLogger('faststream').warning('faststream_warned')\n"
        "logging.getLogger('some.library').info('library_said')\n"
        "structlog.get_logger().info('ours_said')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert run.stderr == ""
    assert all(CONSOLE_LINE.match(line) for line in lines), lines
    events = [line.split("] ", 1)[1].split()[0] for line in lines]
    assert events == ["faststream_warned", "library_said", "ours_said"]
