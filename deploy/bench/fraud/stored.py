"""What the fraud actor stored, read by the fraud benchmark between its phases: the largest
profile, and what the scorer found over the whole run."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from bson import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from deploy.bench.fraud.names import FLAGS, PROFILES, RISKS
from deploy.bench.fraud.results import ProfileFigures, ScoringFigures


async def largest_profile(db: AsyncDatabase[dict[str, Any]]) -> ProfileFigures:
    """The largest ``fraud_profiles`` document, in bytes of BSON, and what it holds."""
    raw = cast(
        "AsyncCollection[RawBSONDocument]",
        db.get_collection(PROFILES, codec_options=CodecOptions(document_class=RawBSONDocument)),
    )
    largest, entries, count = 0, 0, 0
    async for doc in raw.find({}):
        count += 1
        if len(doc.raw) > largest:
            largest, entries = len(doc.raw), len(doc["data"]["entries"])
    return ProfileFigures(profiles=count, largest_bytes=largest, its_recent_expenses=entries)


async def scoring_summary(db: AsyncDatabase[dict[str, Any]], threshold: int) -> ScoringFigures:
    """What the scorer found over the whole run: signals fired, scores at the threshold, flags."""
    signals: Counter[str] = Counter()
    records = flagged = 0
    async for doc in db[RISKS].find({}, {"score": 1, "signals.name": 1}):
        records += 1
        flagged += int(doc.get("score", 0) >= threshold)
        signals.update(str(s.get("name")) for s in doc.get("signals") or [])
    return ScoringFigures(
        risk_records=records,
        at_or_over_threshold=flagged,
        threshold=threshold,
        flags=await db[FLAGS].count_documents({}),
        signals=dict(signals.most_common()),
    )
