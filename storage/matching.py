"""A small part of MongoDB's query language, matched in memory.

A query inside a batch's transaction does not see what earlier commands of the same batch
staged (they are written only at flush), so :class:`storage.unit_of_work.BatchWork` matches its
staged documents with this against the same query and merges them into the answer; the
in-memory unit of work of the tests uses it as its whole store. The part covered is what the
handlers ask: equality (an array field matches when it holds the value), dotted paths, ``$in``,
``$nin``, ``$ne``, ``$exists``, ``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$and``, ``$or``; any
other operator raises ``NotImplementedError`` rather than answer wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

_MISSING = object()


def matches(row: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Whether a document (as stored, ``_id`` included) matches ``query``."""
    for key, wanted in query.items():
        if key == "$and":
            if not all(matches(row, part) for part in wanted):
                return False
        elif key == "$or":
            if not any(matches(row, part) for part in wanted):
                return False
        elif not _field_matches(_lookup(row, key), wanted):
            return False
    return True


def _lookup(row: Mapping[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part, _MISSING)
        elif isinstance(value, list):
            value = [v.get(part, _MISSING) for v in value if isinstance(v, Mapping)]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def _candidates(value: Any) -> Sequence[Any]:
    """A field's value and, for an array, each element (MongoDB matches either)."""
    return [value, *value] if isinstance(value, list) else [value]


def _field_matches(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, Mapping) and wanted and all(str(k).startswith("$") for k in wanted):
        return all(_operator(value, op, arg) for op, arg in wanted.items())
    present = None if value is _MISSING else value
    return any(_equal(v, wanted) for v in _candidates(present))


def _operator(value: Any, op: str, arg: Any) -> bool:
    present = None if value is _MISSING else value
    if op == "$exists":
        return (value is not _MISSING) == bool(arg)
    if op == "$in":
        return any(_equal(v, a) for v in _candidates(present) for a in arg)
    if op == "$nin":
        return not any(_equal(v, a) for v in _candidates(present) for a in arg)
    if op == "$ne":
        return not any(_equal(v, arg) for v in _candidates(present))
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "$gt": lambda a, b: a > b,
        "$gte": lambda a, b: a >= b,
        "$lt": lambda a, b: a < b,
        "$lte": lambda a, b: a <= b,
    }
    if op in compare:
        return any(
            v is not None and _comparable(v, arg) and compare[op](v, arg)
            for v in _candidates(present)
        )
    raise NotImplementedError(f"query operator {op} is not in the in-memory store")


def _equal(a: Any, b: Any) -> bool:
    return bool(a == b)


def _comparable(a: Any, b: Any) -> bool:
    try:
        _ = a < b
    except TypeError:
        return False
    return True


def sort_key(row: Mapping[str, Any], path: str) -> tuple[int, Any]:
    """A row's place when sorted ascending by the field at ``path`` (missing and null first,
    as MongoDB sorts them; a time without a zone is taken as UTC, as the database stores it)."""
    value = _lookup(row, path)
    if value is _MISSING or value is None:
        return (0, "")
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (1, value)


def overlaid(
    found: Sequence[Mapping[str, Any]],
    staged: Sequence[Mapping[str, Any]],
    query: Mapping[str, Any],
    sort: str,
    limit: int,
) -> list[str]:
    """Ids of the rows matching ``query`` once the newer states ``staged`` (written or not)
    replace the rows ``found`` (which matched it when they were read), by ``sort``, at most
    ``limit``: a staged state that no longer matches drops its row, a new one that matches
    joins. Without staged rows the answer is ``found`` as it came."""
    if not staged:
        return [str(row["_id"]) for row in found[:limit]]
    rows = {str(row["_id"]): row for row in found}
    for row in staged:
        if matches(row, query):
            rows[str(row["_id"])] = row
        else:
            rows.pop(str(row["_id"]), None)
    ordered = sorted(rows.items(), key=lambda item: sort_key(item[1], sort))
    return [ident for ident, _ in ordered[:limit]]


def fields_of(query: Mapping[str, Any], sort: str) -> set[str]:
    """The top-level fields ``query`` and ``sort`` look at (``_id`` always): all a row needs
    to be matched and placed, so a staged document is turned into no more than that."""
    names = {"_id", sort.split(".")[0]}
    for key, value in query.items():
        if key in ("$and", "$or"):
            for part in value:
                names |= fields_of(part, sort)
        else:
            names.add(key.split(".")[0])
    return names
