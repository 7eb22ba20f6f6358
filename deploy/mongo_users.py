"""The embedded SecantusDB's users: one per role, made before the server first runs with
``--auth``.

SecantusDB takes its first users from a client while authentication is off, so the first
``ledgerbus up`` (or the first after the database name changes) runs it once without ``--auth``
on a free loopback port, creates or updates every role's user, and stops it. Every service may
read and write the ledgerbus database; the analyst may only read it; the operators' role may also
run the server's admin commands (a live backup).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from bus.private_files import write_private
from deploy.credentials import ANALYST, OPS, Credentials
from deploy.embedded import (
    EmbeddedServerError,
    MongoSpec,
    find_free_port,
    mongo_is_ready,
    wait_ready_sync,
)

if TYPE_CHECKING:
    import pymongo

PROVISIONED_FILE = "mongo_users"
"""In the data directory: the database the users were made for (absent: not yet made)."""
USER_EXISTS = 51003
START_TIMEOUT_S = 120.0


def database_roles(role: str, database: str) -> list[dict[str, str]]:
    """What ``role``'s user may do: read (the analyst) or read and write ``database``; the
    operators may also run the server's admin commands (``secantusAdmin.backupArchive``)."""
    grants = [{"role": "read" if role == ANALYST else "readWrite", "db": database}]
    return grants + ([{"role": "clusterAdmin", "db": "admin"}] if role == OPS else [])


def mongo_roles(credentials: Credentials) -> list[str]:
    """Every role with a database user (the NATS system user has none)."""
    return [role for role in credentials.passwords if role != "sys"]


def ensure_users(spec: MongoSpec, credentials: Credentials, database: str, data_dir: Path) -> bool:
    """Make every role's user on the server of ``spec`` unless already made for ``database``
    and these very roles and grants (a role added later gets its user, a grant changed later is
    given); whether it had to. The server must not be running."""
    marker = Path(data_dir) / PROVISIONED_FILE
    grants = [f"{r} {json.dumps(database_roles(r, database))}" for r in mongo_roles(credentials)]
    made = "\n".join([database, *sorted(grants)]) + "\n"
    if marker.is_file() and marker.read_text() == made:
        return False
    provision(spec, credentials, database, marker.with_suffix(".log"))
    write_private(marker, made)
    return True


def provision(spec: MongoSpec, credentials: Credentials, database: str, log_path: Path) -> None:
    """Run the server once without authentication on a free loopback port and create (or
    update) each role's user; its output goes to ``log_path``."""
    import pymongo  # deferred: only the embedded stack needs a sync client here

    open_spec = dataclasses.replace(spec, port=find_free_port(), auth=False, tls=None)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            open_spec.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_ready_sync(
                process,
                lambda: mongo_is_ready(open_spec),
                what="SecantusDB (making users)",
                timeout_s=START_TIMEOUT_S,
            )
            client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(open_spec.url)
            try:
                for role in mongo_roles(credentials):
                    _put_user(client, *credentials.login(role), database_roles(role, database))
            finally:
                client.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if process.returncode not in (0, -15):
        raise EmbeddedServerError(f"SecantusDB exited with {process.returncode} after making users")


def _put_user(
    client: pymongo.MongoClient[dict[str, object]],
    user: str,
    password: str,
    roles: list[dict[str, str]],
) -> None:
    import pymongo.errors

    try:
        client.admin.command("createUser", user, pwd=password, roles=roles)
    except pymongo.errors.OperationFailure as exc:
        if exc.code != USER_EXISTS:
            raise
        client.admin.command("updateUser", user, pwd=password, roles=roles)
