"""The README's rotation of the embedded stack's credentials, step by step: stop ``up``, delete
``<data_dir>/credentials.json`` and ``<data_dir>/mongo_users``, start it again. Every role gets a
new password, both servers refuse the old ones and take the new ones, and the data is kept.

One rotation (two starts of ``up`` on the same data directory) serves every check.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pymongo
import pymongo.errors
import pytest
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.errors import NoServersError

from deploy.credentials import CREDENTIALS_FILE, OPS, Credentials, load_credentials
from deploy.mongo_users import PROVISIONED_FILE, mongo_roles
from tests.support.runbook import (
    Recorded,
    Running,
    found_again,
    record_a_person_and_an_expense,
    running_up,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
AUTHENTICATION_FAILED = 18


@dataclass(frozen=True)
class Rotated:
    """The stack running again after the rotation, the credentials before and after it, and
    what was recorded before it."""

    stack: Running
    old: Credentials
    new: Credentials
    recorded: Recorded


def _kept(stack: Running) -> Credentials:
    credentials = load_credentials(stack.data)
    assert credentials is not None
    return credentials


@pytest.fixture(scope="module")
async def rotated(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rotated]:
    tmp = tmp_path_factory.mktemp("rotation")
    data = tmp / "data"
    async with running_up(data, tmp / "before.log") as before:
        recorded = await record_a_person_and_an_expense(before)
        old = _kept(before)
    # The README's steps, with `up` stopped:
    (data / CREDENTIALS_FILE).unlink()
    (data / PROVISIONED_FILE).unlink()
    async with running_up(data, tmp / "after.log") as after:
        yield Rotated(after, old, _kept(after), recorded)


async def _nats_refusal(url: str) -> str | None:
    """Why NATS refused a connection to ``url`` (None: it took it)."""
    nc = NATS()
    try:
        await nc.connect(servers=[url], allow_reconnect=False, connect_timeout=5)
    except (NatsError, NoServersError, OSError) as exc:
        return str(nc.last_error or exc).lower()
    with contextlib.suppress(NatsError):
        await nc.close()
    return None


def _mongo_refusal(uri: str) -> pymongo.errors.OperationFailure | None:
    """The server's refusal of a read of the ledgerbus database at ``uri`` (None: it answered)."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=5000
    )
    try:
        client["ledgerbus"]["users"].find_one()
    except pymongo.errors.OperationFailure as exc:
        return exc
    finally:
        client.close()
    return None


async def test_every_role_gets_a_new_password(rotated: Rotated) -> None:
    assert set(rotated.new.passwords) == set(rotated.old.passwords)
    kept = [r for r, pw in rotated.new.passwords.items() if rotated.old.passwords[r] == pw]
    assert kept == []
    assert OPS in rotated.new.passwords


async def test_nats_refuses_each_old_password_and_takes_each_new(rotated: Rotated) -> None:
    for role in rotated.new.passwords:
        old = await _nats_refusal(rotated.old.nats_url(role, rotated.stack.nats))
        assert old is not None, role
        assert "authorization violation" in old, (role, old)
        assert await _nats_refusal(rotated.new.nats_url(role, rotated.stack.nats)) is None, role


async def test_secantusdb_refuses_each_old_password_and_takes_each_new(rotated: Rotated) -> None:
    roles = mongo_roles(rotated.new)
    assert OPS in roles
    for role in roles:
        old = _mongo_refusal(rotated.old.mongo_uri(role, rotated.stack.mongo))
        assert old is not None, role
        assert old.code == AUTHENTICATION_FAILED, (role, old.details)
        assert _mongo_refusal(rotated.new.mongo_uri(role, rotated.stack.mongo)) is None, role


async def test_the_person_signs_in_and_finds_their_expense(rotated: Rotated) -> None:
    assert await found_again(rotated.stack, rotated.recorded) == rotated.recorded.expense


async def test_no_file_of_the_data_dir_keeps_an_old_password(rotated: Rotated) -> None:
    old = [password.encode() for password in rotated.old.passwords.values()]
    files = [path for path in rotated.stack.data.rglob("*") if path.is_file()]
    holding = [str(p) for p in files if any(pw in p.read_bytes() for pw in old)]
    assert holding == []
