"""Reads a batch makes once for many keys, where its reactions would each read their own: the
ids of the documents of every key in one query, split by key as each key's own read would
find them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from beanie import Document

from storage.unit_of_work import BatchWork


async def ids_by_key(
    work: BatchWork,
    model: type[Document],
    field: str,
    keys: Sequence[str],
    query: Mapping[str, Any],
    each: int,
) -> dict[str, list[str]] | None:
    """For each of ``keys``: the ids of ``model`` whose ``field`` is that key and that match
    ``query``, at most ``each`` in id order (the documents themselves go into the identity
    map). None if the one query may have been cut short: each key is then left to its own read."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    most = each * len(wanted) + 1
    found = await work.find_ids(model, {**query, field: {"$in": wanted}}, most)
    if len(found) >= most:
        return None
    by_key: dict[str, list[str]] = {key: [] for key in wanted}
    for ident in found:  # in id order
        doc = await work.get(model, ident)
        key = getattr(doc, field, None)
        if isinstance(key, str) and key in by_key and len(by_key[key]) < each:
            by_key[key].append(ident)
    return by_key
