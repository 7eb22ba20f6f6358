"""Realtime: the Socket.IO server that pushes events to devices and takes commands from them."""

from __future__ import annotations

from realtime.server import REALTIME_KEY, RealtimeResources, RealtimeServer, attach_realtime

__all__ = ["REALTIME_KEY", "RealtimeResources", "RealtimeServer", "attach_realtime"]
