"""Trace context on NATS headers, the actor's batch spans, and the exporters, without servers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from nats.aio.msg import Msg
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from actors.inbound import Inbound
from actors.tracing import end_batch, start_batch
from bus import tracing
from bus.client import build_command
from bus.settings import Settings


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure(Settings(), "test", exporter=exporter)
    yield exporter
    tracing.shutdown()


def sent(headers: dict[str, str], name: str = "send expense.create") -> None:
    with tracing.sending(name, headers, "cmd.expenses.create", "c-1"):
        pass


def test_header_round_trip_keeps_the_trace_id(spans: InMemorySpanExporter) -> None:
    headers = {"Nats-Msg-Id": "c-1:abc"}
    with tracing.tracer().start_as_current_span("POST /v1/expenses") as request:
        sent(headers)
    with tracing.receiving("process expense.create", headers, "cmd.expenses.create", "c-1"):
        pass
    tracing.flush()

    by_name = {span.name: span for span in spans.get_finished_spans()}
    publish, process = by_name["send expense.create"], by_name["process expense.create"]
    assert headers["Nats-Msg-Id"] == "c-1:abc"
    assert headers["traceparent"].split("-")[1] == format(
        request.get_span_context().trace_id, "032x"
    )
    assert publish.context is not None
    assert process.context is not None
    assert process.context.trace_id == request.get_span_context().trace_id
    assert process.parent is not None
    assert process.parent.span_id == publish.context.span_id
    assert publish.parent is not None
    assert publish.parent.span_id == request.get_span_context().span_id
    assert (publish.kind, process.kind) == (SpanKind.PRODUCER, SpanKind.CONSUMER)


def test_a_message_without_trace_headers_starts_a_new_trace(spans: InMemorySpanExporter) -> None:
    with tracing.receiving("emit expense.created", None, "evt.user.u.expense.created", "e-1"):
        pass
    tracing.flush()
    (span,) = spans.get_finished_spans()
    assert span.parent is None


def test_off_adds_no_header_and_records_nothing() -> None:
    tracing.configure(Settings(traces="off"), "test")
    headers = {"Nats-Msg-Id": "c-1:abc"}
    sent(headers)
    with tracing.receiving("process expense.create", headers, "cmd", "c-1") as span:
        assert span is None
    assert not tracing.enabled()
    assert headers == {"Nats-Msg-Id": "c-1:abc"}
    assert tracing.tracer().start_span("x").get_span_context().is_valid is False


def inbound(headers: dict[str, str]) -> Inbound:
    command = build_command("expense.create", {}, issuer="u-1")
    msg = Msg(None, subject="cmd.expenses.create", data=b"{}", headers=headers)  # type: ignore[arg-type]
    return Inbound(msg, command)


def span_of(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


def trace_of(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.trace_id)


def test_each_command_of_a_batch_continues_its_own_trace_and_the_batch_links_them(
    spans: InMemorySpanExporter,
) -> None:
    first, second = {"Nats-Msg-Id": "1"}, {"Nats-Msg-Id": "2"}
    sent(first)
    sent(second)
    items = [inbound(first), inbound(second), inbound({})]
    end_batch(start_batch("expenses", items), items)
    tracing.flush()

    finished = spans.get_finished_spans()
    publishes = [s for s in finished if s.name == "send expense.create"]
    processes = [s for s in finished if s.name == "process expense.create"]
    (batch,) = [s for s in finished if s.name == "batch expenses"]
    assert [trace_of(p) for p in publishes] == [trace_of(p) for p in processes[:2]]
    assert [span_of(p) for p in publishes] == [p.parent.span_id for p in processes[:2] if p.parent]
    assert processes[2].parent is None  # a message without a trace starts one
    assert batch.parent is None
    assert {span_of(p) for p in processes} == {link.context.span_id for link in batch.links}
    assert all([link.context.span_id for link in p.links] == [span_of(batch)] for p in processes)
    assert all(item.span is None for item in items)


def test_batch_spans_cost_nothing_with_traces_off() -> None:
    items = [inbound({})]
    assert start_batch("expenses", items) is None
    assert items[0].span is None


def test_console_export_prints_each_span(capsys: pytest.CaptureFixture[str]) -> None:
    tracing.configure(Settings(traces="console", node_id="node-7"), "ledgerbus-edge")
    try:
        sent({}, name="send expense.create")
        tracing.flush()
    finally:
        tracing.shutdown()
    printed = json.loads(capsys.readouterr().out)
    assert printed["name"] == "send expense.create"
    assert printed["kind"] == "SpanKind.PRODUCER"
    assert printed["resource"]["attributes"]["service.name"] == "ledgerbus-edge"
    assert printed["resource"]["attributes"]["service.instance.id"] == "node-7"
    assert printed["attributes"]["messaging.destination.name"] == "cmd.expenses.create"


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP traces endpoint that keeps what it is sent."""

    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_otlp_export_sends_spans_to_the_endpoint() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    try:
        tracing.configure(Settings(traces="otlp", otlp_endpoint=endpoint), "ledgerbus-expenses")
        sent({})
        tracing.flush()
    finally:
        tracing.shutdown()
        server.shutdown()
    ((path, body),) = Collector.received
    request = ExportTraceServiceRequest.FromString(body)
    (resource,) = request.resource_spans
    names = [span.name for scope in resource.scope_spans for span in scope.spans]
    service = {a.key: a.value.string_value for a in resource.resource.attributes}["service.name"]
    assert (path, names, service) == ("/v1/traces", ["send expense.create"], "ledgerbus-expenses")
