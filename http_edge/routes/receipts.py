"""Receipts: upload (stored at once, read later by the ocr actor), read back, the image, and
turning a scanned receipt into an expense."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bus.client import build_command
from bus.entities import Expense
from bus.envelopes import utcnow
from bus.expense_commands import CreateExpense, UpdateExpense
from bus.ids import derived_id
from bus.limits import EntityId
from bus.money import MoneyError, check_precision
from bus.receipt_commands import scan_command
from bus.receipts import ApplyReceipt, Receipt, RecordReceipt
from http_edge.api import Api
from http_edge.context import principal_of, resources_of, settings_of
from http_edge.dispatch import check_idempotency_key, dispatch, spend_write_allowance
from http_edge.inputs import body, path_id, validate
from http_edge.problems import Problem
from http_edge.responses import entity_or_404
from http_edge.uploads import read_upload
from storage.accounts import UserDoc
from storage.group_reads import group_for
from storage.queries import get_expense
from storage.receipt_reads import receipt_by_hash, receipt_entity, receipt_for
from storage.receipts import image_info, read_image, store_image

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


class UploadForm(BaseModel):
    """multipart/form-data: `file` (JPEG, PNG, WebP, TIFF or PDF) and these optional fields."""

    expense_id: EntityId | None = None
    group_id: EntityId | None = None
    auto_apply: bool = False


def receipt_id_of(owner: str, sha256: str) -> str:
    """One receipt per person and file: the same file uploaded again is the same receipt."""
    return derived_id("receipt", owner, sha256)


def _accepted(receipt: dict[str, Any], status: int = 202) -> web.Response:
    return web.json_response(
        receipt, status=status, headers={"Location": f"/v1/receipts/{receipt['id']}"}
    )


@ROUTES.route(
    "POST",
    "/v1/receipts",
    "Upload a receipt (multipart `file`): 202 with the pending receipt; it is read in the background",
    "receipts",
    description="The file is judged by its bytes: a readable JPEG, PNG, WebP or TIFF at least 50 px "
    "a side, or a PDF, of the type its part declares (if any); else 415 or 422. The same file "
    "again is the same receipt (200).",
    response=Receipt,
    status=202,
    errors=(404, 413, 415, 422),
    command=True,
    upload=True,
)
async def upload_receipt(request: web.Request) -> web.StreamResponse:
    """Written out: a multipart image is stored before the receipt is recorded."""
    owner = principal_of(request).user_id
    settings = settings_of(request)
    # The same file is the same receipt anyway; a key is held to the rule of every write.
    check_idempotency_key(request.headers.get("Idempotency-Key"))
    spend_write_allowance(request, owner)  # before the body is read
    upload = await read_upload(request, settings.receipt_max_bytes, settings.receipt_max_pixels)
    form = validate(UploadForm, dict(upload.fields))
    if form.expense_id is not None and await get_expense(owner, form.expense_id) is None:
        raise Problem(404, "not_found", "no such expense")  # as for a group: not yours or none
    if form.group_id is not None and await group_for(owner, form.group_id) is None:
        raise Problem(404, "not_found", "no such group")
    sha256 = hashlib.sha256(upload.data).hexdigest()
    known = await receipt_by_hash(owner, sha256)
    sender = resources_of(request).sender
    if known is not None and known.status == "failed":  # sent again: read it again
        retry = build_command("receipt.rescan", {"id": known.id}, issuer=owner)
        outcome = await sender.send(retry, settings.outcome_wait_s)
        if outcome is not None and outcome.accepted and outcome.version is not None:
            await sender.publish(scan_command(known.id, owner, outcome.version))
            return _accepted(outcome.entity or {})
    if known is not None:
        return _accepted(receipt_entity(known).model_dump(mode="json"), 200)
    receipt_id = receipt_id_of(owner, sha256)
    await store_image(receipt_id, upload.data, owner, sha256, upload.content_type)  # first
    record = RecordReceipt(
        id=receipt_id,
        file_id=receipt_id,
        sha256=sha256,
        content_type=upload.content_type,
        size=len(upload.data),
        width=upload.width,
        height=upload.height,
        expense_id=form.expense_id,
        group_id=form.group_id,
        auto_apply=form.auto_apply,
    )
    command = build_command(
        "receipt.record",
        record.model_dump(mode="json"),
        issuer=owner,
        idempotency_key=f"receipt:{sha256}",
    )
    # Answered at once, never behind the reading of other receipts: the record and then the
    # scan are on the stream (acknowledged by JetStream), in this order, on one lane.
    await sender.publish(command)
    await sender.publish(scan_command(receipt_id, owner, 1))
    return _accepted(pending_view(record, owner, utcnow()).model_dump(mode="json"))


def pending_view(record: RecordReceipt, owner: str, when: datetime) -> Receipt:
    """A receipt as it is until the ocr actor has recorded it."""
    return Receipt(
        id=record.id,
        owner_id=owner,
        status="pending",
        content_type=record.content_type,
        size=record.size,
        sha256=record.sha256,
        width=record.width,
        height=record.height,
        expense_id=record.expense_id,
        group_id=record.group_id,
        auto_apply=record.auto_apply,
        version=0,
        created_at=when,
        updated_at=when,
    )


@ROUTES.route(
    "GET",
    "/v1/receipts/{id}",
    "One receipt: status, fields, confidences, text",
    "receipts",
    response=Receipt,
    errors=(404,),
)
async def get_receipt(request: web.Request) -> web.StreamResponse:
    owner, receipt_id = principal_of(request).user_id, path_id(request)
    doc = await receipt_for(owner, receipt_id)
    if doc is not None:
        return entity_or_404(receipt_entity(doc), "receipt")
    stored = await image_info(receipt_id)  # uploaded, not recorded yet: pending
    if stored is None or stored.get("metadata", {}).get("owner_id") != owner:
        raise Problem(404, "not_found", "no such receipt")
    meta = stored["metadata"]
    record = RecordReceipt(
        id=receipt_id,
        file_id=receipt_id,
        sha256=meta["sha256"],
        content_type=meta["content_type"],
        size=stored["length"],
        width=1,
        height=1,
    )
    view = pending_view(record, owner, stored["uploadDate"]).model_copy(
        update={"width": None, "height": None}
    )
    return web.json_response(view.model_dump(mode="json"))


@ROUTES.route(
    "GET", "/v1/receipts/{id}/image", "The receipt's image as uploaded", "receipts", errors=(404,)
)
async def receipt_image(request: web.Request) -> web.StreamResponse:
    doc = await receipt_for(principal_of(request).user_id, path_id(request))
    data = await read_image(doc.file_id) if doc is not None else None
    if doc is None or data is None:
        raise Problem(404, "not_found", "no such receipt")
    return web.Response(
        body=data,
        content_type=doc.content_type,
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@ROUTES.route(
    "POST",
    "/v1/receipts/{id}/apply",
    "Make an expense from a scanned receipt, or fill the expense it was uploaded for",
    "receipts",
    body=ApplyReceipt,
    body_omit=("id",),
    response=Expense,
    status=201,
    errors=(404, 409, 422),
    command=True,
)
async def apply_receipt(request: web.Request) -> web.StreamResponse:
    """Written out: reads the receipt first and makes or fills its expense from what was
    read."""
    owner = principal_of(request).user_id
    receipt_id = path_id(request)
    given = await body(request, ApplyReceipt, id=receipt_id)
    doc = await receipt_for(owner, receipt_id)
    if doc is None:
        raise Problem(404, "not_found", "no such receipt")
    if doc.status != "scanned":
        raise Problem(
            409,
            "conflict",
            f"the receipt is {doc.status}" + (f": {doc.reason}" if doc.reason else ""),
        )
    read = receipt_entity(doc).fields
    user = await UserDoc.get(owner)
    currency = given.currency or read.currency or (user.home_currency if user else None)
    values: dict[str, Any] = {
        "amount": given.amount or _as_written(read.total, currency),
        "currency": currency,
        "date": given.date or read.date,
        "merchant": given.merchant or read.merchant,
        "receipt_id": receipt_id,
    }
    if given.description is not None or read.merchant:
        values["description"] = given.description or read.merchant or ""
    if given.category_id is not None:
        values["category_id"] = given.category_id
    missing = [name for name in ("amount", "currency", "date") if values[name] is None]
    if missing:
        raise Problem(
            422,
            "validation",
            "the receipt does not say " + ", ".join(missing) + "; send them",
            errors=[
                {"loc": ["body", name], "msg": "not read from the receipt", "type": "missing"}
                for name in missing
            ],
        )
    payload = {
        k: (format(v, "f") if isinstance(v, Decimal) else v)
        for k, v in values.items()
        if v is not None
    }
    payload = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in payload.items()}
    if doc.expense_id is not None:  # fill the expense it was uploaded for
        update = validate(UpdateExpense, {**payload, "id": doc.expense_id})
        return await dispatch(request, update, issuer=owner)
    expense_id = derived_id("receipt-expense", receipt_id)
    made = await get_expense(owner, expense_id)
    if made is not None:
        return entity_or_404(made, "expense")
    # The expense's id derives from the receipt: applying twice never makes two.
    create = validate(CreateExpense, {**payload, "id": expense_id})
    return await dispatch(request, create, issuer=owner, location="/v1/expenses")


def _as_written(total: Decimal | None, currency: str | None) -> Decimal | None:
    """A total read from a receipt in ``currency``'s minor units when that loses nothing
    (1500.00 read for JPY is 1500); one with more decimals than its currency stays as read,
    so the expense it would make is refused with the field named."""
    if total is None or currency is None:
        return total
    try:
        return check_precision(total, currency)
    except MoneyError:
        return total
