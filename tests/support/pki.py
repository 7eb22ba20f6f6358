"""A certificate authority and a server certificate (for 127.0.0.1 and localhost) made with the
``openssl`` command for the tests that serve TLS: NATS, SecantusDB and SMTP."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy.embedded import ServerTls


@dataclass(frozen=True)
class Pki:
    """The CA clients are given, and the server's certificate chain and key."""

    ca: Path
    server: ServerTls

    @property
    def cert(self) -> Path:
        return self.server.cert_file

    @property
    def key(self) -> Path:
        return self.server.key_file


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(folder: Path) -> Pki:
    """A P-256 CA and a server certificate it signed, valid two days, in ``folder``."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=ledgerbus test CA", cwd=folder)  # fmt: skip
    _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=localhost", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext",
             cwd=folder)  # fmt: skip
    return Pki(folder / "ca.pem", ServerTls(folder / "server.pem", folder / "server.key"))
