"""Traces of an actor's batches.

Each command (or event reaction) of a batch gets a consumer span, child of the trace its message
carried, so the trace that published it goes on into the actor. A batch applies many commands of
many traces at once, so the batch gets a span of its own, linked to each of theirs (and each of
theirs back to it). The events a command caused are published under its span (see
:func:`causes`). With traces off nothing here does any work.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind

from actors.attempt import Result
from actors.inbound import Inbound
from bus import tracing


def start_batch(actor: str, items: Sequence[Inbound]) -> Span | None:
    """Start the spans of a batch about to be applied: one per item (kept on it) and the
    batch's own, which is returned (None with traces off)."""
    if not tracing.enabled():
        return None
    tracer = tracing.tracer()
    for item in items:
        item.span = tracer.start_span(
            f"process {item.command.type}",
            tracing.extract(item.msg.headers),
            SpanKind.CONSUMER,
            tracing.messaging("process", item.msg.subject, item.command.command_id),
        )
    batch = tracer.start_span(
        f"batch {actor}",
        Context(),  # a trace of its own: it belongs to none of its commands' traces alone
        SpanKind.CONSUMER,
        {"messaging.system": tracing.NATS, "messaging.batch.message_count": len(items)},
        links=[Link(item.span.get_span_context()) for item in items if item.span is not None],
    )
    for item in items:
        if item.span is not None:
            item.span.add_link(batch.get_span_context())
    return batch


def end_batch(batch: Span | None, items: Sequence[Inbound]) -> None:
    """End the spans :func:`start_batch` started (whatever became of the batch)."""
    if batch is None:
        return
    for item in items:
        if item.span is not None:
            item.span.end()
            item.span = None
    batch.end()


def causes(results: Sequence[Result]) -> dict[str, Context] | None:
    """The trace context each committed command's events are published in, by command id
    (None with traces off)."""
    if not tracing.enabled():
        return None
    return {
        result.item.command.command_id: trace.set_span_in_context(result.item.span)
        for result in results
        if result.item.span is not None
    }
