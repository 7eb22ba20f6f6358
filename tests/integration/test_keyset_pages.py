"""Keyset pages against the real MongoDB-wire server: paging through a list with many items on
one value, a range on the paged field and either order gives every matching document once, in
order, as one sorted read would; and no page is asked with an ``$or`` (which SecantusDB answers
by reading the whole collection, every person's documents)."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from storage.database import Database
from storage.groups import GroupEntryDoc
from storage.keyset import _narrowed, keyset_page
from storage.staging import to_bson

pytestmark = pytest.mark.integration


def _entry(group: str, day: str, ident: str, kind: str = "expense") -> dict[str, Any]:
    doc = GroupEntryDoc.model_validate(
        {
            "id": ident,
            "group_id": group,
            "scope": f"group:{group}",
            "kind": kind,
            "date": day,
            "group_currency": "EUR",
            "balance_currency": "EUR",
            "balance_shares": [],
            "involved": [],
            "created_by": "ada",
            "version": 1,
            "created_at": "2026-12-01T00:00:00Z",
            "updated_at": "2026-12-01T00:00:00Z",
        }
    )
    return to_bson(doc)


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("page", [1, 3, 7])
async def test_paging_gives_every_document_once_in_order_without_an_or(
    database: Database, monkeypatch: pytest.MonkeyPatch, descending: bool, page: int
) -> None:
    group, other = uuid.uuid4().hex, uuid.uuid4().hex
    rng = random.Random(page)
    days = ["2026-11-03", "2026-11-04", "2026-11-05", "2026-11-09"]
    rows = [_entry(group, rng.choice(days), f"{n:03d}-{uuid.uuid4().hex[:6]}") for n in range(23)]
    rows += [_entry(group, "2026-11-04", f"x{n}-{uuid.uuid4().hex[:6]}", kind="settlement") for n in range(3)]
    rows += [_entry(other, "2026-11-04", f"o{n}-{uuid.uuid4().hex[:6]}") for n in range(3)]
    await GroupEntryDoc.get_pymongo_collection().insert_many(rows)
    query = {"group_id": group, "kind": "expense", "date": {"$lte": "2026-11-05"}}
    expected = sorted(
        ((r["date"], r["_id"]) for r in rows if r["_id"][0].isdigit() and r["date"] <= days[2]),
        reverse=descending,
    )
    asked: list[dict[str, Any]] = []
    find = GroupEntryDoc.find

    def spy(*args: Any, **kwargs: Any) -> Any:
        asked.append(args[0])
        return find(*args, **kwargs)

    monkeypatch.setattr(GroupEntryDoc, "find", spy)
    seen: list[tuple[str, str]] = []
    after = None
    while True:
        found = await keyset_page(GroupEntryDoc, query, "date", after, page, descending=descending)
        seen += [(d.date, d.id) for d in found]
        if len(found) < page:
            break
        after = (found[-1].date, found[-1].id)
    assert seen == expected
    assert len(asked) >= len(expected) // page
    assert all("$or" not in repr(q) for q in asked)


def test_a_condition_already_on_the_field_is_kept_and_narrowed() -> None:
    assert _narrowed(None, "$eq", "d") == "d"
    assert _narrowed(None, "$lt", "d") == {"$lt": "d"}
    both = {"$lte": "e", "$gte": "a", "$lt": "d"}
    assert _narrowed({"$lte": "e", "$gte": "a"}, "$lt", "d") == both
    assert _narrowed({"$lt": "c"}, "$lt", "d") == {"$lt": "c"}  # the stricter bound
    assert _narrowed({"$gt": "c"}, "$gt", "b") == {"$gt": "c"}
    assert _narrowed("d", "$eq", "d") == {"$in": ["d"], "$eq": "d"}
