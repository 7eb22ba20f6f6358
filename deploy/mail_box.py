"""The embedded stack's mailbox: every mail its SMTP sink received, one ``.eml`` file each under
``<data_dir>/mail``, named by the time it arrived, so a developer reads what a person would.

The files hold the message exactly as the sink received it; this module stores them, lists
them newest first and parses them back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from bus.private_files import write_private

MAIL_FOLDER = "mail"
SUFFIX = ".eml"
_STAMP = "%Y%m%dT%H%M%S.%fZ"


def mail_dir(data_dir: Path) -> Path:
    """The folder of the mails received by the stack keeping its data in ``data_dir``."""
    return data_dir / MAIL_FOLDER


def store_message(folder: Path, raw: bytes, now: datetime | None = None) -> Path:
    """Keep ``raw`` as ``<utc time>-<short id>.eml`` in ``folder``, readable by its owner alone
    and written whole or not at all; the file's path."""
    received = now or datetime.now(UTC)
    path = folder / f"{received:{_STAMP}}-{secrets.token_hex(4)}{SUFFIX}"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private(path, raw)
    return path


def stored_files(folder: Path) -> list[Path]:
    """The mails in ``folder``, newest first (none when it does not exist yet)."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.suffix == SUFFIX and not p.name.startswith(".")]
    return sorted(files, key=lambda p: p.name, reverse=True)


def message_ids(folder: Path) -> set[str]:
    """The ``Message-ID`` of every mail in ``folder``."""
    parser = BytesHeaderParser(policy=policy.default)
    found: set[str] = set()
    for path in stored_files(folder):
        with path.open("rb") as stored:
            ident = str(parser.parse(stored).get("Message-ID", "")).strip()
        if ident:
            found.add(ident)
    return found


def received_at(path: Path) -> datetime | None:
    """When the sink received the mail stored at ``path`` (from its name), if it says."""
    try:
        return datetime.strptime(path.name.split("-", 1)[0], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def read_message(path: Path) -> EmailMessage:
    """The mail stored at ``path``, parsed."""
    with path.open("rb") as stored:
        message = BytesParser(policy=policy.default).parse(stored)
    assert isinstance(message, EmailMessage)  # what policy.default builds
    return message


class NoSuchMail(LookupError):
    """A mail asked for by a number or a name that names none."""


def find_mail(folder: Path, ref: str) -> Path:
    """The mail ``ref`` names: its number in the listing (1 is the newest), its file name, or
    a path to it."""
    if ref.isdigit():
        files = stored_files(folder)
        index = int(ref)
        if not 1 <= index <= len(files):
            raise NoSuchMail(f"no mail number {index}: {len(files)} in {folder}")
        return files[index - 1]
    for candidate in (Path(ref), folder / ref):
        if candidate.is_file():
            return candidate
    raise NoSuchMail(f"no mail {ref!r} in {folder}")


@dataclass(frozen=True)
class MailSummary:
    """What a listing shows of one stored mail."""

    index: int
    time: str
    sender: str
    to: str
    subject: str
    message_id: str
    file: str

    @classmethod
    def of(cls, index: int, path: Path) -> MailSummary:
        """The summary of the mail at ``path``, listed as number ``index``."""
        message = read_message(path)
        at = received_at(path)
        return cls(
            index=index,
            time=at.isoformat(timespec="seconds") if at else "",
            sender=str(message.get("From", "")),
            to=str(message.get("To", "")),
            subject=str(message.get("Subject", "")),
            message_id=str(message.get("Message-ID", "")),
            file=str(path),
        )


def summaries(folder: Path, limit: int | None = None) -> list[MailSummary]:
    """The newest ``limit`` mails (all when ``None``), newest first."""
    files = stored_files(folder)[:limit]
    return [MailSummary.of(number, path) for number, path in enumerate(files, start=1)]
