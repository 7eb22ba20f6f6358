"""Receipts over HTTP and Socket.IO: upload answered at once, read in the background by the ocr
actor, fields reaching the owner's devices, duplicates found, expenses made from receipts, and
every kind of bad upload refused or failed with its reason, with nothing half-stored."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from actors.ocr.runtime import OcrRuntime
from bus.ids import derived_id
from bus.settings import Settings
from storage.receipts import BUCKET, ReceiptDoc, store_image
from tests.support.group_helpers import make_group
from tests.support.helpers import Stack, eventually
from tests.support.receipt_files import (
    as_jpeg,
    as_pdf,
    bomb_png,
    empty_pdf,
    locked_pdf,
    many_scans_jpeg,
    receipt_png,
    tiny_png,
    truncated_jpeg,
)
from tests.support.receipt_helpers import read_back, upload
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration


async def test_a_receipt_is_read_in_the_background_and_reaches_the_device(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    phone = await open_device(stack.base_url, ada.access_token)
    try:
        png = receipt_png()
        status, pending = await upload(stack, ada, png)
        assert status == 202, pending
        assert pending["status"] == "pending"
        assert pending["sha256"] == hashlib.sha256(png).hexdigest()
        scanned = (await phone.wait_for("receipt.scanned"))[0]["data"]["entity"]
        assert scanned["id"] == pending["id"]
        fields = scanned["fields"]
        assert fields["total"] == "14.30"
        assert fields["date"] == "2026-11-20"
        assert fields["currency"] == "EUR"
        assert fields["merchant"].upper() == "BLUE FERN CAFE"
        assert scanned["confidence"]["total"] > 0.5
        assert "TOTAL" in scanned["text"].upper()
        got = await read_back(stack, ada, pending["id"])
        assert got["status"] == "scanned"
        status, again = await upload(stack, ada, png)  # the same file: the same receipt
        assert status == 200
        assert again["id"] == pending["id"]
        async with stack.http.get(
            f"/v1/receipts/{pending['id']}/image", headers=ada.headers
        ) as resp:
            assert resp.status == 200
            assert resp.content_type == "image/png"
            assert await resp.read() == png
    finally:
        await phone.close()


async def test_applying_makes_one_expense_and_auto_apply_needs_no_tap(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    _, pending = await upload(stack, ada, receipt_png())
    await read_back(stack, ada, pending["id"])
    status, expense = await stack.call("POST", f"/v1/receipts/{pending['id']}/apply", ada, json={})
    assert status == 201, expense
    assert expense["amount"] == "14.30"
    assert expense["currency"] == "EUR"
    assert expense["date"] == "2026-11-20"
    assert expense["receipt_id"] == pending["id"]
    status, same = await stack.call("POST", f"/v1/receipts/{pending['id']}/apply", ada, json={})
    assert status == 200
    assert same["id"] == expense["id"]

    # Uploaded for an existing expense, with auto_apply: the expense is filled by itself.
    status, typed = await stack.call(
        "POST",
        "/v1/expenses",
        ada,
        json={"amount": "1.00", "currency": "EUR", "date": "2026-11-21"},
    )
    assert status == 201
    other = (
        "CORNER MARKET 24",
        "Date: 2026-11-21",
        "",
        "Apples         2.30",
        "Bread          7.50",
        "",
        "TOTAL EUR      9.80",
    )
    jpeg = as_jpeg(receipt_png(other))  # another receipt: one seen before is not applied alone
    status, linked = await upload(
        stack, ada, jpeg, "image/jpeg", "r.jpg", expense_id=typed["id"], auto_apply="true"
    )
    assert status == 202, linked

    async def filled() -> dict[str, Any] | None:
        _, body = await stack.call("GET", f"/v1/expenses/{typed['id']}", ada)
        return body if body["receipt_id"] == linked["id"] else None  # type: ignore[no-any-return]

    body = await eventually(filled, timeout_s=60)
    assert body["amount"] == "9.80"
    assert body["date"] == "2026-11-21"


async def test_the_same_receipt_again_is_found_also_across_a_group(stack: Stack) -> None:
    ada, bob, eve = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Eve")
    await make_group(stack, ada, bob)
    png = receipt_png()
    _, first = await upload(stack, ada, png)
    await read_back(stack, ada, first["id"])
    _, photo_again = await upload(stack, ada, as_jpeg(png, 70), "image/jpeg", "again.jpg")
    _, bobs = await upload(stack, bob, png)
    _, eves = await upload(stack, eve, png)
    assert (await read_back(stack, ada, photo_again["id"]))["duplicates"] == [first["id"]]
    assert first["id"] in (await read_back(stack, bob, bobs["id"]))["duplicates"]
    assert (await read_back(stack, eve, eves["id"]))["duplicates"] == []  # shares no group


async def test_a_pdf_receipt_is_read_from_its_first_page(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    status, pending = await upload(stack, ada, as_pdf(receipt_png()), "application/pdf", "r.pdf")
    assert status == 202, pending
    got = await read_back(stack, ada, pending["id"])
    assert got["status"] == "scanned"
    assert got["fields"]["total"] == "14.30"


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"", "image/jpeg", 422, "empty_file"),
        (b"hello, I am a text file\n" * 20, "image/jpeg", 415, "unsupported_media_type"),
        (bomb_png(), "image/png", 413, "too_many_pixels"),
        (many_scans_jpeg(), "image/jpeg", 422, "unreadable_image"),
        (tiny_png(), "image/png", 422, "image_too_small"),
        (locked_pdf(), "application/pdf", 422, "unreadable_pdf"),
        (empty_pdf(), "application/pdf", 422, "unreadable_pdf"),
        (as_jpeg(receipt_png()), "image/png", 415, "unsupported_media_type"),
        (receipt_png(), "text/plain", 415, "unsupported_media_type"),
        (b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), "image/jpeg", 413, "too_large"),
    ],
    ids=[
        "empty",
        "text",
        "bomb",
        "many-scans",
        "1x1",
        "locked-pdf",
        "empty-pdf",
        "wrong-type",
        "text-type",
        "too-big",
    ],
)
async def test_bad_uploads_are_refused_and_nothing_is_stored(
    stack: Stack, data: bytes, content_type: str, status: int, code: str
) -> None:
    ada = await stack.signup("Ada")
    files = ReceiptDoc.get_pymongo_collection().database[f"{BUCKET}.files"]
    before = await files.count_documents({"metadata.owner_id": ada.id})
    got, problem = await upload(stack, ada, data, content_type)
    assert got == status, problem
    assert problem["code"] == code
    assert await files.count_documents({"metadata.owner_id": ada.id}) == before
    assert await ReceiptDoc.find({"owner_id": ada.id}).count() == 0


async def test_a_truncated_image_fails_with_its_reason(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    phone = await open_device(stack.base_url, ada.access_token)
    try:
        status, pending = await upload(stack, ada, truncated_jpeg(), "image/jpeg", "cut.jpg")
        assert status == 202, pending
        failed = (await phone.wait_for("receipt.failed"))[0]["data"]["entity"]
        assert failed["id"] == pending["id"]
        assert failed["reason"]
        # Sent again, a failed receipt is read again (and fails again, for the same reason).
        status, again = await upload(stack, ada, truncated_jpeg(), "image/jpeg", "cut.jpg")
        assert status == 202, again
        assert again["status"] == "pending"
        assert again["version"] == failed["version"] + 1
        await phone.wait_for("receipt.retried")
        assert (await read_back(stack, ada, pending["id"]))["status"] == "failed"
        # The worker is fine: the next good receipt is read.
        _, good = await upload(stack, ada, receipt_png())
        assert (await read_back(stack, ada, good["id"]))["status"] == "scanned"
    finally:
        await phone.close()


async def test_other_peoples_receipts_are_not_found_and_bad_forms_refused(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    _, mine = await upload(stack, ada, receipt_png())
    for method, path in (
        ("GET", f"/v1/receipts/{mine['id']}"),
        ("GET", f"/v1/receipts/{mine['id']}/image"),
        ("POST", f"/v1/receipts/{mine['id']}/apply"),
    ):
        status, _ = await stack.call(method, path, bob, json={} if method == "POST" else None)
        assert status == 404, (method, path)
    status, problem = await upload(stack, bob, receipt_png(), surprise="1")
    assert status == 422, problem
    status, problem = await stack.call("POST", "/v1/receipts", bob, json={"file": "x"})
    assert status == 415, problem
    status, problem = await upload(stack, bob, receipt_png(), expense_id=mine["id"])
    assert (status, problem["code"]) == (404, "not_found"), problem  # as for a group not yours


async def test_the_sweeper_fails_what_waits_too_long_and_drops_lone_images(
    stack: Stack, settings: Settings
) -> None:
    ada = await stack.signup("Ada")
    lone, kept = derived_id("lone-image", ada.id), derived_id("kept-image", ada.id)
    await store_image(lone, receipt_png(), ada.id, "0" * 64, "image/png")
    await store_image(kept, receipt_png(), ada.id, "1" * 64, "image/png")
    stuck = ReceiptDoc(
        id=derived_id("stuck", ada.id),
        scope=f"user:{ada.id}",
        owner_id=ada.id,
        file_id=kept,
        sha256="1" * 64,
        content_type="image/png",
        size=10,
        version=1,
        created_at=stack_now(),
        updated_at=stack_now(),
    )
    await stuck.insert()
    quick = settings.model_copy(
        update={"ocr_retry_after_s": 0, "ocr_give_up_after_s": 0, "receipt_orphan_after_s": 0}
    )
    runtime = OcrRuntime(quick)
    from bus.nats_conn import connect_nats

    nc = await connect_nats(quick, "sweeper-test")
    try:
        await runtime.start(nc)
        _, failed, _ = await runtime.sweep()
        assert failed >= 1
        got = await read_back(stack, ada, stuck.id)
        assert got["status"] == "failed"
        assert got["reason"] == "could not be read in time"
        files = ReceiptDoc.get_pymongo_collection().database[f"{BUCKET}.files"]
        assert await files.count_documents({"_id": kept}) == 1  # it has its record
        assert await files.count_documents({"_id": lone}) == 0  # it had none
    finally:
        await runtime.stop()
        await nc.close()


def stack_now() -> Any:
    from bus.envelopes import utcnow

    return utcnow()


@pytest.mark.parametrize(("fmt", "content_type"), [("WEBP", "image/webp"), ("TIFF", "image/tiff")])
async def test_webp_and_tiff_receipts_are_read(stack: Stack, fmt: str, content_type: str) -> None:
    import io

    from PIL import Image

    ada = await stack.signup("Ada")
    out = io.BytesIO()
    Image.open(io.BytesIO(receipt_png())).save(
        out, fmt, **({"lossless": True} if fmt == "WEBP" else {})
    )
    status, pending = await upload(stack, ada, out.getvalue(), content_type, f"r.{fmt.lower()}")
    assert status == 202, pending
    got = await read_back(stack, ada, pending["id"])
    assert got["status"] == "scanned"
    assert got["fields"]["total"] == "14.30"
