"""The application server's VAPID key (RFC 8292): browsers subscribe with its public half (the
edge serves it), and the notifications actor signs each push's token with it. With no key file
configured, the first process that needs it makes one (0600) in the data dir; every process of
the deployment must read the same key, or existing subscriptions stop working.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02  # type: ignore[import-untyped]

from bus.private_files import write_private
from bus.settings import Settings

VAPID_FILE_NAME = "vapid_private.pem"
VAPID_TOKEN_TTL_S = 12 * 3600  # RFC 8292: at most 24 hours


@dataclass(frozen=True)
class VapidKey:
    """The application server's P-256 key pair: browsers subscribe with its public half
    (``applicationServerKey``) and push services check each push's token against it."""

    private_key: ec.EllipticCurvePrivateKey

    @property
    def public_key_b64url(self) -> str:
        """The public key, uncompressed and unpadded base64url: what clients subscribe with."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def authorization(self, audience: str, subject: str, *, now: float | None = None) -> str:
        """The ``Authorization: vapid t=<jwt>, k=<key>`` value for a push to ``audience``."""
        issued = time.time() if now is None else now
        claims = {"aud": audience, "exp": int(issued) + VAPID_TOKEN_TTL_S, "sub": subject}
        headers = cast(dict[str, str], Vapid02(self.private_key).sign(claims))
        return headers["Authorization"]


def vapid_key_path(settings: Settings) -> Path:
    """Where the VAPID key lives: the configured file, or one in the data dir."""
    return settings.vapid_private_key_file or settings.data_dir / VAPID_FILE_NAME


def load_vapid_key(settings: Settings) -> VapidKey:
    """The VAPID key from settings' file; with no file configured, the data dir's, made (0600)
    by the first process that needs it. A configured file that is missing is an error: a new
    key would silently break every existing subscription."""
    path = vapid_key_path(settings)
    if not path.exists():
        if settings.vapid_private_key_file is not None:
            raise FileNotFoundError(f"VAPID key file {path} does not exist")
        create_once(path, _new_key_pem())
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError(f"{path} is not a P-256 private key")
    return VapidKey(key)


def _new_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def create_once(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it exists: staged whole and private, then linked into
    place, which fails when another process linked its own first (theirs is kept)."""
    staged = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    write_private(staged, text)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(staged, path)
    finally:
        staged.unlink(missing_ok=True)
