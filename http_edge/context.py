"""App state keys and typed access to what handlers need."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web
from nats.aio.client import Client as NATS

from bus.client import CommandSender
from bus.settings import Settings
from http_edge.api import PRINCIPAL
from http_edge.security import Principal, SessionGate


class EdgeResources(Protocol):
    """Connections made at startup by the composition root (deploy.resources.Resources)."""

    @property
    def nc(self) -> NATS: ...

    @property
    def sender(self) -> CommandSender: ...

    @property
    def database(self) -> Any: ...


SETTINGS = web.AppKey("settings", Settings)
RESOURCES = web.AppKey("resources", object)
SESSION_GATE = web.AppKey("session_gate", SessionGate)


def settings_of(request: web.Request) -> Settings:
    return request.app[SETTINGS]


def resources_of(request: web.Request) -> EdgeResources:
    return request.app[RESOURCES]  # type: ignore[return-value]


def principal_of(request: web.Request) -> Principal:
    principal: Principal = request[PRINCIPAL]
    return principal


def session_gate_of(request: web.Request) -> SessionGate:
    return request.app[SESSION_GATE]
