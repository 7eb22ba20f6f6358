"""The NATS roles are described once (deploy/nats_roles.py): the production accounts.conf is
their rendering, the embedded config renders the same users (accepted by the real server), and
the edge and socket server may send only the commands the command table lets them."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from actors.registry import ACTORS
from bus.commands import COMMANDS
from deploy.credentials import ensure_credentials
from deploy.embedded import nats_server_executable
from deploy.lockdown import embedded_accounts
from deploy.nats_roles import EDGE_COMMANDS, production_accounts, role_names, roles
from deploy.nats_spec import NatsSpec

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS_CONF = ROOT / "deploy" / "nats" / "accounts.conf"


def _publish(role: str) -> set[str]:
    return set(next(r for r in roles() if r.name == role).publish)


def test_the_production_accounts_file_is_the_rendering_of_the_roles() -> None:
    assert ACCOUNTS_CONF.read_text() == production_accounts(), (
        "regenerate it: python -m deploy.nats_roles > deploy/nats/accounts.conf"
    )


def test_the_socket_server_may_send_exactly_the_client_allowed_commands() -> None:
    client = {s.subject for s in COMMANDS.values() if s.client_allowed}
    sent = {s for s in _publish("realtime") if s.startswith("cmd.")}
    assert sent == client
    assert COMMANDS["rates.refresh"].subject not in sent


def test_the_edge_may_send_client_commands_and_the_ones_it_makes_itself() -> None:
    client = {s.subject for s in COMMANDS.values() if s.client_allowed}
    own = {COMMANDS[p.COMMAND].subject for p in EDGE_COMMANDS}
    sent = {s for s in _publish("edge") if s.startswith("cmd.")}
    assert sent == client | own
    assert not any("*" in s or ">" in s for s in sent)
    internal = {s.subject for s in COMMANDS.values() if not s.client_allowed} - own
    assert internal
    assert not internal & sent


def _commands_made_in(package: str) -> set[str]:
    """The commands whose payload the code of ``package`` builds (a call of a payload class)."""
    payloads = {spec.payload.__name__: spec.type for spec in COMMANDS.values()}
    made: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            called = (
                node.func.id
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                else ""
            )
            if called in payloads:
                made.add(payloads[called])
    return made


def test_every_command_the_edge_builds_is_one_its_nats_user_may_send() -> None:
    made = _commands_made_in("http_edge")
    assert {"user.delete", "user.password_changed", "user.register"} <= made  # the scan sees
    may = {s for s in _publish("edge") if s.startswith("cmd.")}
    refused = sorted(t for t in made if COMMANDS[t].subject not in may)
    assert refused == [], "add them to deploy.nats_roles.EDGE_COMMANDS and regenerate"


def test_only_actors_may_publish_events() -> None:
    for role in roles():
        may = any(s.startswith("evt.") for s in role.publish)
        assert may == (role.name in ACTORS), role.name


def test_the_embedded_server_accepts_the_rendered_users(tmp_path: Path) -> None:
    credentials = ensure_credentials(tmp_path, role_names())
    spec = NatsSpec(
        store_dir=tmp_path / "nats", sync_always=True, accounts=embedded_accounts(credentials)
    )
    spec.prepare()
    text = spec.config_path.read_text()
    assert set(re.findall(r"^\s*user:\s*(\S+)\s*$", text, re.M)) == set(role_names()) - {"sys"}
    assert "$NATS_" not in text
    checked = subprocess.run(
        [str(nats_server_executable()), "-t", *spec.command()[1:]],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
