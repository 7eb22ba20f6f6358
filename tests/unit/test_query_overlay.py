"""Matching staged documents against a query in memory (``storage.matching``): what a batch's
query answers once its own staging is laid over the database's rows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage.matching import fields_of, matches, overlaid

QUERY = {"scope": "user:ada", "deleted": False}


def _row(ident: str, date: str, **fields: object) -> dict[str, object]:
    return {"_id": ident, "scope": "user:ada", "deleted": False, "date": date, **fields}


def test_without_staging_the_database_answer_stands_as_it_came() -> None:
    found = [_row("b", "2026-01-02"), _row("a", "2026-01-01")]
    assert overlaid(found, [], QUERY, "date", 10) == ["b", "a"]
    assert overlaid(found, [], QUERY, "date", 1) == ["b"]


def test_staging_adds_what_now_matches_and_drops_what_no_longer_does() -> None:
    found = [_row("a", "2026-01-01"), _row("b", "2026-01-02"), _row("c", "2026-01-03")]
    staged = [
        _row("b", "2026-01-02", deleted=True),  # deleted in this batch
        _row("d", "2025-12-31"),  # made in this batch, earliest
        _row("e", "2026-01-05", scope="user:bob"),  # someone else's
    ]
    assert overlaid(found, staged, QUERY, "date", 10) == ["d", "a", "c"]
    assert overlaid(found, staged, QUERY, "date", 2) == ["d", "a"]


def test_a_staged_state_replaces_the_row_read_and_is_placed_by_its_new_value() -> None:
    found = [_row("a", "2026-01-01"), _row("b", "2026-01-02")]
    assert overlaid(found, [_row("a", "2026-02-01")], QUERY, "date", 10) == ["b", "a"]


def test_times_with_and_without_a_zone_sort_together_as_utc() -> None:
    naive = {"_id": "x", "at": datetime(2026, 1, 1, 12)}  # as stored: UTC
    aware = {"_id": "y", "at": datetime(2026, 1, 1, 13, tzinfo=timezone(timedelta(hours=2)))}
    assert overlaid([naive], [aware], {}, "at", 10) == ["y", "x"]


def test_operators_and_arrays_match_as_in_mongodb() -> None:
    row = {"_id": "a", "involved": ["ada", "bob"], "n": 3, "tags": {"kind": "x"}}
    assert matches(row, {"involved": "bob", "n": {"$gte": 3, "$lt": 4}})
    assert matches(row, {"$or": [{"n": 1}, {"tags.kind": {"$in": ["x", "y"]}}]})
    assert not matches(row, {"involved": {"$nin": ["ada"]}})
    assert matches(row, {"missing": {"$exists": False}, "n": {"$ne": 2}})


def test_only_the_fields_a_query_and_its_sort_look_at_are_needed() -> None:
    query = {"scope": "s", "$or": [{"date.day": 1}, {"kind": "x"}]}
    assert fields_of(query, "when") == {"_id", "scope", "date", "kind", "when"}
