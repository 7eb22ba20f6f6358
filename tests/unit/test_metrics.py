"""Metric names follow Prometheus conventions and their labels stay bounded: a request is
labelled by its route template, never its path; an actor by the types it handles; a failure by
a reason word; and the metrics are served on a listener of their own."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY
from pymongo.errors import AutoReconnect, OperationFailure

import realtime.metrics  # noqa: F401  (registers the realtime gauges)
import storage.db_metrics  # noqa: F401  (registers the database command counters)
from actors.metrics import ActorMetrics, outbox_lag
from actors.registry import ACTORS
from bus.metrics_server import MetricsServer
from deploy.embedded import MongoSpec, find_free_port
from deploy.layout import StackLayout, with_metrics_ports
from deploy.nats_spec import NatsSpec
from deploy.stack import banner, child_specs
from http_edge.app import problems
from http_edge.metrics import request_metrics
from http_edge.problems import Problem
from realtime.metrics import scope_kind_label
from storage.transactions import StaleWrite, retry_reason

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BOUNDED_LABELS = {
    "method",
    "route",
    "status",
    "actor",
    "type",
    "stream",
    "durable",
    "reason",
    "scope_kind",
    "channel",  # a notification's: email, web_push, fcm or apns
    "collection",  # one of storage.database's, none or other
    "command",  # a database command's name, one of storage.db_metrics.COMMANDS or other
    "outcome",  # ok or failed
    "le",
}


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def edge() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A small app behind the edge's own middlewares, in the edge's order."""

    async def expense(request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["id"]}, status=200)

    async def busy(_request: web.Request) -> web.Response:
        raise Problem(429, "rate_limited", "slow down", headers={"Retry-After": "1"})

    app = web.Application(middlewares=[request_metrics, problems])
    app.router.add_get("/v1/expenses/{id}", expense)
    app.router.add_post("/v1/expenses", busy)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_a_request_is_labelled_by_its_route_template_not_its_path(
    edge: TestClient[web.Request, web.Application],
) -> None:
    labels = {"method": "GET", "route": "/v1/expenses/{id}", "status": "200"}
    timed = {"method": "GET", "route": "/v1/expenses/{id}"}
    before = sample("ledgerbus_http_requests_total", labels)
    timed_before = sample("ledgerbus_http_request_duration_seconds_count", timed)
    async with edge.get("/v1/expenses/exp-8f3a9c") as resp:
        assert resp.status == 200
    assert sample("ledgerbus_http_requests_total", labels) == before + 1
    assert sample("ledgerbus_http_request_duration_seconds_count", timed) == timed_before + 1
    exposed = "\n".join(f"{s.name}{s.labels}" for m in REGISTRY.collect() for s in m.samples)
    assert "exp-8f3a9c" not in exposed


async def test_an_unknown_path_is_unmatched_and_a_problem_counts_with_its_final_status(
    edge: TestClient[web.Request, web.Application],
) -> None:
    missing = {"method": "GET", "route": "unmatched", "status": "404"}
    limited = {"method": "POST", "route": "/v1/expenses", "status": "429"}
    before = (
        sample("ledgerbus_http_requests_total", missing),
        sample("ledgerbus_http_requests_total", limited),
    )
    async with edge.get("/wp-admin/a1b2c3/setup.php") as resp:
        assert resp.status == 404
        assert resp.content_type == "application/problem+json"
    async with edge.post("/v1/expenses", json={}) as resp:
        assert resp.status == 429
    after = (
        sample("ledgerbus_http_requests_total", missing),
        sample("ledgerbus_http_requests_total", limited),
    )
    assert after == (before[0] + 1, before[1] + 1)
    exposed = "\n".join(f"{s.labels}" for m in REGISTRY.collect() for s in m.samples)
    assert "a1b2c3" not in exposed


def test_every_ledgerbus_metric_is_named_by_convention_with_bounded_label_names() -> None:
    families = [m for m in REGISTRY.collect() if m.name.startswith("ledgerbus_")]
    names = {m.name for m in families}
    assert {
        "ledgerbus_http_requests",
        "ledgerbus_http_request_duration_seconds",
        "ledgerbus_commands",
        "ledgerbus_batch_size",
        "ledgerbus_transaction_duration_seconds",
        "ledgerbus_transaction_retries",
        "ledgerbus_events_published",
        "ledgerbus_outbox_lag_seconds",
        "ledgerbus_consumer_pending_messages",
        "ledgerbus_consumer_ack_pending_messages",
        "ledgerbus_realtime_sockets",
        "ledgerbus_realtime_rooms",
        "ledgerbus_realtime_held_events",
        "ledgerbus_realtime_emits",
        "ledgerbus_db_commands",
        "ledgerbus_db_command_duration_seconds",
    } <= names
    for family in families:
        assert re.fullmatch(r"ledgerbus_[a-z_]+", family.name), family.name
        if family.type == "counter":
            assert not family.name.endswith("_total")  # the library adds it to the samples
        if family.type == "histogram":
            assert family.name.endswith(("_seconds", "_size")), family.name
        for s in family.samples:
            assert set(s.labels) <= BOUNDED_LABELS, (s.name, s.labels)
    counters = [m for m in families if m.type == "counter"]
    assert all(
        any(s.name == f"{m.name}_total" for s in m.samples) or not m.samples for m in counters
    )


def test_an_actor_labels_only_the_types_it_handles_and_known_statuses() -> None:
    metrics = ActorMetrics(ACTORS["expenses"])
    assert metrics.type_label("expense.create") == "expense.create"
    assert metrics.type_label("user.registered") == "user.registered"  # a reaction of its own
    assert metrics.type_label("group.create") == "other"  # another actor's command
    assert metrics.type_label("expense.create;drop table") == "other"
    assert metrics.type_label(None) == "other"
    labels = {"actor": "expenses", "type": "other", "status": "dead_lettered"}
    before = sample("ledgerbus_commands_total", labels)
    metrics.command("x" * 500, "dead_lettered")
    assert sample("ledgerbus_commands_total", labels) == before + 1
    with pytest.raises(ValueError, match="unknown status"):
        metrics.command("expense.create", "done")


def test_bounded_words_for_scopes_retries_and_the_outbox_lag() -> None:
    assert scope_kind_label("user:7d1c") == "user"
    assert scope_kind_label("group:99") == "group"
    assert scope_kind_label("inbox:7d1c") == "inbox"
    assert scope_kind_label("system:rates") == "other"
    assert retry_reason(StaleWrite()) == "stale_write"
    assert retry_reason(AutoReconnect("gone")) == "connection"
    assert retry_reason(OperationFailure("conflict", code=112)) == "write_conflict"
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert outbox_lag(None, now) == 0.0
    assert outbox_lag(now - timedelta(seconds=42), now) == 42.0
    assert outbox_lag((now - timedelta(seconds=5)).replace(tzinfo=None), now) == 5.0


async def test_the_metrics_listener_serves_the_registry_with_process_figures() -> None:
    server = MetricsServer("127.0.0.1", find_free_port())
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(server.url) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain; version=")
            text = await resp.text()
        api = server.url.replace("/metrics", "/v1/openapi.json")
        async with aiohttp.ClientSession() as http, http.get(api) as resp:
            assert resp.status == 404  # metrics only: nothing of the API here
    finally:
        await server.stop()
    assert "\nprocess_resident_memory_bytes " in text
    assert "\nprocess_cpu_seconds_total " in text
    assert "# TYPE ledgerbus_commands_total counter" in text


def test_up_gives_each_app_process_its_own_metrics_port_and_lists_them(tmp_path: Path) -> None:
    layout = StackLayout(
        data_dir=tmp_path,
        http_host="127.0.0.1",
        http_port=9080,
        nats=NatsSpec(store_dir=tmp_path / "nats", port=9222, monitor_port=9822),
        mongo=MongoSpec(storage_dir=tmp_path / "mongo", port=9017),
    )
    layout = with_metrics_ports(layout, ["accounts", "expenses"], "127.0.0.1")
    specs = {s.name: s for s in child_specs(layout, ["accounts", "expenses"], {"A": "1"})}
    ports = {
        name: spec.env["LEDGERBUS_METRICS_PORT"]
        for name, spec in specs.items()
        if spec.env is not None and "LEDGERBUS_METRICS_PORT" in spec.env
    }
    assert set(ports) == {"edge", "actor:accounts", "actor:expenses"}
    assert len(set(ports.values())) == 3
    assert not set(ports.values()) & {"9080", "9222", "9822", "9017"}
    shown = banner(layout)
    for name, port in ports.items():
        assert re.search(rf"{re.escape(name)}\s+http://127\.0\.0\.1:{port}/metrics", shown)


def test_the_grafana_dashboard_asks_only_for_metrics_the_processes_serve() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "ledgerbus.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    served = {s.name for m in REGISTRY.collect() for s in m.samples} | {
        f"{m.name}{suffix}"
        for m in REGISTRY.collect()
        for suffix in ("", "_bucket", "_sum", "_count", "_total")
    }
    asked = {name for e in exprs for name in re.findall(r"\b((?:ledgerbus|process)_[a-z_]+)\b", e)}
    assert {"ledgerbus_http_requests_total", "ledgerbus_consumer_pending_messages"} <= asked
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total"} <= asked
    assert asked - served == set()
