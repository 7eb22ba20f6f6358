"""Keyset pages of a list ordered by one field, then id: the page after a cursor read as two
plain queries instead of one with an ``$or``.

"After (value, id)" is ``field < value or (field == value and _id < id)`` (newest first). Asked
as that ``$or``, a MongoDB-wire server may read the whole collection, every person's documents
(SecantusDB does, for any ``$or``); asked as the rest of the last page's value, then the values
past it, each query is an equality and a range that the list's index serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from beanie import Document, SortDirection

D = TypeVar("D", bound=Document)

_PAST = {True: "$lt", False: "$gt"}  # descending or not


def _narrowed(held: Any, op: str, value: Any) -> Any:
    """The condition on a field already asked ``held`` (a value, operators, or nothing), also
    satisfying ``op`` ``value``."""
    if held is None:
        return value if op == "$eq" else {op: value}
    if not (isinstance(held, Mapping) and held and all(str(k).startswith("$") for k in held)):
        held = {"$in": [held]}  # an equality, kept as one
    ops = dict(held)
    if op in ops and op in ("$lt", "$gt"):  # the stricter bound of the two
        ops[op] = min(ops[op], value) if op == "$lt" else max(ops[op], value)
    else:
        ops[op] = value
    return ops


async def keyset_page(
    model: type[D],
    query: Mapping[str, Any],
    field: str,
    after: tuple[Any, str] | None,
    limit: int,
    *,
    descending: bool = True,
) -> list[D]:
    """Up to ``limit`` documents matching ``query``, ordered by ``field`` then id (newest first
    when ``descending``), that come after ``after`` (the last page's last ``(field, id)``)."""
    order = SortDirection.DESCENDING if descending else SortDirection.ASCENDING
    sort = [(field, order), ("_id", order)]
    if after is None:
        return await model.find(dict(query)).sort(sort).limit(limit).to_list()
    value, last_id = after
    past = _PAST[descending]
    same = {**query, field: _narrowed(query.get(field), "$eq", value), "_id": {past: last_id}}
    found = await model.find(same).sort(sort).limit(limit).to_list()
    if len(found) < limit:
        beyond = {**query, field: _narrowed(query.get(field), past, value)}
        found += await model.find(beyond).sort(sort).limit(limit - len(found)).to_list()
    return found
