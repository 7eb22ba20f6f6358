"""Each synthetic receipt's duplicates, found as the ocr actor finds them when it reads one."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from actors.ocr.runtime import DUPLICATE_BITS, DUPLICATE_CANDIDATES, DUPLICATE_WINDOW, distance
from deploy.synthetic.fraud.classic_drafts import Receipt


def _chunks(phash: str) -> list[tuple[int, int]]:
    """The hash cut into ``DUPLICATE_BITS + 1`` pieces (piece number, value): two hashes at most
    ``DUPLICATE_BITS`` bits apart cannot differ in every piece, so they share at least one."""
    value, count = int(phash, 16), DUPLICATE_BITS + 1
    widths = [64 // count + (1 if i < 64 % count else 0) for i in range(count)]
    pieces, shift = [], 0
    for i, width in enumerate(widths):
        pieces.append((i, (value >> shift) & ((1 << width) - 1)))
        shift += width
    return pieces


def find_duplicates(receipts: Sequence[Receipt], sharing: dict[str, tuple[str, ...]]) -> None:
    """Each receipt's ``duplicates``, as the ocr actor finds them when it reads it: the
    receipts before it of its owner and of everyone in a group with them, created within
    ``DUPLICATE_WINDOW`` of the scan, newest first (at most ``DUPLICATE_CANDIDATES`` looked
    at), whose perceptual hash is at most ``DUPLICATE_BITS`` bits away.

    Only receipts sharing a piece of the hash (:func:`_chunks`) can be that close, so each one
    is compared with those, not with all: the same answer, without millions of comparisons."""
    seen_at: dict[str, list[datetime]] = defaultdict(list)
    seen: dict[str, list[Receipt]] = defaultdict(list)
    by_piece: dict[tuple[str, int, int], list[Receipt]] = defaultdict(list)
    for r in receipts:
        since = r.scanned - DUPLICATE_WINDOW
        owners = sharing[r.owner]
        pieces = _chunks(r.phash)
        looked_at = sum(len(seen_at[o]) - bisect.bisect_left(seen_at[o], since) for o in owners)
        if looked_at > DUPLICATE_CANDIDATES:  # only the newest are looked at
            candidates = sorted(
                (c for o in owners for c in seen[o] if c.at >= since),
                key=lambda c: (c.at, c.seq),
                reverse=True,
            )[:DUPLICATE_CANDIDATES]
        else:
            near = {
                c.id: c for o in owners for piece in pieces for c in by_piece.get((o, *piece), ())
            }
            candidates = [c for c in near.values() if c.at >= since]
        close = [c for c in candidates if distance(c.phash, r.phash) <= DUPLICATE_BITS]
        if len(close) > 1:
            close.sort(key=lambda c: (c.at, c.seq), reverse=True)
        r.duplicates = [c.id for c in close]
        seen_at[r.owner].append(r.at)
        seen[r.owner].append(r)
        for piece in pieces:
            by_piece[(r.owner, *piece)].append(r)
