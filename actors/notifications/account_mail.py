"""Account mails: the welcome (with the link that confirms the address), a new confirmation
link, a password reset link. Each is one email delivery, written when the accounts actor's event
names the link (:mod:`actors.accounts.links`) and sent by the courier like any other, exactly
once, under a Message-ID derived from it. They have no inbox item (a reset link belongs in the
mailbox it was asked for, not on every device), are never held by quiet hours (the person is
waiting for them) and cannot be turned off.

The courier makes the link's signed token when it renders the mail (``link_secret``): no
token is stored or travels on the bus.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from actors.notifications.delivery_result import PermanentFailure
from actors.notifications.delivery_rules import delivery_id
from actors.work import Work
from bus.account_links import LinkPurpose, lifetime_words, link_token, link_url
from bus.envelopes import Event, utcnow
from bus.ids import split_scope
from bus.settings import Settings
from storage.deliveries import DeliveryDoc
from storage.shared import Addressee, account_link

MailParts = tuple[str, dict[str, Any], str, str | None]
"""A mail to render: its template, context, address and one-click unsubscribe link (if any)."""

ACCOUNT_MAILS: dict[str, tuple[str, str]] = {
    "user.registered": ("verification", "welcome"),
    "user.verification_requested": ("entity", "verify_email"),
    "user.password_reset_requested": ("entity", "reset_password"),
}
"""Each event that asks for an account mail: where it names the link, and the mail's kind."""

MAIL_PURPOSES: dict[str, str] = {"welcome": "verify_email"}
"""The link a kind of account mail carries, when it is not named after it."""


def purpose_of(kind: str) -> str:
    return MAIL_PURPOSES.get(kind, kind)


def is_account_mail(kind: str) -> bool:
    return kind in {mail for _, mail in ACCOUNT_MAILS.values()}


async def queue_account_mail(event: Event, work: Work) -> None:
    """The delivery of the mail ``event`` asks for (once: an event delivered again finds it)."""
    where, kind = ACCOUNT_MAILS[event.type]
    link: Any = event.data.get(where)
    scope_kind, person = split_scope(event.scope)
    if scope_kind != "user" or not isinstance(link, Mapping) or not link.get("id"):
        return
    ident = delivery_id(str(link["id"]), "email")
    if await work.get(DeliveryDoc, ident) is not None:
        return
    work.put(
        DeliveryDoc(
            id=ident,
            notification_id=str(link["id"]),  # the link's record: no inbox item
            recipient_id=person,
            kind=kind,
            channel="email",
            target=str(link.get("email", "")),
            due_at=work.now,
            created_at=work.now,
        )
    )


async def account_mail(
    delivery: DeliveryDoc, person: Addressee, settings: Settings
) -> MailParts | PermanentFailure:
    """The account mail of ``delivery``, its link signed now (the same on every retry), to the
    address the link was made for. A link that has stopped working is not mailed."""
    link = await account_link(delivery.notification_id)
    if link is None or link.user_id != person.id:
        return PermanentFailure("the link no longer exists")
    if link.used_at is not None or link.expires_at <= utcnow():
        return PermanentFailure("the link was used or has expired before it could be sent")
    if settings.link_secret is None:
        return PermanentFailure("no link_secret is set: account links cannot be signed")
    purpose = cast(LinkPurpose, link.purpose)
    token = link_token(
        settings.link_secret.get_secret_value(), purpose, link.id, link.user_id, link.email
    )
    context = {
        "name": person.name,
        "link": link_url(settings.public_base_url, purpose, token),
        "expires": lifetime_words(purpose),
    }
    return delivery.kind, context, delivery.target or link.email, None
