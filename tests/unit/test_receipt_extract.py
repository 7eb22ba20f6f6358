"""Receipt reading without Tesseract: fields from OCR text, and decoding of bad uploads."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from PIL import Image, ImageDraw

from actors.ocr.decoding import MAX_PIXELS, UnreadableImage, load_image
from actors.ocr.extract import OcrLine, OcrText, OcrWord, extract, text_lines
from actors.ocr.phash import perceptual_hash
from actors.ocr.preprocessing import preprocess
from actors.ocr.rows import find_rows
from actors.ocr.skew import estimate_skew
from bus.receipts import ReceiptFields

# ---- fields from text -----------------------------------------------------------------------


def receipt(*lines: str) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("printed", "money", "expected"),
    [
        ("2026-11-20", "TOTAL 12.50 EUR", date(2026, 11, 20)),
        ("20/11/2026", "TOTAL 12.50 EUR", date(2026, 11, 20)),
        ("11/20/2026", "TOTAL $12.50", date(2026, 11, 20)),
        ("Nov 20 2026", "TOTAL $12.50", date(2026, 11, 20)),
        ("20 Nov 2026", "TOTAL £12.50", date(2026, 11, 20)),
        ("20.11.26", "TOTAL 12,50 €", date(2026, 11, 20)),
        ("20.11.2026", "TOTAL $12.50", date(2026, 11, 20)),
        ("November 20, 2026", "TOTAL $12.50", date(2026, 11, 20)),
        ("NOVEMBER 20, 2026", "TOTAL $12.50", date(2026, 11, 20)),
        ("20-Nov-2026", "TOTAL CHF 12.50", date(2026, 11, 20)),
        ("2026/11/20", "TOTAL ¥1,250", date(2026, 11, 20)),
        ("20/11/26", "TOTAL 12.50 GBP", date(2026, 11, 20)),
        ("Date: 3 Feb 2021 07:44", "TOTAL $12.50", date(2021, 2, 3)),
        ("Aug 262028", "TOTAL $12.50", date(2028, 8, 26)),  # the space lost
        ("14.05;2624", "TOTAL 12.50 CHF", date(2024, 5, 14)),  # ; for . and 6 for 0
    ],
)
def test_every_date_format(printed: str, money: str, expected: date) -> None:
    found = extract(receipt("Blue Fern Cafe", printed, "Latte 12.50", money))
    assert found.fields["date"] == expected


def test_day_and_month_order_follows_the_currency() -> None:
    us = extract(receipt("Shop", "05/06/2026", "TOTAL $9.00"))
    uk = extract(receipt("Shop", "05/06/2026", "TOTAL £9.00"))
    assert us.fields["date"] == date(2026, 5, 6)
    assert uk.fields["date"] == date(2026, 6, 5)
    # 13 and up can only be a day, whatever the currency says
    assert extract(receipt("Shop", "13/06/2026", "TOTAL $9.00")).fields["date"] == date(2026, 6, 13)


def test_dates_out_of_range_or_impossible_are_not_dates() -> None:
    found = extract(receipt("Shop", "31/02/2026", "1999-01-01", "TOTAL $9.00"))
    assert found.fields["date"] is None
    assert found.confidence["date"] == 0.0


def test_the_purchase_date_wins_over_an_exchange_date() -> None:
    found = extract(receipt("Shop", "Exchange by 20/12/2026", "Date: 20/11/2026", "TOTAL 9.00 EUR"))
    assert found.fields["date"] == date(2026, 11, 20)


def test_total_is_not_the_subtotal_and_parts_add_up() -> None:
    found = extract(
        receipt(
            "CORNER MARKET 24",
            "Milk 2.40",
            "Bread 3.10",
            "SUBTOTAL 5.50",
            "Sales Tax 8.25% 0.45",
            "Tip 1.00",
            "TOTAL $6.95",
            "VISA **** 1234 6.95",
        )
    )
    f = found.fields
    assert (f["total"], f["subtotal"], f["tax"], f["tip"]) == (
        Decimal("6.95"),
        Decimal("5.50"),
        Decimal("0.45"),
        Decimal("1.00"),
    )
    assert f["currency"] == "USD"
    assert found.checks == {"items_match_subtotal": True, "parts_match_total": True}


@pytest.mark.parametrize(
    "label", ["TOTAL", "Total Due", "AMOUNT DUE", "Grand Total", "BALANCE", "TOTAL EUR", "Total:"]
)
def test_total_labels(label: str) -> None:
    found = extract(receipt("Shop", "Soup 4,20", "Net 4,20", f"{label} 4,20 €", "CASH 10,00"))
    assert found.fields["total"] == Decimal("4.20")
    assert found.fields["currency"] == "EUR"


def test_european_amounts() -> None:
    found = extract(
        receipt("Müller Bäckerei", "Torte 1.234,50 €", "Brot 2,00 €", "VAT 20% 247,30 €",
                "TOTAL EUR 1.483,80")
    )  # fmt: skip
    assert found.fields["total"] == Decimal("1483.80")
    assert found.fields["tax"] == Decimal("247.30")
    assert found.fields["merchant"] == "Müller Bäckerei"


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("TOTAL $ l2.5O", "12.50"),  # l for 1, O for 0
        ("TOTAL $12. 50", "12.50"),  # a space in the amount
        ("TOTAL $ 39:20", "39.20"),  # a colon for the point
        ("TOTAL 7; 90 USD", "7.90"),
        ("Tota1 $169.7]", "169.71"),  # ] for 1, and in the label too
        ("TOTAL ... $ 5S.00 .", "55.00"),  # S for 5, stray dots
    ],
)
def test_ocr_slips_inside_amounts(printed: str, value: str) -> None:
    found = extract(receipt("Shop", printed))
    assert found.fields["total"] == Decimal(value)


def test_yen_has_no_decimals() -> None:
    found = extract(
        receipt("Golden Maple Patisserie", "Rolls 2,350", "Macarons 520", "Subtotal: 2,870",
                "Tax 287", "BALANCE ¥3,157", "CASH 5,000", "CHANGE 1,843")
    )  # fmt: skip
    f = found.fields
    assert f["currency"] == "JPY"
    assert f["total"] == Decimal("3157")
    assert f["subtotal"] == Decimal("2870")
    assert [i["amount"] for i in f["items"]] == [Decimal("2350"), Decimal("520")]
    assert found.checks == {"items_match_subtotal": True, "parts_match_total": True}


def test_currency_codes_and_symbols() -> None:
    assert extract("TOTAL £3.00").fields["currency"] == "GBP"
    assert extract("TOTAL € 3,00").fields["currency"] == "EUR"
    assert extract("TOTAL CHF 3.00").fields["currency"] == "CHF"
    # the dollar sign says dollars, the code which ones
    assert extract(receipt("Tea $3.00", "TOTAL CAD $3.00")).fields["currency"] == "CAD"
    assert extract("TOTAL $3.00").fields["currency"] == "USD"


def test_items_with_quantities() -> None:
    found = extract(
        receipt(
            "Blue Fern Cafe",
            "2 x Flat White 7.00",
            "Bagel 2 @ 3.50 7.00",
            "Iced Tea QTY 3 9.00",
            "Croissant",
            "  2 x 2.25 4.50",
            "Scone ......... 3.25",
            "SUBTOTAL 30.75",
            "TOTAL 30.75 EUR",
        )
    )
    items = [(i["description"], i["quantity"], i["amount"]) for i in found.fields["items"]]
    assert items == [
        ("Flat White", Decimal(2), Decimal("7.00")),
        ("Bagel", Decimal(2), Decimal("7.00")),
        ("Iced Tea", Decimal(3), Decimal("9.00")),
        ("Croissant", Decimal(2), Decimal("4.50")),
        ("Scone", None, Decimal("3.25")),
    ]
    assert found.checks["items_match_subtotal"]


def test_table_layout_items() -> None:
    found = extract(
        receipt("THE HARBOR COFFEE", "QTY ITEM AMOUNT", "3 Cookie 11,40", "1 Latte 8,02",
                "Total: EUR 19,42")
    )  # fmt: skip
    items = [(i["description"], i["quantity"], i["amount"]) for i in found.fields["items"]]
    assert items == [
        ("Cookie", Decimal(3), Decimal("11.40")),
        ("Latte", Decimal(1), Decimal("8.02")),
    ]
    assert found.checks == {"items_match_subtotal": True}


def test_checks_report_disagreement() -> None:
    found = extract(receipt("Shop", "Tea 3.00", "Cake 4.00", "SUBTOTAL 8.00", "TAX 0.50",
                            "TOTAL $9.00"))  # fmt: skip
    assert found.checks == {"items_match_subtotal": False, "parts_match_total": False}


def test_merchant_is_the_name_not_a_banner_address_or_phone() -> None:
    found = extract(
        receipt("WELCOME TO", "Rosie's Kitchen", "12 High Street", "Springfield, IL 62704",
                "Tel 555-123-4567", "RECEIPT", "Soup $4.00", "TOTAL $4.00")
    )  # fmt: skip
    assert found.fields["merchant"] == "Rosie's Kitchen"
    assert (
        extract(receipt("RECEIPT", "81 Station Road", "CORNER MARKET 24", "TOTAL $1.00")).fields[
            "merchant"
        ]
        == "CORNER MARKET 24"
    )


def test_the_prominent_line_is_the_merchant() -> None:
    small, big = 20, 44
    lines = (
        OcrLine((OcrWord("Order", 0.9), OcrWord("4411", 0.9)), 0, small),
        OcrLine((OcrWord("Blue", 0.9), OcrWord("Fern", 0.9), OcrWord("Cafe", 0.9)), 30, 30 + big),
        OcrLine((OcrWord("TOTAL", 0.9), OcrWord("$4.00", 0.9)), 90, 90 + small),
    )
    assert extract(OcrText(lines)).fields["merchant"] == "Blue Fern Cafe"


def test_confidences_are_ordered_sensibly() -> None:
    checked = extract(
        receipt("Shop", "Tea 3.00", "SUBTOTAL 3.00", "TAX 0.30", "TOTAL $3.30", "VISA 3.30")
    )
    unlabelled = extract(receipt("Shop", "Tea 3.00", "Cake 5.00 USD"))
    unsure = extract(
        OcrText(
            (
                OcrLine((OcrWord("Shop", 0.5),)),
                OcrLine((OcrWord("TOTAL", 0.45), OcrWord("$3.30", 0.4))),
            )
        )
    )
    assert unlabelled.fields["total"] == Decimal("5.00")  # the largest amount, as a guess
    assert checked.confidence["total"] > unlabelled.confidence["total"]
    assert checked.confidence["total"] > unsure.confidence["total"]
    assert (
        unsure.confidence["total"] > unlabelled.confidence["total"]
        or unsure.confidence["total"] < 0.5
    )
    assert checked.confidence["total"] >= 0.9
    assert all(0.0 <= c <= 1.0 for c in checked.confidence.values())
    assert checked.confidence["tip"] == 0.0  # not found


def test_fields_validate_as_receipt_fields() -> None:
    found = extract(receipt("Shop", "20/11/2026", "2 x Tea 6.00", "TOTAL 6.00 EUR"))
    fields = ReceiptFields.model_validate(found.fields)
    assert fields.total == Decimal("6.00")
    assert fields.items[0].quantity == Decimal(2)


def test_empty_text_finds_nothing() -> None:
    found = extract(text_lines(""))
    assert found.fields["total"] is None
    assert found.fields["items"] == []
    assert found.checks == {}


# ---- decoding uploads -----------------------------------------------------------------------


def _png(img: Image.Image) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(img: Image.Image) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _page(width: int = 400, height: int = 300) -> Image.Image:
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    for y in range(20, height - 20, 30):
        draw.rectangle((20, y, width - 40, y + 12), fill="black")
    return img


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``x``height`` with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _encrypted_pdf(user_password: bytes, owner_password: bytes) -> bytes:
    """A one-page PDF under the standard security handler (RC4, 40-bit, revision 2)."""
    pad = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
    doc_id = hashlib.md5(b"ledgerbus test pdf").digest()
    permissions = -4
    owner_key = hashlib.md5((owner_password + pad)[:32]).digest()[:5]
    o_value = _rc4(owner_key, (user_password + pad)[:32])
    key = hashlib.md5(
        (user_password + pad)[:32] + o_value + struct.pack("<i", permissions) + doc_id
    ).digest()[:5]
    u_value = _rc4(key, pad)
    content = b"0 0 1 rg 20 20 160 160 re f"
    object_key = hashlib.md5(key + struct.pack("<I", 4)[:3] + b"\x00\x00").digest()[:10]
    stream = _rc4(object_key, content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (o_value.hex().encode(), u_value.hex().encode(), permissions),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 5 0 R /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1,
        doc_id.hex().encode(),
        doc_id.hex().encode(),
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _pdf(pages: int) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(300, 400)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


def _reason(data: bytes, content_type: str) -> str:
    with pytest.raises(UnreadableImage) as caught:
        load_image(data, content_type)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def test_empty_file() -> None:
    assert "empty" in _reason(b"", "image/jpeg")


def test_text_is_not_a_jpeg() -> None:
    assert "not a JPEG image" in _reason(b"hello, this is not a picture\n" * 10, "image/jpeg")


def test_truncated_jpeg() -> None:
    data = _jpeg(_page(600, 800))
    assert "truncated or corrupt" in _reason(data[: len(data) // 2], "image/jpeg")


def test_decompression_bombs_are_refused_before_decoding() -> None:
    assert "too many pixels" in _reason(_png_header_only(60_000, 60_000), "image/png")
    # just over the limit (Pillow only warns here): still refused, from the header
    assert "too many pixels" in _reason(_png_header_only(7_000, 6_000), "image/png")
    assert MAX_PIXELS < 7_000 * 6_000


def test_tiny_image() -> None:
    assert "too small" in _reason(_png(Image.new("RGB", (1, 1), "white")), "image/png")
    assert "too small" in _reason(_png(Image.new("RGB", (400, 40), "white")), "image/png")


def test_unsupported_type() -> None:
    assert "unsupported" in _reason(b"GIF89a....", "image/gif")


def test_password_protected_pdf() -> None:
    data = _encrypted_pdf(b"secret", b"owner")
    unlocked = pdfium.PdfDocument(data, password="secret")  # a valid, encrypted file
    assert len(unlocked) == 1
    unlocked.close()
    assert "password" in _reason(data, "application/pdf")


def test_pdf_without_pages() -> None:
    assert "no pages" in _reason(_pdf(0), "application/pdf")


def test_not_a_pdf() -> None:
    assert "not a readable PDF" in _reason(b"%PDF-1.4 garbage", "application/pdf")


def test_good_pdf_renders_its_first_page() -> None:
    img = load_image(_pdf(2), "application/pdf")
    width, height = img.size  # 200 dpi, give or take PDFium's rounding
    assert abs(width - 300 * 200 / 72) <= 1
    assert abs(height - 400 * 200 / 72) <= 1


@pytest.mark.parametrize(("fmt", "content_type"), [("PNG", "image/png"), ("WEBP", "image/webp"),
                                                    ("TIFF", "image/tiff"), ("JPEG", "image/jpeg")])  # fmt: skip
def test_good_images_decode(fmt: str, content_type: str) -> None:
    buffer = io.BytesIO()
    _page().save(buffer, format=fmt)
    img = load_image(buffer.getvalue(), content_type + "; charset=binary")
    assert img.size == (400, 300)
    assert img.mode in {"RGB", "L"}


def test_transparent_png_lies_on_white() -> None:
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    assert load_image(_png(img), "image/png").convert("L").getpixel((50, 50)) == 255


# ---- preprocessing --------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-5.0, -2.0, 0.0, 3.5])
def test_skew_is_found_and_removed(angle: float) -> None:
    page = _page(500, 700).convert("L")
    tilted = page.rotate(angle, expand=True, fillcolor=255)
    assert abs(estimate_skew(tilted) - angle) <= 0.3
    assert abs(estimate_skew(preprocess(tilted))) <= 0.3


def test_small_images_are_enlarged_and_rows_found() -> None:
    page = _page(400, 600)
    work = preprocess(page)
    assert work.width >= 1400
    rows = find_rows(work)
    assert len(rows) == len(range(20, 600 - 20, 30))


def test_perceptual_hash_survives_a_second_photo() -> None:
    from deploy.synthetic.receipts.generator import make_receipts
    from deploy.synthetic.receipts.images import render

    first, second = make_receipts(7, 2)
    clean = perceptual_hash(load_image(render(first, degraded=False), "image/png"))
    photo = perceptual_hash(load_image(render(first, degraded=True), "image/jpeg"))
    other = perceptual_hash(load_image(render(second, degraded=False), "image/png"))
    assert len(clean) == 16
    same = (int(clean, 16) ^ int(photo, 16)).bit_count()
    assert same <= 6  # what the ocr actor counts as the same receipt
    assert (int(clean, 16) ^ int(other, 16)).bit_count() > same
