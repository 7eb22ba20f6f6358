"""The shape of a ``ledgerbus bench`` benchmark: options whose fields declare their flags, a run
that returns a typed result, and a render of that result.

A benchmark is a :class:`Benchmark`: a name and a help line, an options dataclass
(:mod:`deploy.bench.optionflags`: its fields declare the flags), ``run`` (settings, options,
progress output) returning a result dataclass, and ``render`` (result to the text a person
reads). Its JSON is the result itself (:func:`deploy.bench.figures.json_form`).
``deploy.bench.registry`` lists the benchmarks; nothing registers itself on import.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TextIO, TypeVar

import uvloop

from bus.settings import Settings
from deploy.bench.figures import json_form
from deploy.bench.flags import add_quick_flag, add_run_flags, log_path_of
from deploy.bench.optionflags import Opts, add_option_flags, options_of

R = TypeVar("R")


class Command(Protocol):
    """One ``ledgerbus bench`` subcommand, as ``add_parser`` and ``run`` see it."""

    @property
    def name(self) -> str: ...

    @property
    def help(self) -> str: ...

    def add_flags(self, parser: argparse.ArgumentParser) -> None: ...

    def execute(self, args: argparse.Namespace, settings: Settings) -> int: ...


@dataclass(frozen=True)
class Benchmark(Generic[Opts, R]):
    """A benchmark: its options (whose fields declare the flags), its run and its render.

    ``smoke`` is what ``--quick`` runs (its help); without it, the benchmark has neither
    ``--quick`` nor the run flags (``--json``, ...). ``settle`` clamps options after the flags.
    ``log_file`` is where the children's output goes (``--log-file``, or else
    ``ledgerbus-bench-<name>.log`` in the temporary directory), and ``title`` names the run in
    its failure message (``bench <name>``).
    """

    name: str
    help: str
    options: type[Opts]
    run: Callable[[Settings, Opts, TextIO], Awaitable[R]]
    render: Callable[[R], str]
    smoke: str | None
    settle: Callable[[Opts], Opts] = lambda options: options
    log_file: Callable[[Opts], Path] | None = None
    title: str | None = None

    def add_flags(self, parser: argparse.ArgumentParser) -> None:
        add_option_flags(parser, self.options)
        if self.smoke is not None:
            add_run_flags(parser)
            add_option_flags(parser, self.options, late=True)
            add_quick_flag(parser, self.smoke)

    def options_from(self, args: argparse.Namespace) -> Opts:
        return self.settle(options_of(self.options, args))

    def execute(self, args: argparse.Namespace, settings: Settings) -> int:
        """Run the benchmark with the flags given: 2 (and why) when they make no sense."""
        try:
            options = self.options_from(args)
        except ValueError as exc:
            print(f"ledgerbus bench {self.name}: {exc}", file=sys.stderr)
            return 2

        async def work() -> R:
            return await self.run(settings, options, sys.stdout)

        def log_file() -> Path:
            if self.log_file is not None:
                return self.log_file(options)
            return log_path_of(self.name, options.log_path)

        title = self.title or f"bench {self.name}"
        return report(title, work(), self.render, options.json_path, log_file)


def report(
    name: str,
    work: Coroutine[Any, Any, R],
    render: Callable[[R], str],
    json_path: Path | None,
    log_path: Callable[[], Path | None],
) -> int:
    """Run one benchmark to the end and print its result (and write its JSON to ``json_path``):
    0 when it completed, 130 when interrupted, 1 when it failed (speed is never judged)."""
    try:
        result = uvloop.run(work)
    except KeyboardInterrupt:
        print(f"ledgerbus {name}: interrupted; everything was stopped", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"ledgerbus {name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"  children's output: {log_path()}", file=sys.stderr)
        return 1
    print(render(result), flush=True)
    if json_path is not None:
        json_path.write_text(json.dumps(json_form(result), indent=2) + "\n")
        print(f"figures written to {json_path}")
    return 0
