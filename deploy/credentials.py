"""The embedded stack's passwords: one per role (the edge, the socket server, each actor, the
operators' tools, analysts), made on the first ``ledgerbus up`` and kept in
``<data_dir>/credentials.json`` (mode 0600) for every later start, and how a process of a role
gets them: in the NATS URL and MongoDB URI of its environment.

An operator's tool run beside an embedded stack (``replay``, ``dlq``, ``rates``) finds its role's
password here when its URLs carry none (:func:`for_tool`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bus.private_files import write_private
from bus.settings import Settings

CREDENTIALS_FILE = "credentials.json"
OPS = "ops"
ANALYST = "analyst"


@dataclass(frozen=True)
class Credentials:
    """A password per role; each role's user on NATS and on MongoDB is named after the role."""

    passwords: Mapping[str, str]

    def login(self, role: str) -> tuple[str, str]:
        """(user, password) of ``role``; KeyError for a role without one."""
        return role, self.passwords[role]

    def nats_url(self, role: str, servers: str) -> str:
        """``servers`` (comma separated) with ``role``'s login on each that has none."""
        return ",".join(with_userinfo(url, *self.login(role)) for url in servers.split(","))

    def mongo_uri(self, role: str, uri: str) -> str:
        """``uri`` as ``role`` (users live in the ``admin`` database), unless it has a login."""
        if "@" in uri.partition("://")[2].partition("/")[0]:
            return uri
        joined = with_userinfo(uri, *self.login(role))
        glue = "&" if "?" in joined else "?" if joined.endswith("/") else "/?"
        return f"{joined}{glue}authSource=admin"

    def environment(self, role: str, nats_url: str, mongo_uri: str) -> dict[str, str]:
        """What a process of ``role`` is given: both servers' URLs with its login."""
        return {
            "LEDGERBUS_NATS_URL": self.nats_url(role, nats_url),
            "LEDGERBUS_MONGO_URI": self.mongo_uri(role, mongo_uri),
        }


def with_userinfo(url: str, user: str, password: str) -> str:
    """``scheme://user:password@rest`` (a URL that has a login already is kept as it is)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" in rest.partition("/")[0]:
        return url
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{rest}"


def new_password() -> str:
    """Letters and digits, starting with a letter: safe in URLs and in the NATS config."""
    return "p" + secrets.token_hex(24)


def credentials_path(data_dir: Path) -> Path:
    return Path(data_dir) / CREDENTIALS_FILE


class UnreadableCredentials(RuntimeError):
    """The credentials file exists but is not what ``up`` wrote: never replaced silently, since
    the servers' users keep the passwords it held."""


def load_credentials(data_dir: Path) -> Credentials | None:
    """The kept credentials, or None when there are none yet; UnreadableCredentials when the
    file is there but damaged."""
    path = credentials_path(data_dir)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise UnreadableCredentials(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UnreadableCredentials(f"{path} does not map each role to its password")
    return Credentials(dict(data))


def ensure_credentials(data_dir: Path, roles: Iterable[str]) -> Credentials:
    """The kept credentials, with a new password for each role that had none (written back,
    mode 0600). A role's password never changes once made."""
    kept = load_credentials(data_dir)
    passwords = dict(kept.passwords) if kept is not None else {}
    missing = [role for role in roles if role not in passwords]
    if missing or kept is None:
        passwords.update({role: new_password() for role in missing})
        write_private(credentials_path(data_dir), json.dumps(passwords, indent=2) + "\n")
    return Credentials(passwords)


def for_tool(settings: Settings, role: str) -> Settings:
    """``settings`` as ``role`` (``ops`` or ``analyst``) of the embedded stack whose data
    directory is ``settings.data_dir``, when its URLs carry no login; unchanged otherwise."""
    credentials = load_credentials(settings.data_dir)
    if credentials is None or role not in credentials.passwords:
        return settings
    return settings.model_copy(
        update={
            "nats_url": credentials.nats_url(role, settings.nats_url),
            "mongo_uri": credentials.mongo_uri(role, settings.mongo_uri),
        }
    )
