"""The README's backups of the embedded stack, step by step, each restored into a new data
directory that ``up`` starts on elsewhere (other ports), where the person signs in and finds
their expense:

- cold: a copy of the data directory while ``up`` is stopped;
- live: SecantusDB's ``secantusAdmin.backupArchive`` (with ``outputPath``) while ``up`` runs, as
  the operators' role, unpacked by ``secantus-restore-archive --archive A --target-dir D`` into
  ``mongo/`` of a new data directory with the stack's ``credentials.json`` and ``jwt_secret``.

One run of ``up`` makes both backups; each restore is one more start.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors
import pytest

from deploy.credentials import CREDENTIALS_FILE, OPS, load_credentials
from deploy.embedded import JWT_SECRET_FILE, LINK_SECRET_FILE
from deploy.mongo_users import mongo_roles
from tests.support.runbook import (
    Recorded,
    Running,
    found_again,
    found_with_the_first_sign_in,
    record_a_person_and_an_expense,
    running_up,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
UNAUTHORIZED = 13
RESTORE_ARCHIVE = Path(sys.executable).with_name("secantus-restore-archive")


@dataclass(frozen=True)
class Backups:
    """What the stack recorded, its data directory (``up`` stopped) and its live archive."""

    recorded: Recorded
    data: Path
    archive: Path
    archived: dict[str, Any]
    refused: dict[str, int | None]


def _backup_archive(stack: Running, output: Path, role: str = OPS) -> dict[str, Any]:
    """SecantusDB's answer to ``secantusAdmin.backupArchive`` asked by ``role`` (a refusal
    too: it fails the live backup's test, not the cold one's)."""
    credentials = load_credentials(stack.data)
    assert credentials is not None
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        credentials.mongo_uri(role, stack.mongo), serverSelectionTimeoutMS=5000
    )
    try:
        return client.admin.command("secantusAdmin.backupArchive", outputPath=str(output))
    except pymongo.errors.OperationFailure as refused:
        return dict(refused.details or {"ok": 0.0, "errmsg": str(refused)})
    finally:
        client.close()


def _other_roles(stack: Running) -> list[str]:
    credentials = load_credentials(stack.data)
    assert credentials is not None
    return [role for role in mongo_roles(credentials) if role != OPS]


@pytest.fixture(scope="module")
async def backups(tmp_path_factory: pytest.TempPathFactory) -> Backups:
    tmp = tmp_path_factory.mktemp("backup")
    data, archive = tmp / "data", tmp / "live.tar.gz"
    async with running_up(data, tmp / "up.log") as stack:
        recorded = await record_a_person_and_an_expense(stack)
        archived = await asyncio.to_thread(_backup_archive, stack, archive)
        refused = {
            role: (await asyncio.to_thread(_backup_archive, stack, tmp / role, role)).get("code")
            for role in _other_roles(stack)
        }
    return Backups(recorded, data, archive, archived, refused)


async def test_a_cold_copy_starts_elsewhere_with_the_person_and_their_expense(
    backups: Backups, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    await asyncio.to_thread(shutil.copytree, backups.data, copy, symlinks=True)
    async with running_up(copy, tmp_path / "up.log") as restored:
        assert await found_again(restored, backups.recorded) == backups.recorded.expense
        first = await found_with_the_first_sign_in(restored, backups.recorded)
    assert first == backups.recorded.expense


async def test_no_role_but_the_operators_may_take_a_live_backup(backups: Backups) -> None:
    assert {"edge", "expenses", "analyst"} <= set(backups.refused)
    assert set(backups.refused.values()) == {UNAUTHORIZED}, backups.refused


async def test_a_live_archive_restores_into_a_new_data_dir(
    backups: Backups, tmp_path: Path
) -> None:
    assert backups.archived["ok"] == 1.0, backups.archived
    assert backups.archived["path"] == str(backups.archive)
    data = tmp_path / "restored"
    unpack = await asyncio.create_subprocess_exec(
        str(RESTORE_ARCHIVE), "--archive", str(backups.archive),
        "--target-dir", str(data / "mongo"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    said, _ = await asyncio.wait_for(unpack.communicate(), 120)
    assert unpack.returncode == 0, said.decode()
    for kept in (CREDENTIALS_FILE, JWT_SECRET_FILE, LINK_SECRET_FILE):
        shutil.copy2(backups.data / kept, data / kept)
    async with running_up(data, tmp_path / "up.log") as restored:
        assert await found_again(restored, backups.recorded) == backups.recorded.expense
        first = await found_with_the_first_sign_in(restored, backups.recorded)
    assert first == backups.recorded.expense
