"""What every benchmark's result holds first (:class:`Header`: the benchmark, when, the machine,
the database, the options), and a result as its ``--json`` file holds it (:func:`json_form`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic

from deploy.bench.machine import database_info, machine_info
from deploy.bench.optionflags import Opts

ABSENT = "deploy.bench.absent_when_none"
ABSENT_WHEN_NONE = {ABSENT: True}
"""The metadata of a figure (``field(default=None, metadata=ABSENT_WHEN_NONE)``) that the JSON
leaves out while it is None: a figure only some runs take. Its dataclass must be ``kw_only``
when later fields have no default."""


@dataclass(frozen=True)
class Machine:
    """Cores, memory, CPU model, OS and Python of the machine a run was on."""

    cores_logical: int
    cores_physical: int | None
    cpu_affinity: int
    ram_gib: float
    cpu_model: str
    platform: str
    python: str


@dataclass(frozen=True)
class Header(Generic[Opts]):
    """The first figures of a run: the benchmark, when it started, the machine, the database
    and the options (in the JSON, its fields are at the top level)."""

    benchmark: str
    started_at: str
    machine: Machine
    database: str
    options: Opts

    @classmethod
    def now(cls, name: str, options: Opts) -> Header[Opts]:
        return cls(
            benchmark=name,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            machine=Machine(**machine_info()),
            database=database_info(),
            options=options,
        )


def plain(value: object) -> object:
    """``value`` as JSON holds it: dataclasses as objects, paths as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not (f.metadata.get(ABSENT) and getattr(value, f.name) is None)
        }
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def json_form(result: object) -> dict[str, object]:
    """A result as its ``--json`` file holds it: its fields, with its ``header``'s first."""
    fields = plain(result)
    assert isinstance(fields, dict)
    header = fields.pop("header", {})
    assert isinstance(header, dict)
    return {**header, **fields}
