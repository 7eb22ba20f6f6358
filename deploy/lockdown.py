"""The embedded stack locked: NATS with one user per role and the permissions of
:mod:`deploy.nats_roles`, SecantusDB with ``--auth`` and one user per role
(:mod:`deploy.mongo_users`), both serving TLS when ``embedded_tls_cert_file`` and
``embedded_tls_key_file`` are set; the servers of a NATS cluster take routes only from one
another (a route password kept in the data directory). ``ledgerbus up`` always runs it so;
the benchmarks' stacks stay open (they are compared with runs before the lock)."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

from bus.settings import Settings
from deploy.credentials import Credentials, ensure_credentials
from deploy.embedded import ServerTls
from deploy.mongo_users import ensure_users
from deploy.nats_cluster import route_password, with_route_password
from deploy.nats_roles import render, role_names

if TYPE_CHECKING:
    from deploy.layout import StackLayout


def server_tls(settings: Settings) -> ServerTls | None:
    """The embedded servers' certificate and key, when both are set."""
    cert, key = settings.embedded_tls_cert_file, settings.embedded_tls_key_file
    if cert is None or key is None:
        return None
    return ServerTls(cert_file=cert.resolve(), key_file=key.resolve())


def embedded_accounts(credentials: Credentials) -> str:
    """The NATS accounts and users of the embedded server, each with its kept password."""
    return render(lambda role: json.dumps(credentials.passwords[role]), production=False)


def lock(layout: StackLayout, settings: Settings) -> tuple[StackLayout, Credentials]:
    """``layout`` with both servers locked, and the credentials of every role (made on first
    use; the database users too, which briefly runs SecantusDB on its own: blocking)."""
    credentials = ensure_credentials(layout.data_dir, role_names())
    tls = server_tls(settings)
    accounts = embedded_accounts(credentials)
    servers = [dataclasses.replace(s, accounts=accounts, tls=tls) for s in layout.nats_servers]
    if layout.clustered:
        servers = list(with_route_password(servers, route_password(layout.data_dir)))
    mongo = dataclasses.replace(layout.mongo, auth=True, tls=tls, tls_ca=settings.mongo_tls_ca_file)
    mongo.storage_dir.mkdir(parents=True, exist_ok=True)
    ensure_users(mongo, credentials, settings.mongo_db, layout.data_dir)
    return dataclasses.replace(layout.with_nats(servers), mongo=mongo), credentials
