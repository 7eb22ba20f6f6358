"""Unit tests run pure functions by the thousand, many under hypothesis, which allocates a
great deal: keep the cyclic collector from rescanning what lives for the whole run."""

from __future__ import annotations

import gc

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything collected so far (modules, fixtures' definitions, strategies) lives until the
    run ends: move it out of the collector's reach, so that a full collection scans only what
    the tests themselves allocate."""
    gc.collect()
    gc.freeze()
