"""Unit tests of the list cursors in storage/queries.py (pure functions, no database)."""

from __future__ import annotations

import base64
import json

import pytest

from storage.queries import BadCursor, decode_cursor, encode_cursor


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        ["2026-11-20", "6f1c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21"],
        ["1970-01-01", ""],
        ["2026-11-20", "id with spaces/and+slashes?"],
    ],
)
def test_a_cursor_decodes_to_the_values_it_was_made_from(values: list[str]) -> None:
    assert values == decode_cursor(encode_cursor(values))


def test_a_cursor_is_url_safe_without_padding() -> None:
    cursor = encode_cursor(["2026-11-20", "\u00ff\u00fe?>>"])
    assert cursor.strip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "%%%",
        "not a cursor at all",
        "\u00e9t\u00e9",
        _b64(b"not json"),
        _b64(b"\xff\xfe\x00garbage"),
    ],
)
def test_garbage_is_a_bad_cursor(cursor: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(cursor)


@pytest.mark.parametrize(
    "shape",
    [
        {"date": "2026-11-20", "id": "x"},
        "2026-11-20",
        42,
        None,
        [],
        ["2026-11-20"],
        ["2026-11-20", "a", "b"],
        ["2026-11-20", 7],
        [None, "x"],
        ["2026-11-20", {"$gt": ""}],
    ],
)
def test_json_of_the_wrong_shape_is_a_bad_cursor(shape: object) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(_b64(json.dumps(shape).encode()))
