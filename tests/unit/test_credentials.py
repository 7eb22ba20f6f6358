"""The embedded stack's passwords: made once per role, kept owner-only, reused, and put into
the URLs a process of that role connects with; tools beside the stack find theirs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bus.private_files import write_private
from bus.settings import Settings
from deploy.credentials import (
    CREDENTIALS_FILE,
    Credentials,
    UnreadableCredentials,
    ensure_credentials,
    for_tool,
    load_credentials,
)
from deploy.mongo_users import database_roles


def test_first_use_makes_a_password_per_role_readable_by_the_owner_alone(tmp_path: Path) -> None:
    made = ensure_credentials(tmp_path, ["edge", "expenses", "analyst"])
    path = tmp_path / CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(made.passwords) == {"edge", "expenses", "analyst"}
    assert len(set(made.passwords.values())) == 3
    for password in made.passwords.values():
        assert password[0].isalpha()
        assert password.isalnum()
        assert len(password) >= 40


def test_later_starts_reuse_the_passwords_and_add_only_new_roles(tmp_path: Path) -> None:
    first = ensure_credentials(tmp_path, ["edge", "expenses"])
    again = ensure_credentials(tmp_path, ["edge", "expenses", "fraud"])
    assert again.passwords["edge"] == first.passwords["edge"]
    assert again.passwords["expenses"] == first.passwords["expenses"]
    assert load_credentials(tmp_path) == again


def test_a_role_connects_to_every_nats_server_with_its_login() -> None:
    credentials = Credentials({"edge": "psecret"})
    url = credentials.nats_url("edge", "nats://a:4222,nats://b:4222")
    assert url == "nats://edge:psecret@a:4222,nats://edge:psecret@b:4222"
    kept = "nats://other:pw@a:4222"
    assert credentials.nats_url("edge", kept) == kept


def test_a_role_logs_in_to_mongo_against_the_admin_database() -> None:
    credentials = Credentials({"fraud": "psecret"})
    uri = credentials.mongo_uri("fraud", "mongodb://127.0.0.1:27017/?directConnection=true")
    assert uri == "mongodb://fraud:psecret@127.0.0.1:27017/?directConnection=true&authSource=admin"
    assert (
        credentials.mongo_uri("fraud", "mongodb://h:1")
        == "mongodb://fraud:psecret@h:1/?authSource=admin"
    )
    assert credentials.environment("fraud", "nats://h:4222", "mongodb://h:1/") == {
        "LEDGERBUS_NATS_URL": "nats://fraud:psecret@h:4222",
        "LEDGERBUS_MONGO_URI": "mongodb://fraud:psecret@h:1/?authSource=admin",
    }


def test_a_tool_beside_the_stack_connects_as_its_role(tmp_path: Path) -> None:
    made = ensure_credentials(tmp_path, ["analyst", "ops"])
    settings = Settings(data_dir=tmp_path, nats_url="nats://127.0.0.1:4222")
    analyst = for_tool(settings, "analyst")
    assert analyst.nats_url == f"nats://analyst:{made.passwords['analyst']}@127.0.0.1:4222"
    ops = for_tool(settings, "ops")
    assert ops.mongo_uri.startswith(f"mongodb://ops:{made.passwords['ops']}@")


def test_a_tool_keeps_a_login_it_was_given_and_needs_none_without_a_stack(tmp_path: Path) -> None:
    given = Settings(data_dir=tmp_path, nats_url="nats://me:mine@h:4222")
    ensure_credentials(tmp_path, ["ops"])
    assert for_tool(given, "ops").nats_url == "nats://me:mine@h:4222"
    alone = Settings(data_dir=tmp_path / "none")
    assert for_tool(alone, "ops") == alone


def test_the_analyst_may_only_read_the_database_and_services_read_and_write() -> None:
    assert database_roles("analyst", "ledgerbus") == [{"role": "read", "db": "ledgerbus"}]
    assert database_roles("expenses", "ledgerbus") == [{"role": "readWrite", "db": "ledgerbus"}]


@pytest.mark.parametrize("damaged", ["", '{"edge": "pw', '["edge"]', '{"edge": 7}'])
def test_a_damaged_credentials_file_stops_the_start_instead_of_being_replaced(
    tmp_path: Path, damaged: str
) -> None:
    (tmp_path / CREDENTIALS_FILE).write_text(damaged)
    with pytest.raises(UnreadableCredentials):
        ensure_credentials(tmp_path, ["edge"])
    assert (tmp_path / CREDENTIALS_FILE).read_text() == damaged  # the servers' users keep theirs


def test_private_files_are_replaced_whole_and_leave_no_temporary_behind(tmp_path: Path) -> None:
    target = tmp_path / "run" / "secret"
    write_private(target, "first\n")
    write_private(target, "second\n")
    assert target.read_text() == "second\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["secret"]
