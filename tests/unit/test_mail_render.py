"""Mails rendered from their templates: every kind, its headers, and the failures that make a
mail a dead letter instead of a blank or broken one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from actors.notifications.mail import KINDS, TemplateFailed, render_mail, template_fields

SENDER = "ledgerbus <no-reply@ledgerbus.localhost>"
TO = "ana@example.com"
LINK = "http://127.0.0.1:8080/app/groups/g-1"
SWITCHES = {"change", "outcome", "event"}  # choose a wording; not printed as given
OTHER_BRANCH = {"receipt_read": {"reason"}}  # read only when outcome is "failed"

SAMPLES: dict[str, dict[str, Any]] = {
    "welcome": {"name": "Ana", "link": LINK, "expires": "7 days"},
    "notification": {"name": "Ana", "title": "Groceries is over budget",
                     "body": "530.00 EUR spent (106%) for 2026-12-01 to 2026-12-31.",
                     "link": LINK},
    "budget_threshold": {"name": "Ana", "title": "Groceries: 80% used", "budget": "Groceries", "percent": "80",
                         "spent": "400.00 EUR", "limit": "500.00 EUR", "period": "month",
                         "link": LINK},
    "budget_exceeded": {"name": "Ana", "title": "Groceries is over budget", "budget": "Groceries", "spent": "530.00 EUR",
                        "limit": "500.00 EUR", "over": "30.00 EUR", "period": "month",
                        "link": LINK},
    "goal_achieved": {"name": "Ana", "title": "Goal reached: New bike", "goal": "New bike", "saved": "1,200.00 EUR",
                      "target": "1,200.00 EUR", "link": LINK},
    "recurring_made": {"name": "Ana", "title": "Recurring expense added: Rent", "description": "Rent", "amount": "950.00 EUR",
                       "date": "1 Dec 2026", "schedule": "monthly", "link": LINK},
    "group_bill": {"name": "Ana", "title": "Bill added: Dinner", "actor": "Ben", "change": "added", "description": "Dinner",
                   "amount": "42.00 EUR", "share": "14.00 EUR", "group": "Lisbon trip",
                   "link": LINK},
    "group_membership": {"name": "Ana", "title": "You were added to Lisbon trip", "actor": "Ben", "change": "added", "member": "Carla",
                         "group": "Lisbon trip", "link": LINK},
    "invite_accepted": {"name": "Ana", "title": "Carla joined Lisbon trip", "member": "Carla", "group": "Lisbon trip", "link": LINK},
    "settlement": {"name": "Ana", "title": "Payment recorded", "actor": "Carla", "payer": "Ben", "payee": "Ana", "amount": "28.00 EUR",
                   "group": "Lisbon trip", "link": LINK},
    "payment_reminder": {"name": "Ana", "title": "A reminder to settle up", "actor": "Ben", "amount": "28.00 EUR",
                         "group": "Lisbon trip", "link": LINK},
    "debts_simplified": {"name": "Ana", "title": "Debts simplified in Lisbon trip", "actor": "Ben", "group": "Lisbon trip", "link": LINK,
                         "transfers": [{"payer": "Carla", "payee": "Ben", "amount": "17.50 EUR"}]},
    "receipt_read": {"name": "Ana", "title": "Receipt read", "outcome": "read", "merchant": "Pingo Doce",
                     "amount": "23.47 EUR", "link": LINK},
    "expense_flagged": {"name": "Ana", "title": "An expense needs a look", "actor": "Ben", "description": "Electronics",
                        "amount": "2,400.00 EUR", "reason": "12× your usual spend there",
                        "link": LINK},
    "security": {"name": "Ana", "title": "New sign-in to your account",
                 "body": "Your account was signed in to from a device it had not been used on.",
                 "device": "Pixel 9, Android 16", "time": "7 Dec 2026, 06:30 UTC", "link": LINK},
    "verify_email": {"name": "Ana", "expires": "24 hours", "link": LINK},
    "reset_password": {"name": "Ana", "expires": "1 hour", "link": LINK},
    "email_changed_old_address": {"name": "Ana", "new_email": "ana@new.example",
                                  "time": "7 Dec 2026 06:30 UTC", "link": LINK},
    "digest": {"name": "Ana", "period": "week", "link": LINK,
               "items": [{"title": "Ben added Dinner", "detail": "42.00 EUR, your share 14.00 EUR",
                          "link": LINK + "/e-1"}]},
}  # fmt: skip


def render(kind: str, unsubscribe_url: str | None = None, **changes: Any) -> EmailMessage:
    return render_mail(
        kind,
        {**SAMPLES[kind], **changes},
        to=TO,
        sender=SENDER,
        message_id="d-1.mail@ledgerbus.localhost",
        unsubscribe_url=unsubscribe_url,
    )


def words_of(message: EmailMessage, subtype: str) -> str:
    """The part's words on one line, tags left out: what a reader of it sees."""
    return " ".join(re.sub(r"<[^>]+>", "", text_of(message, subtype)).split())


def text_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def test_every_kind_has_a_sample_giving_every_field_its_templates_read() -> None:
    assert set(KINDS) == set(SAMPLES)
    for kind in KINDS:
        assert template_fields(kind) <= set(SAMPLES[kind]) | OTHER_BRANCH.get(kind, set()), kind


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_a_subject_text_and_html_naming_what_happened(kind: str) -> None:
    message = render(kind)

    assert message["Subject"].strip()
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text, html = text_of(message, "plain"), text_of(message, "html")
    for field, value in SAMPLES[kind].items():
        if field == "title" and kind != "notification":  # an item's title is the subject
            assert message["Subject"] == value
        elif isinstance(value, str) and field not in SWITCHES:
            assert value in text, (field, value)
            assert value in html, (field, value)
    assert f'href="{LINK}' in html


@pytest.mark.parametrize(
    ("kind", "switch", "expected"),
    [
        ("group_bill", {"change": "changed"}, "Ben changed Dinner in Lisbon trip"),
        ("group_bill", {"change": "deleted"}, "Ben deleted Dinner (42.00 EUR) from Lisbon trip"),
        ("group_membership", {"change": "removed"}, "Ben removed Carla from Lisbon trip"),
        (
            "receipt_read",
            {"outcome": "failed", "reason": "the image is blurred"},
            "could not read the receipt you uploaded (the image is blurred)",
        ),
        ("debts_simplified", {"transfers": []}, "Everyone is settled up."),
        ("digest", {"items": []}, "Nothing new."),
    ],
)
def test_a_switch_chooses_the_wording(kind: str, switch: dict[str, Any], expected: str) -> None:
    message = render(kind, **switch)

    assert expected in words_of(message, "plain")
    assert expected in words_of(message, "html")


def test_a_security_mail_names_the_device_only_when_there_is_one() -> None:
    assert "Device: Pixel 9, Android 16" in words_of(render("security"), "plain")
    without = render("security", device="")
    assert "Device" not in words_of(without, "plain")
    assert "Device" not in words_of(without, "html")
    assert "Time: 7 Dec 2026, 06:30 UTC" in words_of(without, "html")


def test_a_missing_field_is_a_template_failure_naming_it() -> None:
    context = {k: v for k, v in SAMPLES["settlement"].items() if k != "amount"}

    with pytest.raises(TemplateFailed) as failed:
        render_mail(
            "settlement", context, to=TO, sender=SENDER, message_id="a@b", unsubscribe_url=None
        )

    assert failed.value.kind == "settlement"
    assert "'amount' is undefined" in failed.value.reason


@pytest.mark.parametrize(
    ("kind", "changes"),
    [("group_bill", {"change": "edited"}), ("group_membership", {"change": "promoted"})],
)
def test_an_unknown_switch_value_is_a_template_failure(kind: str, changes: dict[str, Any]) -> None:
    with pytest.raises(TemplateFailed, match="is none of"):
        render(kind, **changes)


def test_an_unknown_kind_is_a_template_failure() -> None:
    with pytest.raises(TemplateFailed) as failed:
        render_mail("birthday", {}, to=TO, sender=SENDER, message_id="a@b", unsubscribe_url=None)

    assert failed.value.kind == "birthday"
    assert "TemplateNotFound" in failed.value.reason


def test_an_amount_given_as_a_float_is_a_template_failure() -> None:
    with pytest.raises(TemplateFailed, match=r"context\.transfers\[0\]\.amount is a float"):
        render("debts_simplified", transfers=[{"payer": "A", "payee": "B", "amount": 17.5}])


def test_headers_carry_the_message_id_as_given_and_the_date() -> None:
    sent = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)
    for given in ("d-7.mail@ledgerbus.localhost", "<d-7.mail@ledgerbus.localhost>"):
        message = render_mail(
            "welcome",
            SAMPLES["welcome"],
            to=TO,
            sender=SENDER,
            message_id=given,
            unsubscribe_url=None,
            date=sent,
        )

        assert message["Message-ID"] == "<d-7.mail@ledgerbus.localhost>"
        assert message["Date"] == "Mon, 07 Dec 2026 06:30:00 +0000"
        assert message["From"] == SENDER
        assert message["To"] == TO
        assert message["Auto-Submitted"] == "auto-generated"


def test_a_malformed_message_id_is_a_template_failure() -> None:
    with pytest.raises(TemplateFailed, match="not a message id"):
        render_mail(
            "welcome",
            SAMPLES["welcome"],
            to=TO,
            sender=SENDER,
            message_id="no-at-sign",
            unsubscribe_url=None,
        )


def test_one_click_unsubscribe_is_offered_only_when_asked() -> None:
    url = "http://127.0.0.1:8080/unsubscribe/tok-1"

    offered = render("budget_threshold", unsubscribe_url=url)
    plain = render("budget_threshold")

    assert offered["List-Unsubscribe"] == f"<{url}>"
    assert offered["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in text_of(offered, "plain")
    assert f'href="{url}"' in text_of(offered, "html")
    assert "List-Unsubscribe" not in plain
    assert "List-Unsubscribe-Post" not in plain
    assert "Stop these emails" not in text_of(plain, "plain")
    assert "Stop these emails" not in text_of(plain, "html")


def test_html_escapes_what_people_typed_and_text_keeps_it() -> None:
    typed = "<script>alert(1)</script> & co"

    message = render("group_bill", description=typed)

    html = text_of(message, "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<script" not in html
    assert typed in text_of(message, "plain")


def test_a_line_break_in_a_field_cannot_add_a_header() -> None:
    message = render("group_bill", title="Bill added: Dinner\r\nBcc: eve@example.com")

    assert message["Bcc"] is None
    assert message["Subject"] == "Bill added: Dinner Bcc: eve@example.com"
