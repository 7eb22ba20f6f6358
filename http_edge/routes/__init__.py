"""The v1 routes, grouped by resource; every module registers on the shared :data:`API`."""

from __future__ import annotations

from http_edge.api import Api

API = Api()
