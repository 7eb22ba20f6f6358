"""The total, subtotal, tax and tip: the printed structure of a receipt chooses between readings.

The total is the amount on a total line, believed more when the card or cash lines, or subtotal
+ tax + tip, or the items, say the same; a total below the subtotal or one of its items was
misread. Without a total line the payments or the largest amount stand in, believed little. The
subtotal, tax and tip are each checked against what the total and the other parts imply, and a
one-character misread is put right when they disagree by exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeAlias

from actors.ocr.fields.amounts import Amount
from actors.ocr.fields.labels import Kind
from actors.ocr.fields.lines import ReceiptLine, amount_confidence
from actors.ocr.fields.wording import letter_words

# (value, weight): one reading of an amount and how strongly its source attests it.
Evidence: TypeAlias = list[tuple[Decimal, float]]
Labelled: TypeAlias = list[tuple[ReceiptLine, Amount]]


@dataclass(slots=True)
class Choice:
    value: Decimal | None = None
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class _Printed:
    """What the receipt prints about money: each kind of money line with the amount at its
    end, the item lines above the first total, subtotal or tax, and their sums."""

    totals: Labelled
    subtotals: Labelled
    taxes: Labelled
    tips: Labelled
    payments: Labelled
    changes: Labelled
    item_lines: list[ReceiptLine]
    item_sum: Decimal
    tax_value: Decimal | None  # every tax line together
    tip_value: Decimal | None  # the last tip line
    sub_value: Decimal | None  # the last subtotal line


def choose_amounts(parsed: Sequence[ReceiptLine]) -> dict[str, Choice]:
    """A value and a 0..1 confidence for each of total, subtotal, tax and tip that was found."""
    printed = _read_printed(parsed)
    choices: dict[str, Choice] = {}
    total_choice = _choose_total(parsed, printed)
    if total_choice is not None:
        choices["total"] = total_choice
    total = choices.get("total", Choice()).value
    sub_value = printed.sub_value
    if printed.subtotals:
        choices["subtotal"] = _choose_subtotal(printed, total)
        sub_value = choices["subtotal"].value
    if printed.taxes:
        choices["tax"] = _choose_tax(printed, total, sub_value)
    if printed.tips:
        choices["tip"] = _choose_tip(printed, total, sub_value)
    return choices


def _read_printed(parsed: Sequence[ReceiptLine]) -> _Printed:
    def labelled(kind: Kind) -> Labelled:
        return [(ln, ln.last) for ln in parsed if ln.kind == kind and ln.last is not None]

    totals = labelled("total")
    subtotals = labelled("subtotal")
    taxes = labelled("tax")
    tips = labelled("tip")
    first_money = min((ln.index for ln, _ in [*totals, *subtotals, *taxes]), default=None)
    item_lines = [
        ln
        for ln in parsed
        if ln.kind == "item"
        and ln.last is not None
        and (first_money is None or ln.index < first_money)
    ]
    return _Printed(
        totals=totals,
        subtotals=subtotals,
        taxes=taxes,
        tips=tips,
        payments=labelled("payment"),
        changes=labelled("change"),
        item_lines=item_lines,
        item_sum=sum((ln.last.value for ln in item_lines if ln.last), Decimal(0)),
        tax_value=sum((a.value for _, a in taxes), Decimal(0)) if taxes else None,
        tip_value=tips[-1][1].value if tips else None,
        sub_value=subtotals[-1][1].value if subtotals else None,
    )


def _choose_total(parsed: Sequence[ReceiptLine], printed: _Printed) -> Choice | None:
    """The total from the total lines when there are any, else from what stands in for one."""
    evidence, totals = _without_misreads(printed, _total_evidence(printed))
    if totals:
        return _labelled_total(totals, evidence)
    return _unlabelled_total(parsed, evidence)


def _total_evidence(printed: _Printed) -> Evidence:
    """Every reading of the total with its weight: total lines (later ones a little more),
    card payments, cash less change, subtotal + tax + tip, and the items + tax + tip."""
    tax, tip, sub = printed.tax_value, printed.tip_value, printed.sub_value
    evidence: Evidence = []
    for i, (_, amount) in enumerate(printed.totals):
        evidence.append((amount.value, 3.0 + 0.2 * i))
    payments = printed.payments
    card_payments = [a for ln, a in payments if "cash" not in letter_words(ln.label).split()]
    for amount in card_payments:
        evidence.append((amount.value, 2.0))
    cash = [a for ln, a in payments if "cash" in letter_words(ln.label).split()]
    if cash and printed.changes:
        evidence.append((cash[-1].value - printed.changes[-1][1].value, 1.5))
    if sub is not None:
        evidence.append((sub + (tax or 0) + (tip or 0), 2.0))
    if printed.item_lines and sub is None:
        weight = 1.0 if printed.totals else 0.5
        evidence.append((printed.item_sum + (tax or 0) + (tip or 0), weight))
    return evidence


def _without_misreads(printed: _Printed, evidence: Evidence) -> tuple[Evidence, Labelled]:
    """The evidence and total lines left once readings below the subtotal or below one of the
    items are dropped (each list kept whole if nothing would be left)."""
    item_values = (ln.last.value for ln in printed.item_lines if ln.last)
    floor = max([printed.sub_value or Decimal(0), *item_values])
    plausible = [(v, w) for v, w in evidence if v >= floor]
    if plausible:
        evidence = plausible
    totals = [(ln, a) for ln, a in printed.totals if a.value >= floor] or printed.totals
    return evidence, totals


def _labelled_total(totals: Labelled, evidence: Evidence) -> Choice:
    """The best-attested reading, with the confidence of the total line that printed it (less
    when only the arithmetic or a payment said it), raised by strong support, lowered when the
    readings disagree."""
    candidates = {v for v, _ in evidence}
    best = max(candidates, key=lambda v: (_support(v, evidence), v))
    line, amount = max(
        ((ln, a) for ln, a in totals if a.value == best),
        key=lambda p: p[0].index,
        default=totals[-1],
    )
    if amount.value != best:  # only the arithmetic or the payment said this
        conf = 0.6 * amount_confidence(line, amount)
    else:
        conf = amount_confidence(line, amount)
    support, _ = _support(best, evidence)
    if support >= 4.5:
        conf = _agreed(conf, 0.3)
    elif support >= 3.5:
        conf = _agreed(conf, 0.6)
    elif len({v for v, _ in evidence}) > 1:
        conf *= 0.8
    return Choice(best, conf)


def _unlabelled_total(parsed: Sequence[ReceiptLine], evidence: Evidence) -> Choice | None:
    """No total line: what payments or subtotal + tax say, else the largest item or payment
    amount as a guess; None when there is no amount at all."""
    fallback = [
        (ln, a)
        for ln in parsed
        if ln.kind in {"item", "payment"}
        for a in ln.amounts
        if a.value > 0
    ]
    strong = [(v, w) for v, w in evidence if w >= 1.5]  # payments, subtotal and tax
    if strong:
        best = max({v for v, _ in strong}, key=lambda v: (_support(v, strong), v))
        return Choice(best, 0.45)
    if fallback:
        line, amount = max(fallback, key=lambda p: p[1].value)
        return Choice(amount.value, 0.35 * amount_confidence(line, amount))
    return None


def _choose_subtotal(printed: _Printed, total: Decimal | None) -> Choice:
    """The last subtotal line, or what the items or total - tax - tip say when they agree
    better."""
    line, amount = printed.subtotals[-1]
    sub_evidence: Evidence = [(amount.value, 3.0)]
    if printed.item_lines:
        sub_evidence.append((printed.item_sum, 1.5))
    if total is not None and (printed.taxes or printed.tips):
        implied = total - (printed.tax_value or 0) - (printed.tip_value or 0)
        sub_evidence.append((implied, 2.0))
    best = max({v for v, _ in sub_evidence}, key=lambda v: (_support(v, sub_evidence), v))
    conf = amount_confidence(line, amount) * (1.0 if best == amount.value else 0.6)
    if _support(best, sub_evidence)[0] >= 4.5:
        conf = _agreed(conf, 0.4)
    return Choice(best, conf)


def _choose_tax(printed: _Printed, total: Decimal | None, sub_value: Decimal | None) -> Choice:
    """The tax lines together, confirmed by total - subtotal - tip, or put right by it when a
    single tax line differs from it in one character."""
    conf = min(amount_confidence(ln, a) for ln, a in printed.taxes)
    value = printed.tax_value
    if total is not None and sub_value is not None and value is not None:
        implied = total - sub_value - (printed.tip_value or 0)
        if implied == value:
            conf = _agreed(conf, 0.4)
        elif len(printed.taxes) == 1 and implied > 0 and _one_slip(value, implied):
            value, conf = implied, conf * 0.7
    return Choice(value, conf)


def _choose_tip(printed: _Printed, total: Decimal | None, sub_value: Decimal | None) -> Choice:
    """The last tip line, confirmed by total - subtotal - tax, or put right by it when they
    differ in one character."""
    line, amount = printed.tips[-1]
    value = amount.value
    conf = amount_confidence(line, amount)
    if total is not None and sub_value is not None:
        implied = total - sub_value - (printed.tax_value or 0)
        if implied == value:
            conf = _agreed(conf, 0.4)
        elif implied > 0 and _one_slip(value, implied):
            value, conf = implied, conf * 0.7
    return Choice(value, conf)


def _support(value: Decimal, evidence: Sequence[tuple[Decimal, float]]) -> tuple[float, int]:
    """How strongly ``value`` is attested: summed weights, then the number of sources."""
    weights = [weight for v, weight in evidence if v == value]
    return sum(weights), len(weights)


def _agreed(conf: float, doubt_left: float) -> float:
    """A confidence raised because another source agrees: its doubt shrunk to ``doubt_left``."""
    return 1 - (1 - conf) * doubt_left


def _one_slip(a: Decimal, b: Decimal) -> bool:
    """Whether two amounts differ in one printed character (an OCR misread)."""
    sa, sb = f"{a:f}", f"{b:f}"
    if len(sa) != len(sb):
        return False
    return sum(x != y for x, y in zip(sa, sb, strict=True)) == 1
