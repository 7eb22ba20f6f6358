"""``ledgerbus mail-sink`` as the embedded stack runs it: a process that keeps every mail it is
sent as a private ``.eml`` file, and ``ledgerbus mail list|show`` reading them back as a
developer would."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from actors.notifications.mail import MailSettings, render_mail, send_mail
from deploy.embedded import find_free_port
from deploy.mail_sink import sink_argv, sink_is_ready
from tests.support.processes import REPO, clean_environment

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"
LINK = "http://127.0.0.1:8080/app"


@dataclass
class Sink:
    """A running ``ledgerbus mail-sink`` and where it keeps its mail."""

    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log: Path

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


def _env(data_dir: Path, port: int) -> dict[str, str]:
    return {
        **clean_environment(),
        "LEDGERBUS_DATA_DIR": str(data_dir),
        "LEDGERBUS_SMTP_PORT": str(port),
        "LEDGERBUS_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[Sink]:
    port = find_free_port()
    data_dir = tmp_path / "data"
    log = tmp_path / "sink.log"
    assert not sink_is_ready(HOST, port)
    with log.open("wb") as out:
        process = subprocess.Popen(
            sink_argv(), cwd=REPO, env=_env(data_dir, port), stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while not sink_is_ready(HOST, port):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the sink did not answer within 30 s"
        time.sleep(0.1)
    yield Sink(process, port, data_dir, log)
    if process.poll() is None:
        process.kill()
        process.wait(10)


def ledgerbus(sink: Sink, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        env=_env(sink.data_dir, sink.port),
        capture_output=True,
        text=True,
        timeout=60,
    )


def ledgerbus_bytes(sink: Sink, *args: str) -> bytes:
    """What ``ledgerbus *args`` prints, byte for byte (line ends untranslated)."""
    done = subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        env=_env(sink.data_dir, sink.port),
        capture_output=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def _welcome(name: str, to: str, key: str) -> EmailMessage:
    return render_mail(
        "welcome",
        {"name": name, "link": LINK, "expires": "7 days"},
        to=to,
        sender="ledgerbus <no-reply@ledgerbus.localhost>",
        message_id=f"{key}@ledgerbus.localhost",
        unsubscribe_url=None,
    )


async def test_mails_sent_to_the_sink_are_kept_listed_and_shown(sink: Sink) -> None:
    settings = MailSettings(host=HOST, port=sink.port, timeout_s=5)
    first = _welcome("Ana", "ana@example.com", "d-1.mail")
    second = render_mail(
        "goal_achieved",
        {
            "name": "Ben",
            "title": "Goal reached: New bike",
            "goal": "New bike",
            "saved": "1,200.00 EUR",
            "target": "1,200.00 EUR",
            "link": LINK,
        },
        to="ben@example.com",
        sender="ledgerbus <no-reply@ledgerbus.localhost>",
        message_id="d-2.mail@ledgerbus.localhost",
        unsubscribe_url="http://127.0.0.1:8080/unsubscribe/t-2",
    )
    await send_mail(first, settings)
    await asyncio.sleep(0.01)  # two distinct arrival times, so "newest first" is defined
    await send_mail(second, settings)

    listed = ledgerbus(sink, "mail", "list", "--json")

    assert listed.returncode == 0, listed.stderr
    mails = json.loads(listed.stdout)
    assert [(m["index"], m["to"], m["subject"], m["message_id"]) for m in mails] == [
        (1, "ben@example.com", "Goal reached: New bike", "<d-2.mail@ledgerbus.localhost>"),
        (2, "ana@example.com", "Welcome to ledgerbus, Ana", "<d-1.mail@ledgerbus.localhost>"),
    ]
    assert all(m["sender"] == "ledgerbus <no-reply@ledgerbus.localhost>" for m in mails)
    files = [Path(m["file"]) for m in mails]
    assert all(f.parent == sink.data_dir / "mail" and f.suffix == ".eml" for f in files)
    for path, sent in zip(files, (second, first), strict=True):
        assert path.stat().st_mode & 0o777 == 0o600
        kept = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(kept, EmailMessage)
        assert kept["Message-ID"] == sent["Message-ID"]
        assert text(kept).replace("\r\n", "\n") == text(sent)  # SMTP's lines end in CRLF

    newest = ledgerbus(sink, "mail", "show", "1")
    assert newest.returncode == 0, newest.stderr
    assert "Subject: Goal reached: New bike" in newest.stdout
    assert "List-Unsubscribe: <http://127.0.0.1:8080/unsubscribe/t-2>" in newest.stdout
    assert "Parts: text/plain, text/html" in newest.stdout
    assert "You have saved 1,200.00 EUR towards New bike" in newest.stdout
    assert "<p>" not in newest.stdout
    assert b"\r" not in ledgerbus_bytes(sink, "mail", "show", "1")  # lines as a terminal has them

    html = ledgerbus(sink, "mail", "show", files[1].name, "--html")
    assert html.returncode == 0, html.stderr
    assert "Message-ID: <d-1.mail@ledgerbus.localhost>" in html.stdout
    assert "<p>Your account is ready." in html.stdout

    assert ledgerbus_bytes(sink, "mail", "show", "2", "--raw") == files[1].read_bytes()

    missing = ledgerbus(sink, "mail", "show", "3")
    assert missing.returncode == 1
    assert "no mail number 3: 2 in" in missing.stderr

    sink.process.terminate()
    assert sink.process.wait(30) == 0
    events = [line["event"] for line in sink.lines()]
    assert events == ["mail_sink_listening", "mail_received", "mail_received", "mail_sink_stopped"]
    received = [line for line in sink.lines() if line["event"] == "mail_received"]
    assert [r["file"] for r in received] == [files[1].name, files[0].name]
    assert [r["rcpt_to"] for r in received] == [["ana@example.com"], ["ben@example.com"]]
    assert not sink_is_ready(HOST, sink.port)


async def test_the_table_lists_the_newest_first_with_its_file(sink: Sink) -> None:
    settings = MailSettings(host=HOST, port=sink.port, timeout_s=5)
    await send_mail(_welcome("Carla", "carla@example.com", "d-3.mail"), settings)

    table = ledgerbus(sink, "mail", "list", "--limit", "5")

    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "ledgerbus <no-reply@ledgerbus.localhost>  ->  carla@example.com" in lines[0]
    assert lines[0].lstrip().startswith("1  ")
    assert lines[1].strip() == "Welcome to ledgerbus, Carla"
    assert lines[2].strip().endswith(".eml")
    assert (sink.data_dir / "mail" / lines[2].strip()).is_file()
