"""The mail channel of notifications: :func:`render_mail` makes a mail from its templates and
:class:`MailSender` hands mails to the SMTP server of :class:`MailSettings` over connections it
keeps open (:func:`send_mail`: one mail on a connection of its own).

A mail that cannot be rendered raises :class:`TemplateFailed`; one the server refuses raises
:class:`TemporaryMailFailure` (retry with backoff) or :class:`PermanentMailFailure`
(dead-letter). Both failures of sending are :class:`MailFailure`.
"""

from __future__ import annotations

from actors.notifications.mail_render import KINDS, TemplateFailed, render_mail, template_fields
from actors.notifications.mail_send import (
    MailFailure,
    MailSender,
    MailSettings,
    PermanentMailFailure,
    TemporaryMailFailure,
    send_mail,
)

__all__ = [
    "KINDS",
    "MailFailure",
    "MailSender",
    "MailSettings",
    "PermanentMailFailure",
    "TemplateFailed",
    "TemporaryMailFailure",
    "render_mail",
    "send_mail",
    "template_fields",
]
