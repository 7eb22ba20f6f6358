"""Pure rules of delivering an inbox item beyond the app: which kinds go by email, the id and
dedup key of each delivery, how long to wait before the next attempt, and a deep link.

Every delivery is keyed by (item, channel, target): its id, its mail's ``Message-ID`` and its
push's ``Topic`` all derive from that key, so a delivery sent again (after a sender died
mid-send) carries the same key and the provider can drop it as a repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bus.ids import derived_id


def delivery_id(notification_id: str, channel: str, target: str = "") -> str:
    return derived_id("delivery", notification_id, channel, target)


def message_id(delivery: str, sender: str) -> str:
    """The ``Message-ID`` of a delivery's mail: its id at the domain of the From address."""
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "ledgerbus.localhost"
    return f"<{delivery}@{domain}>"


def backoff_s(attempts: int, base_s: float, max_s: float) -> float:
    """Wait after the ``attempts``-th failed attempt: ``base_s``, doubled each time, at most
    ``max_s``."""
    return min(max_s, base_s * float(2 ** max(0, min(attempts - 1, 30))))


def deep_link(base_url: str, link: Mapping[str, Any]) -> str:
    """The app's link to what an item is about: ``<base>/<entity>/<id>``, under its group's
    path for a group's entity."""
    base = base_url.rstrip("/")
    path = f"{quote(str(link.get('entity', '')))}/{quote(str(link.get('id', '')))}"
    group = link.get("group_id")
    return f"{base}/groups/{quote(str(group))}/{path}" if group else f"{base}/{path}"
