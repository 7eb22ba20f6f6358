"""Options whose fields declare their command-line flags: :func:`flag` (an option with a flag,
its help, and its ``--quick`` value), :func:`knob` (an option only ``--quick`` changes), and
how parsed flags become options (:func:`options_of`)."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, TypeVar

T = TypeVar("T")
FLAG = "deploy.bench.flag"
QUICK = "deploy.bench.quick"


@dataclass(frozen=True)
class Flag:
    """How an option is told on the command line: its help; the default as the help tells it
    (``shown``: the default itself when None, nothing when empty); the flag, when it is not
    ``--`` and the option's name; and whether it is listed after the run flags (``late``)."""

    help: str | None
    shown: str | None = None
    name: str | None = None
    late: bool = False


def flag(
    default: T,
    help: str | None,
    *,
    quick: T | Callable[[T], T] | None = None,
    shown: str | None = None,
    name: str | None = None,
    late: bool = False,
) -> T:
    """An option with a flag; its help ends with the default (or ``shown``; nothing when
    ``shown`` is empty, and no help at all when ``help`` is None). ``quick``, when given, is its
    value under ``--quick`` unless the flag is given; or, as a function, what ``--quick`` makes
    of the value (flag or default), such as ``lambda n: min(n, 8)``. A ``bool`` option's flag
    is bare and turns its default over (``--no-http`` for an option ``http`` of default True).
    ``late`` lists the flag after the run flags."""
    meta: dict[str, object] = {FLAG: Flag(help, shown, name, late)}
    if quick is not None:
        meta[QUICK] = quick
    return field(default=default, metadata=meta)


def knob(default: T, *, quick: T | Callable[[T], T]) -> T:
    """An option without a flag, which ``--quick`` sets to ``quick`` (or, when a function,
    to what ``quick`` makes of it)."""
    return field(default=default, metadata={QUICK: quick})


class OptionsType(Protocol):
    """A frozen dataclass of options, with the fields every run has."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @property
    def stack_log_level(self) -> str: ...

    @property
    def json_path(self) -> Path | None: ...

    @property
    def log_path(self) -> Path | None: ...

    @property
    def quick(self) -> bool: ...


class Quick:
    """``shrunk``, the ``--quick`` form of options declared with :func:`flag` and :func:`knob`."""

    def shrunk(self, kept: Collection[str] = ()) -> Self:
        """Every option that has a ``--quick`` value takes it, but a fixed value leaves the
        options named in ``kept`` (whose flags were given) as they are."""
        quick: dict[str, object] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if QUICK not in f.metadata:
                continue
            value = f.metadata[QUICK]
            if callable(value):
                quick[f.name] = value(getattr(self, f.name))
            elif f.name not in kept:
                quick[f.name] = value
        return dataclasses.replace(self, quick=True, **quick)  # type: ignore[type-var]


Opts = TypeVar("Opts", bound=OptionsType)


def flag_of(f: dataclasses.Field[Any]) -> str:
    """The command-line flag of option ``f``."""
    spec: Flag = f.metadata[FLAG]
    return spec.name or "--" + f.name.replace("_", "-")


def add_option_flags(
    parser: argparse.ArgumentParser, options: type[OptionsType], *, late: bool = False
) -> None:
    """A flag for each option declared with :func:`flag` (only the ``late`` ones, or only the
    others), in the order of the fields. Unset, a flag is None and the option keeps its default
    (or its ``--quick`` value)."""
    defaults = options()
    for f in dataclasses.fields(options):
        if FLAG not in f.metadata or f.metadata[FLAG].late != late:
            continue
        spec: Flag = f.metadata[FLAG]
        name = flag_of(f)
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            parser.add_argument(name, action="store_true", dest=f.name, help=spec.help)
            continue
        shown = spec.shown if spec.shown is not None else str(default)
        metavar = name.removeprefix("--").replace("-", "_").upper()
        parser.add_argument(
            name,
            type=type(default),
            default=None,
            dest=f.name,
            metavar=metavar,
            help=f"{spec.help} ({shown})" if spec.help and shown else spec.help,
        )


def options_of(options: type[Opts], args: argparse.Namespace) -> Opts:
    """Options from flags parsed by :func:`add_option_flags` and the run flags: the defaults
    with each flag given, then ``--quick`` (see :meth:`Quick.shrunk`)."""
    told = ("stack_log_level", "json_path", "log_path")
    base: Opts = options(**{k: getattr(args, k) for k in told if hasattr(args, k)})
    given: dict[str, object] = {}
    for f in dataclasses.fields(options):
        if FLAG not in f.metadata:
            continue
        value = getattr(args, f.name)
        if isinstance(f.default, bool):
            if value:
                given[f.name] = not f.default
        elif value is not None:
            given[f.name] = value
    told_options = dataclasses.replace(base, **given)
    if getattr(args, "quick", False):
        return told_options.shrunk(given)  # type: ignore[attr-defined, no-any-return]
    return told_options
