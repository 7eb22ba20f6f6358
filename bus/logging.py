"""Structured logging: one snake_case event name per line, context bound per message.

Every line of a process has one format, whoever writes it: structlog's own loggers, and the
standard-library loggers of the libraries (FastStream, aiohttp, pymongo, asyncio) rendered by
the same processors through :class:`structlog.stdlib.ProcessorFormatter`.
"""

from __future__ import annotations

import logging
import sys

import structlog

LIBRARY_FLOOR = {
    "aiohttp.access": logging.WARNING,
    "pymongo": logging.WARNING,
    # FastStream's INFO lines are lifecycle chatter ("callback for Task-12 is being executed"
    # as each subscriber stops); its per-message lines are DEBUG. Warnings and errors still show.
    "faststream": logging.WARNING,
}


def configure_logging(level: str = "INFO", fmt: str = "console", process: str = "") -> None:
    """Route stdlib and structlog output through one renderer on stdout."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if process:
        shared.insert(0, lambda _l, _m, event: {"process": process, **event})
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # FastStream sets up its logger (own handler, not propagating) when first imported: import
    # it now so that the set-up below is not undone later by an actor's first import.
    import faststream  # noqa: F401

    root.setLevel(numeric)
    for name, floor in LIBRARY_FLOOR.items():
        library = logging.getLogger(name)
        library.setLevel(max(floor, numeric))
        # FastStream gives its logger a coloured handler of its own at import; ours renders it.
        library.handlers.clear()
        library.propagate = True
