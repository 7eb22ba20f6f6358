"""Staging the fraud actor's documents: a person's profile and an expense's risk record.

A profile is read and parsed once per batch and person, not once per event: an event whose
person already has a profile staged by an earlier event of the batch takes that one as it was
left (its parsed form travels with the staged document); a stored one is parsed once per
stored revision in the process (:class:`actors.fraud.runtime.ProfileCache`), and a batch reads
without its data a profile whose stored revision the process has parsed already (see
``FraudRuntime.preload``): a profile is tens of KB, read back unchanged. Each event still
stages its own document (so a failed event leaves nothing behind), but only the one written —
the batch's last for that person — is encoded, once, when the batch is flushed.
"""

from __future__ import annotations

from typing import Any

from actors.fraud.profile import Profile, dump_profile, load_profile
from actors.fraud.runtime import FraudRuntime, ProfileCache
from actors.work import Work
from bus.ids import new_id
from storage.fraud import FraudProfileDoc, RiskDoc


def _cache(work: Work) -> ProfileCache | None:
    runtime = work.runtime
    return runtime.profiles if isinstance(runtime, FraudRuntime) else None


async def profile_of(work: Work, owner: str) -> tuple[FraudProfileDoc | None, Profile]:
    """The owner's profile document as this batch sees it, and its parsed form."""
    held = await work.get(FraudProfileDoc, owner)
    if held is None:
        return None, load_profile(owner, None)
    if held.parsed is not None:  # staged earlier in the batch, or read without its data
        known: Profile = held.parsed
        return held, known
    cache = _cache(work)
    profile = cache.get(owner, held.rev) if cache is not None else None
    if profile is None:
        profile = load_profile(owner, held.data)
        if cache is not None and held.rev is not None:
            cache.put(owner, held.rev, profile)
    return held, profile


def put_profile(work: Work, held: FraudProfileDoc | None, profile: Profile) -> None:
    """Stage ``profile`` as the owner's next version; its stored form is made only if this is
    the document the batch writes (and the process then remembers it by its new ``rev``)."""
    rev = new_id()
    cache = _cache(work)

    def render() -> dict[str, Any]:
        if cache is not None:
            cache.put(profile.owner, rev, profile)
        return dump_profile(profile)

    doc = FraudProfileDoc(
        id=profile.owner,
        version=held.version + 1 if held is not None else 1,
        rev=rev,
        updated_at=work.now,
    )
    work.put(doc.deferred(profile, render))


def next_risk_version(held: RiskDoc | None) -> int:
    return held.version + 1 if held is not None else 1
