"""The deployment files stay true to the code: they parse, they set only real settings, every
actor runs in compose and on Kubernetes with a disruption budget and a scaler on each of its
durable consumers, and the NATS configuration is accepted by the real server and lets each
actor use its own durables (and the analyst none of them)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from actors.app import subscriptions
from actors.registry import ACTORS
from bus.settings import Settings
from deploy.embedded import nats_server_executable

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
NATS = DEPLOY / "nats"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
DOCKERIGNORE = DEPLOY / "docker" / "Dockerfile.dockerignore"
ACCOUNTS_CONF = NATS / "accounts.conf"
NATS_ACCOUNT = "LEDGERBUS"

Doc = dict[str, Any]


def _yaml_files() -> list[Path]:
    """Every YAML (or JSON, which YAML reads too) file of compose and Kubernetes."""
    return [COMPOSE, *sorted(p for p in K8S.iterdir() if p.suffix in {".yaml", ".yml", ".json"})]


def _documents(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def _compose() -> Doc:
    return _documents(COMPOSE)[0]


def _k8s(kind: str) -> list[Doc]:
    files = _documents(K8S / "kustomization.yaml")[0]["resources"]
    return [doc for name in files for doc in _documents(K8S / name) if doc["kind"] == kind]


def _durables(actor: str) -> set[tuple[str, str]]:
    """(stream, durable) of each of the actor's consumers."""
    return {(stream, durable) for stream, _, durable, *_ in subscriptions(ACTORS[actor])}


def _walk(node: object) -> Iterator[object]:
    """The node, and every mapping key, mapping value and list item in it, at any depth."""
    yield node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(key)
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _ledgerbus_variables(node: object) -> set[str]:
    """LEDGERBUS_* names set in a parsed document: environment keys, ``K=V`` items, ConfigMap
    keys and the ``name`` of Kubernetes env entries."""
    found = set()
    for item in _walk(node):
        if isinstance(item, str) and re.fullmatch(r"LEDGERBUS_[A-Z0-9_]+(=.*)?", item, re.S):
            found.add(item.partition("=")[0])
    return found


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses_into_mappings(path: Path) -> None:
    docs = _documents(path)
    assert docs
    assert all(isinstance(doc, dict) for doc in docs)


def _stages(dockerfile: str) -> dict[str, str]:
    """Each build stage's name and text."""
    parts = re.split(r"^FROM\s+\S+\s+AS\s+(\S+)\s*$", dockerfile, flags=re.M | re.I)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_dockerfile_builds_a_wheel_and_runs_it_unprivileged_with_a_health_check() -> None:
    stages = _stages(DOCKERFILE.read_text())
    assert list(stages) == ["builder", "runtime"]  # the last stage is the image
    assert "pip wheel" in stages["builder"]
    runtime = stages["runtime"]
    assert re.search(r"^USER\s+10001", runtime, re.M)
    assert re.search(r"^HEALTHCHECK\s.*/healthz", runtime, re.M | re.S)
    assert re.search(r'^ENTRYPOINT\s+\["ledgerbus"\]', runtime, re.M)
    assert "--no-index" in runtime  # installs only the wheels built above
    assert not re.search(r"^COPY\s+(?!--from)", runtime, re.M)  # no source in the image
    assert "apt-get install" not in runtime


def test_the_docker_context_holds_every_package_of_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    dockerfile, ignored = DOCKERFILE.read_text(), DOCKERIGNORE.read_text().splitlines()
    for package in packages:
        assert re.search(rf"^COPY\s+{package}\s", dockerfile, re.M), package
        assert f"!{package}/" in ignored, package


def test_every_ledgerbus_variable_set_is_a_setting() -> None:
    settings = {f"LEDGERBUS_{name.upper()}" for name in Settings.model_fields}
    docs = [doc for path in _yaml_files() for doc in _documents(path)]
    dockerfile = set(re.findall(r"\b(LEDGERBUS_[A-Z0-9_]+)=", DOCKERFILE.read_text()))
    used = _ledgerbus_variables(docs) | dockerfile
    assert {"LEDGERBUS_NATS_URL", "LEDGERBUS_MONGO_URI", "LEDGERBUS_HTTP_HOST"} <= used
    assert used - settings == set()


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_every_actor_is_a_scalable_compose_service_with_its_own_nats_user(actor: str) -> None:
    services = _compose()["services"]
    running = [s for s in services.values() if s.get("command") == ["actor", actor]]
    assert len(running) == 1
    service = running[0]
    assert "container_name" not in service  # --scale needs generated names
    assert "ports" not in service
    assert service["environment"]["LEDGERBUS_NATS_URL"].startswith(f"nats://{actor}:")


def _deployment_of(actor: str) -> Doc:
    found = [
        d
        for d in _k8s("Deployment")
        if d["spec"]["template"]["spec"]["containers"][0].get("args") == ["actor", actor]
    ]
    assert len(found) == 1, f"one Deployment runs `ledgerbus actor {actor}`"
    return found[0]


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_every_actor_has_a_deployment_scaled_on_each_of_its_durables(actor: str) -> None:
    deployment = _deployment_of(actor)
    assert "replicas" not in deployment["spec"]  # the ScaledObject owns the count
    name = deployment["metadata"]["name"]
    scaled = [s for s in _k8s("ScaledObject") if s["spec"]["scaleTargetRef"]["name"] == name]
    assert len(scaled) == 1
    triggers = scaled[0]["spec"]["triggers"]
    assert {t["type"] for t in triggers} == {"nats-jetstream"}
    assert {t["metadata"]["account"] for t in triggers} == {NATS_ACCOUNT}
    assert {(t["metadata"]["stream"], t["metadata"]["consumer"]) for t in triggers} == _durables(
        actor
    )


def test_every_deployment_has_a_disruption_budget_and_resource_bounds() -> None:
    budgets = [p["spec"]["selector"]["matchLabels"] for p in _k8s("PodDisruptionBudget")]
    deployments = _k8s("Deployment")
    assert len(deployments) == len(ACTORS) + 1  # the edge and one per actor
    for deployment in deployments:
        assert budgets.count(deployment["spec"]["selector"]["matchLabels"]) == 1
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert {"requests", "limits"} <= container["resources"].keys()


def test_the_edge_is_live_on_healthz_and_ready_on_readyz() -> None:
    edge = _documents(K8S / "edge.yaml")[0]
    container = edge["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["edge"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    services = _k8s("Service")
    assert [s["spec"]["selector"] for s in services] == [edge["spec"]["selector"]["matchLabels"]]


def test_kustomization_lists_every_manifest_and_the_secret_example_every_key_used() -> None:
    listed = set(_documents(K8S / "kustomization.yaml")[0]["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == on_disk
    keys = {
        item["secretKeyRef"]["key"]
        for item in _walk(_k8s("Deployment"))
        if isinstance(item, dict) and "secretKeyRef" in item
    }
    example = _documents(K8S / "secret.example.yaml")[0]["stringData"]
    assert keys == set(example)


def _nats_password_variables() -> set[str]:
    return set(re.findall(r"\$(NATS_[A-Z0-9_]+_PASSWORD)\b", ACCOUNTS_CONF.read_text()))


def test_compose_gives_every_nats_node_every_password_its_config_names() -> None:
    services = _compose()["services"]
    nodes = [s for s in services.values() if str(s.get("image", "")).startswith("nats:")]
    assert len(nodes) == 3
    for node in nodes:
        assert _nats_password_variables() <= set(node["environment"])


@pytest.mark.parametrize("routes", ["routes.compose.conf", "routes.k8s.conf"])
def test_the_nats_server_accepts_the_configuration(routes: str, tmp_path: Path) -> None:
    for name in ("nats.conf", "accounts.conf"):
        shutil.copy(NATS / name, tmp_path / name)
    shutil.copy(NATS / routes, tmp_path / "routes.conf")
    env = {"PATH": os.environ.get("PATH", ""), "NATS_SERVER_NAME": "nats-0"}
    env |= {name: f"pw-{name.lower()}" for name in _nats_password_variables()}
    checked = subprocess.run(
        [str(nats_server_executable()), "-t", "-c", str(tmp_path / "nats.conf")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _users() -> dict[str, str]:
    """Each NATS user's block of accounts.conf (from its `user:` line to the next)."""
    parts = re.split(r"^\s*user:\s*(\S+)\s*$", ACCOUNTS_CONF.read_text(), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _quoted(block: str) -> set[str]:
    return set(re.findall(r'"([^"]+)"', block))


def _own_durable_subjects(stream: str, durable: str) -> set[str]:
    return {
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
        f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    }


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_each_actor_user_may_pull_and_ack_its_own_durables_only(actor: str) -> None:
    users = _users()
    allowed = _quoted(users[actor])
    for stream, durable in _durables(actor):
        assert _own_durable_subjects(stream, durable) <= allowed, durable
    others = {d for other in ACTORS if other != actor for d in _durables(other)} - _durables(actor)
    for stream, durable in others:
        assert f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}" not in allowed
        assert f"$JS.ACK.{stream}.{durable}.>" not in allowed


def test_the_analyst_may_not_pull_from_or_create_any_actor_durable_nor_publish() -> None:
    block = _users()["analyst"]
    allow, _, deny = block.partition("deny:")
    denied = _quoted(deny)
    for actor in ACTORS:
        for stream, durable in _durables(actor):
            assert f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}" in denied
            assert f"$JS.API.CONSUMER.CREATE.{stream}.{durable}" in denied
            assert f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.>" in denied
    assert not any(s.startswith(("cmd.", "evt.", "$JS.ACK.")) for s in _quoted(allow))
    assert re.search(rf"^\s*{NATS_ACCOUNT}\s*\{{", ACCOUNTS_CONF.read_text(), re.M)
