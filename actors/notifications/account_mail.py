"""Account mails: the welcome (with the link that confirms the address), a new confirmation
link, a link to confirm a new address, a password reset link, and the word to an old address
that the account moved away from it. Each is one email delivery, written when the accounts
actor's event asks for it (:mod:`actors.accounts.links`) and sent by the courier like any
other, exactly once, under a Message-ID derived from it. They have no inbox item (a reset link
belongs in the mailbox it was asked for, not on every device), are never held by quiet hours
(the person is waiting for them) and cannot be turned off.

The courier makes a link's signed token when it renders the mail (``link_secret``): no token
is stored or travels on the bus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from actors.notifications.delivery_result import MailParts, PermanentFailure
from actors.notifications.delivery_rules import delivery_id
from actors.notifications.inbox import make_items
from actors.work import Work
from bus.account_links import LinkPurpose, lifetime_words, link_token, link_url
from bus.envelopes import Event, utcnow
from bus.ids import split_scope
from bus.settings import Settings
from storage.deliveries import DeliveryDoc
from storage.shared import Addressee, account_link

ACCOUNT_MAILS: dict[str, tuple[str, str]] = {
    "user.registered": ("verification", "welcome"),
    "user.verification_requested": ("entity", "verify_email"),
    "user.email_change_requested": ("entity", "change_email"),
    "user.password_reset_requested": ("entity", "reset_password"),
}
"""Each event that asks for a link's mail: where it names the link, and the mail's kind."""

OLD_ADDRESS = "email_changed_old_address"
TEMPLATES = {"change_email": "verify_email"}
"""The template of a kind of account mail, when it is not named after it."""


def is_account_mail(kind: str) -> bool:
    return kind == OLD_ADDRESS or kind in {mail for _, mail in ACCOUNT_MAILS.values()}


@dataclass(frozen=True)
class Asked:
    """An account mail an event asks for: its kind, what it is about (the link's record, or the
    notice), the address, and what the mail says beyond that."""

    kind: str
    about: str
    to: str
    details: dict[str, str] = field(default_factory=dict)

    @property
    def delivery_id(self) -> str:
        return delivery_id(self.about, "email", self.kind)


def asked_by(event: Event) -> list[Asked]:
    """The account mails ``event`` asks for (pure: the courier is woken for the same ids)."""
    if split_scope(event.scope)[0] != "user":
        return []
    if event.type in ACCOUNT_MAILS:
        where, kind = ACCOUNT_MAILS[event.type]
        link: Any = event.data.get(where)
        if isinstance(link, Mapping) and link.get("id") and link.get("email"):
            return [Asked(kind, str(link["id"]), str(link["email"]))]
    notice: Any = event.data.get("entity")
    moved = (
        event.type == "user.security"
        and isinstance(notice, Mapping)
        and notice.get("what") == "email_changed"
        and notice.get("id")
        and notice.get("old_email")
    )
    if not moved:
        return []
    details = {"new_email": str(notice.get("new_email", "")), "at": str(notice.get("at", ""))}
    return [Asked(OLD_ADDRESS, str(notice["id"]), str(notice["old_email"]), details)]


async def queue_account_mail(event: Event, work: Work) -> None:
    """The delivery of each account mail ``event`` asks for, once (an event delivered again
    finds it written)."""
    person = split_scope(event.scope)[1]
    for asked in asked_by(event):
        if await work.get(DeliveryDoc, asked.delivery_id) is not None:
            continue
        work.put(
            DeliveryDoc(
                id=asked.delivery_id,
                notification_id=asked.about,  # the link's record (or the notice): no item
                recipient_id=person,
                kind=asked.kind,
                channel="email",
                target=asked.to,
                details=asked.details,
                due_at=work.now,
                created_at=work.now,
            )
        )


async def security_reaction(event: Event, work: Work) -> None:
    """A security notice: the person's item (mailed always); a move to a new address also
    tells the old one, which the item's mail no longer reaches."""
    await make_items(event, work)
    await queue_account_mail(event, work)


async def account_mail(
    delivery: DeliveryDoc, person: Addressee, settings: Settings
) -> MailParts | PermanentFailure:
    """The account mail of ``delivery``, to the address it was made for."""
    if delivery.kind == OLD_ADDRESS:
        at = datetime.fromisoformat(delivery.details.get("at") or utcnow().isoformat())
        context = {
            "name": person.name,
            "new_email": delivery.details.get("new_email", ""),
            "time": at.strftime("%d %b %Y %H:%M UTC"),
            "link": f"{settings.public_base_url.rstrip('/')}/forgot-password",
        }
        return OLD_ADDRESS, context, delivery.target, None
    return await _link_mail(delivery, person, settings)


async def _link_mail(
    delivery: DeliveryDoc, person: Addressee, settings: Settings
) -> MailParts | PermanentFailure:
    """A link's mail, its token signed now (the same on every retry). A link that has stopped
    working is not mailed."""
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
    template = TEMPLATES.get(delivery.kind, delivery.kind)
    return template, context, delivery.target or link.email, None
