"""Staging the fraud actor's documents: a person's profile and an expense's risk record."""

from __future__ import annotations

from actors.fraud.profile import Profile, dump_profile, load_profile
from storage.fraud import FraudProfileDoc, RiskDoc
from storage.unit_of_work import CommandWork


async def profile_of(work: CommandWork, owner: str) -> tuple[FraudProfileDoc | None, Profile]:
    held = await work.get(FraudProfileDoc, owner)
    return held, load_profile(owner, held.data if held is not None else None)


def put_profile(work: CommandWork, held: FraudProfileDoc | None, profile: Profile) -> None:
    work.put(
        FraudProfileDoc(
            id=profile.owner,
            data=dump_profile(profile),
            version=held.version + 1 if held is not None else 1,
            updated_at=work.now,
        )
    )


def next_risk_version(held: RiskDoc | None) -> int:
    return held.version + 1 if held is not None else 1
