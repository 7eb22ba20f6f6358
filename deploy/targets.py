"""Which NATS and MongoDB an operator's command talks to: flags beside the environment, and a
note on stderr naming the server reached (with any credentials in the URL masked).

The note goes to stderr so a command's stdout (``replay``'s JSON lines) stays pure.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import IO, TYPE_CHECKING

from nats.errors import Error as NatsError

from bus.settings import Settings

if TYPE_CHECKING:  # the CLI imports this module for its flags; connecting code loads on use
    from nats.aio.client import Client as NATS

    from storage.database import Database

EXIT_UNREACHABLE = 4


class Unreachable(RuntimeError):
    """A server an operator's command needs did not answer; the message says which and why."""


_USERINFO = re.compile(r"(?<=://)[^@/?#]*@")


def masked(url: str) -> str:
    """``url`` with the ``user:password@`` (or ``token@``) of every server replaced by ``***@``."""
    return _USERINFO.sub("***@", url)


def add_server_flags(parser: argparse.ArgumentParser, *, nats: bool, mongo: bool) -> None:
    """``--nats-url`` / ``--mongo-uri``: they win over ``LEDGERBUS_NATS_URL`` / ``_MONGO_URI``."""
    if nats:
        parser.add_argument(
            "--nats-url", help="NATS server(s), comma separated (default LEDGERBUS_NATS_URL)"
        )
    if mongo:
        parser.add_argument(
            "--mongo-uri", help="MongoDB connection string (default LEDGERBUS_MONGO_URI)"
        )


def with_server_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    """``settings`` with the servers named on the command line, if any."""
    update = {
        name: value
        for name in ("nats_url", "mongo_uri")
        if (value := getattr(args, name, None)) is not None
    }
    return settings.model_copy(update=update) if update else settings


async def open_nats(
    settings: Settings, name: str, note: IO[str] = sys.stderr, role: str = "ops"
) -> NATS:
    """Connect to NATS (quietly, over its TLS settings) and say which server answered; beside an
    embedded stack, as its ``role`` (``ops``, or ``analyst`` for ``replay``) unless the URL
    names a user. :class:`Unreachable` when no server answers."""
    from bus.nats_conn import nats_login, tls_context
    from deploy.credentials import for_tool
    from deploy.lazy_nats import connect_quiet

    url = for_tool(settings, role).nats_url
    try:
        nc = await connect_quiet(url, f"{name}-{settings.node_id}", tls_context(settings))
    except (NatsError, OSError, TimeoutError) as exc:
        raise Unreachable(f"cannot reach NATS at {masked(url)}: {exc or type(exc).__name__}") from exc
    if nc.connected_url is not None:  # the server that answered (the login went as options)
        logged_in = len(nats_login(url)) > 1  # servers, and a user or a token
        reached = nc.connected_url.geturl()
        url = reached.replace("://", "://***@", 1) if logged_in else reached
    note.write(f"connected to NATS at {masked(url)}\n")
    return nc


async def open_database(settings: Settings, note: IO[str] = sys.stderr) -> Database:
    """Connect to MongoDB (Beanie's index check is the first round trip) and say where;
    beside an embedded stack, as its ``ops`` user unless the URI names one. :class:`Unreachable`
    when it does not answer."""
    from pymongo.errors import PyMongoError

    from deploy.credentials import for_tool
    from storage.database import connect

    try:
        database = await connect(for_tool(settings, "ops"))
    except PyMongoError as exc:
        where = masked(settings.mongo_uri)
        raise Unreachable(f"cannot reach MongoDB at {where}: {str(exc)[:200]}") from exc
    note.write(
        f"connected to MongoDB at {masked(settings.mongo_uri)}, database {settings.mongo_db}\n"
    )
    return database
