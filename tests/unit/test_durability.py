"""Durability of the embedded stack: ``power_loss`` runs both servers fsyncing every commit
(JetStream ``sync_interval: always`` in a config file the server accepts, SecantusDB
``--sync-on-commit``); ``process_crash`` runs them as before."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bus.settings import Settings
from deploy.embedded import nats_server_executable
from deploy.layout import StackLayout, make_layout


def _layout(tmp_path: Path, durability: str) -> StackLayout:
    settings = Settings(durability=durability)
    return make_layout(
        settings,
        http_port=18080,
        nats_port=14222,
        nats_monitor_port=18222,
        mongo_port=27117,
        data_dir=tmp_path,
    )


def test_power_loss_fsyncs_jetstream_and_secantus_on_every_commit(tmp_path: Path) -> None:
    layout = _layout(tmp_path, "power_loss")
    layout.nats.prepare()
    nats = layout.nats.command()
    assert nats[nats.index("-c") + 1] == str(layout.nats.config_path)
    assert "sync_interval: always" in layout.nats.config_path.read_text()
    assert "--sync-on-commit" in layout.mongo.command()


def test_the_nats_server_accepts_the_config_power_loss_writes(tmp_path: Path) -> None:
    layout = _layout(tmp_path, "power_loss")
    layout.nats.prepare()
    argv = layout.nats.command()
    checked = subprocess.run(
        [str(nats_server_executable()), "-t", *argv[1:]],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_process_crash_leaves_syncing_to_the_system(tmp_path: Path) -> None:
    layout = _layout(tmp_path, "process_crash")
    layout.nats.prepare()
    assert "-c" not in layout.nats.command()
    assert not layout.nats.config_path.exists()
    assert "--sync-on-commit" not in layout.mongo.command()


def test_the_default_is_power_loss() -> None:
    assert Settings().durability == "power_loss"
