"""An operator's command whose server does not answer ends with one line naming it, and 4."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from deploy.embedded import find_free_port
from tests.support.processes import REPO, clean_environment


def _run(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**clean_environment(), "LEDGERBUS_DATA_DIR": str(tmp_path), **settings}
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_replay_with_no_nats_says_which_server_and_exits_4(tmp_path: Path) -> None:
    port = find_free_port()  # nothing listens on it
    url = f"nats://ops:secret@127.0.0.1:{port}"
    done = _run(tmp_path, "replay", "--stream", "events", LEDGERBUS_NATS_URL=url)
    assert done.returncode == 4
    err = done.stderr.strip().splitlines()
    assert len(err) == 1, done.stderr
    assert err[0].startswith(f"ledgerbus: cannot reach NATS at nats://***@127.0.0.1:{port}: ")
    assert "secret" not in done.stderr


def test_dlq_with_no_database_says_which_server_and_exits_4(tmp_path: Path) -> None:
    port = find_free_port()
    uri = f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"
    done = _run(tmp_path, "dlq", "list", LEDGERBUS_MONGO_URI=uri)
    assert done.returncode == 4
    assert done.stderr.startswith(f"ledgerbus: cannot reach MongoDB at mongodb://127.0.0.1:{port}/")
    assert "Traceback" not in done.stderr
