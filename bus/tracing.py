"""Distributed traces: this process's tracer, and W3C trace context in NATS message headers.

One trace follows a write across processes: the edge's HTTP request, the command's publish,
the actor's processing of it, each event it caused, and each socket emit of those events. The
context travels in the ``traceparent``/``tracestate`` headers of every NATS message on that path.

:func:`configure` is called once by each composition root (``deploy/serve.py``); until then, and
with ``traces="off"``, the tracer is OpenTelemetry's no-op one and every helper here returns at
its first line: no span is recorded, no header is added, nothing is exported.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from bus.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

SCOPE = "ledgerbus"
NATS = "nats"

# The bus's header format is W3C trace context whatever a process's environment says
# (OTEL_PROPAGATORS): every process on the bus must read what the others write.
_PROPAGATOR = TraceContextTextMapPropagator()


class _Current:
    """The process's tracer and the provider behind it (None: the no-op tracer)."""

    provider: TracerProvider | None = None
    tracer: Tracer = trace.NoOpTracer()


_current = _Current()
_OFF = nullcontext()  # what the helpers below give with traces off: nothing to do


def configure(
    settings: Settings, service_name: str, *, exporter: SpanExporter | None = None
) -> None:
    """Set this process's tracer from ``settings.traces`` (``exporter``, if given, instead).

    Spans are exported in batches off the event loop (OpenTelemetry's worker thread). Calling
    it again replaces the previous provider, flushing what it held.
    """
    shutdown()
    if exporter is None and settings.traces == "off":
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {
            "service.name": service_name,
            "service.namespace": SCOPE,
            "service.instance.id": settings.node_id,
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter or _exporter(settings)))
    _current.provider = provider
    _current.tracer = provider.get_tracer(SCOPE)


def _exporter(settings: Settings) -> SpanExporter:
    if settings.traces == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(out=sys.stdout)  # the stdout of now, not of import time
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=settings.otlp_endpoint)


def flush() -> None:
    """Export every finished span now (before a process exits, or a test reads its spans)."""
    if _current.provider is not None:
        _current.provider.force_flush()


def shutdown() -> None:
    """Flush and close the provider; the process is back on the no-op tracer."""
    provider, _current.provider, _current.tracer = _current.provider, None, trace.NoOpTracer()
    if provider is not None:
        provider.shutdown()


def enabled() -> bool:
    """Whether spans are recorded in this process (callers skip all tracing work when not)."""
    return _current.provider is not None


def tracer() -> Tracer:
    """The process's tracer (the no-op one until :func:`configure` turns traces on)."""
    return _current.tracer


def inject(headers: MutableMapping[str, str], context: Context | None = None) -> None:
    """Write ``context``'s span (the current one by default) into NATS message headers."""
    if _current.provider is not None:
        _PROPAGATOR.inject(headers, context)


def extract(headers: Mapping[str, str] | None) -> Context:
    """The trace context a NATS message carried (an empty one if none: a new trace starts)."""
    return _PROPAGATOR.extract(headers or {})


def messaging(operation: str, destination: str, message_id: str) -> dict[str, AttributeValue]:
    """OpenTelemetry's messaging attributes of one NATS message."""
    return {
        "messaging.system": NATS,
        "messaging.operation.type": operation,
        "messaging.destination.name": destination,
        "messaging.message.id": message_id,
    }


def sending(
    name: str,
    headers: MutableMapping[str, str],
    destination: str,
    message_id: str,
    parent: Context | None = None,
) -> AbstractContextManager[None]:
    """A producer span around one publish (child of ``parent``, else of the current span),
    its context written into ``headers`` before the message leaves."""
    if _current.provider is None:
        return _OFF
    return _sending(name, headers, messaging("send", destination, message_id), parent)


@contextmanager
def _sending(
    name: str,
    headers: MutableMapping[str, str],
    attributes: Mapping[str, AttributeValue],
    parent: Context | None,
) -> Iterator[None]:
    span = _current.tracer.start_span(name, parent, SpanKind.PRODUCER, attributes)
    inject(headers, trace.set_span_in_context(span))
    with trace.use_span(span, end_on_exit=True):
        yield


def receiving(
    name: str, headers: Mapping[str, str] | None, destination: str, message_id: str
) -> AbstractContextManager[Span | None]:
    """A consumer span, current while a received message is handled, child of the context
    the message carried; None when traces are off."""
    if _current.provider is None:
        return _OFF
    return _current.tracer.start_as_current_span(
        name, extract(headers), SpanKind.CONSUMER, messaging("process", destination, message_id)
    )
