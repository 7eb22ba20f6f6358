"""What a receipt line says it is, from the words before its amount: a total, a subtotal, tax,
a tip, a payment, change, an item, or something else (a date, a table number, a phone)."""

from __future__ import annotations

import re
from typing import Final, Literal

from actors.ocr.fields.wording import letter_words, looks_like

Kind = Literal["total", "subtotal", "tax", "tip", "payment", "change", "other", "item"]
MONEY_KINDS: Final = frozenset({"total", "subtotal", "tax", "tip", "payment", "change"})

_KEYWORDS: Final[dict[str, tuple[str, ...]]] = {
    "subtotal": ("subtotal", "sub total", "sub-total", "subtot", "net", "net total",
                 "net amount", "merchandise", "zwischensumme"),
    "tax": ("tax", "vat", "gst", "hst", "pst", "qst", "mwst", "iva", "tva", "ust", "sales tax",
            "consumption tax", "taxes"),
    "tip": ("tip", "tips", "gratuity", "service", "service charge"),
    "total": ("total", "grand total", "total due", "amount due", "balance", "balance due",
              "to pay", "total to pay", "amount", "sum", "summe", "due"),
    "payment": ("cash", "visa", "mastercard", "master", "amex", "debit", "credit", "card",
                "tendered", "paid", "payment", "eftpos", "maestro", "contactless", "discover"),
    "change": ("change", "change due"),
}  # fmt: skip
_TOTAL_PHRASES: Final = frozenset({"balance", "balance due", "amount due"})
_TAX_WORDS: Final = frozenset(
    {"tax", "vat", "gst", "hst", "pst", "qst", "mwst", "iva", "tva", "ust", "taxes"}
)
_NOT_ITEMS: Final = (
    "date", "time", "tel", "phone", "fax", "table", "server", "cashier", "order", "receipt",
    "invoice", "check", "trans", "transaction", "auth", "items", "item count", "qty item",
    "store", "reg", "register", "exchange", "www", "thank", "welcome", "guest", "approval",
)  # fmt: skip


def classify(label: str) -> Kind:
    """The kind of line a label names, keywords matched give or take an OCR slip; a label that
    names none of them is an item."""
    words = letter_words(label).split()
    if not words:
        return "item"
    joined = " ".join(words)
    squashed = joined.replace(" ", "")
    if any(looks_like(w, "subtotal") for w in [*words, squashed]) or (
        "sub" in words and any(looks_like(w, "total") for w in words)
    ):
        return "subtotal"
    if words[0] == "net" or joined.startswith("net total") or joined.startswith("net amount"):
        return "subtotal"
    if any(w in {"change"} or looks_like(w, "change") for w in words):
        return "change"
    if any(
        w in _KEYWORDS["payment"]
        or (len(w) >= 5 and any(looks_like(w, k) for k in _KEYWORDS["payment"]))
        for w in words
    ):
        return "payment"
    if any(
        w in {"tip", "tips"} or looks_like(w, "gratuity") or looks_like(w, "service") for w in words
    ):
        return "tip"
    if any(looks_like(w, "total") for w in words) or joined in _TOTAL_PHRASES:
        return "total"
    if any(looks_like(w, "balance") for w in words) or ("amount" in words and "due" in words):
        return "total"
    if "to pay" in joined or words[-1] == "due":
        return "total"
    if any(w in _TAX_WORDS for w in words):
        return "tax"
    return "item"


def is_other(label: str) -> bool:
    """Whether a label names something that is not bought (a date, a table, a register...)."""
    low = letter_words(label)
    return any(re.search(rf"\b{re.escape(k)}\b", low) for k in _NOT_ITEMS)
