"""The mail channel of notifications: :func:`render_mail` makes a mail from its templates and
:func:`send_mail` hands it to the SMTP server of :class:`MailSettings`.

A mail that cannot be rendered raises :class:`TemplateFailed`; one the server refuses raises
:class:`TemporaryMailFailure` (retry with backoff) or :class:`PermanentMailFailure`
(dead-letter). Both failures of sending are :class:`MailFailure`.
"""

from __future__ import annotations

from actors.notifications.mail_render import KINDS, TemplateFailed, render_mail, template_fields
from actors.notifications.mail_send import (
    MailFailure,
    MailSettings,
    PermanentMailFailure,
    TemporaryMailFailure,
    send_mail,
)

__all__ = [
    "KINDS",
    "MailFailure",
    "MailSettings",
    "PermanentMailFailure",
    "TemplateFailed",
    "TemporaryMailFailure",
    "render_mail",
    "send_mail",
    "template_fields",
]
