"""One trace from an HTTP request to the socket emit of the event it caused, across the bus.

The in-process stack holds the edge, the actors and the socket server in this one process, so one
in-memory exporter sees every span they record; their context still travels only in NATS headers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bus import tracing
from tests.support.helpers import Stack, eventually
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration

LUNCH = {"amount": "12.30", "currency": "EUR", "date": "2026-11-20", "description": "lunch"}
PATH = (
    "POST /v1/expenses",
    "send expense.create",
    "process expense.create",
    "send expense.created",
    "emit expense.created",
)


@pytest.fixture
async def spans(stack: Stack) -> AsyncIterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure(stack.settings, "ledgerbus-test", exporter=exporter)
    yield exporter
    tracing.shutdown()


def one(spans: Sequence[ReadableSpan], name: str) -> ReadableSpan:
    (span,) = [s for s in spans if s.name == name]
    return span


def attr(span: ReadableSpan, key: str) -> object:
    assert span.attributes is not None
    return span.attributes[key]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


async def test_one_trace_goes_from_the_request_to_the_socket_emit(
    stack: Stack, spans: InMemorySpanExporter
) -> None:
    ada = await stack.signup("Tracy")
    device = await open_device(stack.base_url, ada.access_token)
    try:
        status, created = await stack.call("POST", "/v1/expenses", ada, json=LUNCH)
        assert status == 201, created
        (event,) = await device.wait_for("expense.created")
        assert event["data"]["entity"]["id"] == created["id"]
    finally:
        await device.close()

    async def trace_complete() -> list[ReadableSpan] | None:
        # The emit span ends just after the device has its event, the actor's just after its ack.
        tracing.flush()
        finished = spans.get_finished_spans()
        (request,) = [s for s in finished if s.name == PATH[0]]
        assert request.context is not None
        in_trace = [
            s for s in finished if s.context and s.context.trace_id == request.context.trace_id
        ]
        return in_trace if {s.name for s in in_trace} >= set(PATH) else None

    in_trace = await eventually(trace_complete, timeout_s=10.0)
    request, publish, process, event_publish, emit = (one(in_trace, name) for name in PATH)

    assert (request.kind, attr(request, "http.response.status_code")) == (SpanKind.SERVER, 201)
    assert attr(request, "http.route") == "/v1/expenses"
    assert [s.kind for s in (publish, process, event_publish, emit)] == [
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
    ]
    # Each step is the child of the one before it, across three NATS hops.
    chain = [request, publish, process, event_publish, emit]
    assert [span_id(s) for s in chain[:-1]] == [parent_of(s) for s in chain[1:]]
    assert event["event_id"] == attr(event_publish, "messaging.message.id")
    assert event["event_id"] == attr(emit, "messaging.message.id")
    assert event["command_id"] == attr(process, "messaging.message.id")

    # The batch that applied the command has a trace of its own, linked both ways.
    (batch_link,) = process.links
    batches = [s for s in spans.get_finished_spans() if s.name == "batch expenses"]
    batch = next(b for b in batches if span_id(b) == batch_link.context.span_id)
    assert batch.parent is None
    assert span_id(process) in {link.context.span_id for link in batch.links}
