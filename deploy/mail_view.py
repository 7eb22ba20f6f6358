"""What ``ledgerbus mail list`` and ``ledgerbus mail show`` print: the mailbox of the embedded
stack as a table or JSON, and one mail's headers with the part a person would read."""

from __future__ import annotations

import json
from dataclasses import asdict
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, TextIO

from deploy.mail_box import NoSuchMail, find_mail, mail_dir, read_message, received_at, summaries

Part = Literal["text", "html", "raw"]

SHOWN_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


def list_mail(data_dir: Path, limit: int | None, as_json: bool, out: TextIO) -> int:
    """Print the newest ``limit`` mails, newest first; the exit code."""
    listed = summaries(mail_dir(data_dir), limit)
    if as_json:
        json.dump([asdict(s) for s in listed], out, indent=2)
        out.write("\n")
        return 0
    if not listed:
        out.write(f"no mail in {mail_dir(data_dir)}\n")
        return 0
    for s in listed:
        out.write(f"{s.index:>3}  {s.time}  {s.sender}  ->  {s.to}\n")
        out.write(f"     {s.subject}\n     {Path(s.file).name}\n")
    return 0


def show_mail(data_dir: Path, ref: str, part: Part, out: TextIO, err: TextIO) -> int:
    """Print the mail ``ref`` names (number or file): its headers and its plain text, its HTML,
    or (``raw``) the whole message as received; the exit code."""
    try:
        path = find_mail(mail_dir(data_dir), ref)
    except NoSuchMail as exc:
        err.write(f"ledgerbus mail show: {exc}\n")
        return 1
    if part == "raw":
        out.write(path.read_bytes().decode("utf-8", errors="replace"))
        return 0
    message = read_message(path)
    out.write(_headers(path, message))
    out.write("\n")
    out.write(_body(message, part))
    return 0


def _headers(path: Path, message: EmailMessage) -> str:
    at = received_at(path)
    lines = [f"File: {path}"]
    if at is not None:
        lines.append(f"Received: {at.isoformat(timespec='seconds')}")
    lines += [f"{name}: {message[name]}" for name in SHOWN_HEADERS if name in message]
    parts = [p.get_content_type() for p in message.walk() if not p.is_multipart()]
    lines.append(f"Parts: {', '.join(parts)}")
    return "\n".join(lines) + "\n"


def _body(message: EmailMessage, part: Part) -> str:
    subtype = "html" if part == "html" else "plain"
    body = message.get_body(preferencelist=(subtype,))
    if body is None:
        return f"(no text/{subtype} part)\n"
    content = body.get_content()
    assert isinstance(content, str)  # a text/* part decodes to str
    text = content.replace("\r\n", "\n")  # as received over SMTP, lines end in CRLF
    return text if text.endswith("\n") else text + "\n"
