"""A notification mail made from its templates: subject, plain text and HTML, with the headers
a mailbox needs to thread it, date it and offer a one-click unsubscribe.

Each kind has three templates in ``templates/``: ``<kind>.subject.txt``, ``<kind>.txt`` and
``<kind>.html`` (which extends ``_base.html``). HTML is autoescaped; every name a template uses
must be in the context (StrictUndefined), so a missing field fails the render instead of
sending a mail with a blank in it. Amounts arrive formatted, as strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, meta, select_autoescape

KINDS = (
    "welcome",
    "budget_threshold",
    "budget_exceeded",
    "goal_achieved",
    "recurring_made",
    "group_bill",
    "group_membership",
    "invite_accepted",
    "settlement",
    "payment_reminder",
    "debts_simplified",
    "receipt_read",
    "expense_flagged",
    "security",
    "verify_email",
    "reset_password",
    "email_changed_old_address",
    "digest",
    "notification",
)
"""Every kind of mail there are templates for."""

ONE_CLICK = "List-Unsubscribe=One-Click"
"""The ``List-Unsubscribe-Post`` value of RFC 8058: the unsubscribe URL takes a bare POST."""


class TemplateFailed(Exception):
    """A mail that cannot be rendered (unknown kind, missing field, bad value): rendering it
    again fails the same way, so the caller dead-letters it with ``reason``."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"mail {kind!r} cannot be rendered: {reason}")
        self.kind = kind
        self.reason = reason


@cache
def _environment() -> Environment:
    """The templates' environment, built on first use (nothing is read at import time)."""
    env = Environment(
        loader=PackageLoader("actors.notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["one_of"] = _one_of
    return env


def _one_of(value: object, *choices: str) -> str:
    """``value`` when it is one of ``choices`` (a template's switch such as ``change``), else
    the render fails: a mail never says nothing because of an unexpected word."""
    if value not in choices:
        raise ValueError(f"{value!r} is none of {', '.join(choices)}")
    return str(value)


def template_fields(kind: str) -> frozenset[str]:
    """The context names the templates of ``kind`` read, beside those render_mail supplies: what
    a caller provides (a name under a condition, such as ``reason`` of a receipt that was read,
    is needed only when that branch renders)."""
    env = _environment()
    loader = env.loader
    assert loader is not None
    names: set[str] = set()
    for suffix in ("subject.txt", "txt", "html"):
        source, _, _ = loader.get_source(env, f"{kind}.{suffix}")
        names |= meta.find_undeclared_variables(env.parse(source))
    return frozenset(names - {"unsubscribe_url", "one_of"})


def render_mail(
    kind: str,
    context: Mapping[str, Any],
    *,
    to: str,
    sender: str,
    message_id: str,
    unsubscribe_url: str | None,
    date: datetime | None = None,
) -> EmailMessage:
    """The mail of ``kind`` for ``to``: multipart/alternative (plain text, then HTML).

    ``message_id`` is the id the caller derived from the delivery key, with or without its
    angle brackets; the ``Message-ID`` header carries it unchanged inside them, so a provider
    that dedups on it sees the same id on every retry. With ``unsubscribe_url``, the mail
    carries ``List-Unsubscribe`` and the RFC 8058 one-click ``List-Unsubscribe-Post``.
    Raises :class:`TemplateFailed` when the mail cannot be made.
    """
    try:
        _refuse_floats(context)
        values = {**context, "unsubscribe_url": unsubscribe_url}
        env = _environment()
        subject = env.get_template(f"{kind}.subject.txt").render(values)
        text = env.get_template(f"{kind}.txt").render(values)
        html = env.get_template(f"{kind}.html").render(values)
        message = EmailMessage()
        message["Subject"] = " ".join(subject.split())
        message["From"] = sender
        message["To"] = to
        message["Date"] = format_datetime(date or datetime.now(UTC))
        message["Message-ID"] = _bracketed(message_id)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
        if unsubscribe_url is not None:
            message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = ONE_CLICK
        message.set_content(text)
        message.add_alternative(html, subtype="html")
    except Exception as exc:  # a render is pure: whatever it raises, it raises every time
        raise TemplateFailed(kind, f"{type(exc).__name__}: {exc}") from exc
    return message


def _bracketed(message_id: str) -> str:
    """``message_id`` inside the angle brackets a Message-ID header has (RFC 5322)."""
    bare = message_id.removeprefix("<").removesuffix(">")
    if not bare or "@" not in bare or any(c in bare for c in "<> \r\n"):
        raise ValueError(f"not a message id: {message_id!r}")
    return f"<{bare}>"


def _refuse_floats(value: object, path: str = "context") -> None:
    """Money is formatted before it reaches a mail: a float anywhere in the context is a bug
    in the caller, refused instead of printed as ``12.300000000000001``."""
    if isinstance(value, float):
        raise ValueError(f"{path} is a float; amounts arrive formatted as strings")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")
