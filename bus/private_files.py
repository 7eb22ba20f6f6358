"""Files only their owner may read (credentials, keys, the mailbox): written whole or not at
all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_private(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` (bytes are written as they are) at once, readable by its
    owner alone (mode 0600), making its folder: a temporary file (created 0600) renamed over it,
    so a crash or a full disk leaves the old file whole, never an empty or cut one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    data = text.encode() if isinstance(text, str) else text
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
