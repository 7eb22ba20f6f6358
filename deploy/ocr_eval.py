"""`ledgerbus ocr evaluate`: how well receipts are read, on a fixed set of synthetic receipts.

The set is generated from a seed (:mod:`deploy.synthetic.receipts`): each receipt is rendered
clean (PNG) and degraded (rotated, blurred, speckled, shrunk, JPEG at quality 40), and only the
image bytes go through :func:`actors.ocr.reader.scan`, as an upload would. What it read is
compared with the ground truth field by field, and the accuracy is printed per field for clean
and degraded copies, with the time per receipt and the targets met or missed.

    python -m deploy.ocr_eval --seed 20261122 --count 200
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import IO, Any

from deploy.synthetic.receipts.generator import make_receipts
from deploy.synthetic.receipts.images import render
from deploy.synthetic.receipts.truth import SyntheticReceipt, TruthItem

DEFAULT_SEED = 20261122
DEFAULT_COUNT = 200
FIELDS = ("merchant", "date", "total", "subtotal", "tax", "tip", "currency", "items")

# (field, copy, least accuracy) from the targets
TARGETS: tuple[tuple[str, str, float], ...] = (
    ("total", "clean", 0.95),
    ("date", "clean", 0.95),
    ("merchant", "clean", 0.90),
    ("total", "degraded", 0.85),
    ("date", "degraded", 0.85),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One scan compared with the truth: a score per field (1/0; items a share)."""

    index: int
    degraded: bool
    seconds: float
    scores: dict[str, float]
    found: dict[str, Any]
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class TargetResult:
    field: str
    copy: str
    required: float
    actual: float

    @property
    def passed(self) -> bool:
        return self.actual >= self.required


@dataclass(frozen=True, slots=True)
class Report:
    seed: int
    count: int
    workers: int
    clean: dict[str, float]
    degraded: dict[str, float]
    unreadable: dict[str, int]
    seconds_per_receipt: dict[str, float]  # one worker's time per scan, by copy
    wall_seconds: float
    targets: tuple[TargetResult, ...]
    outcomes: tuple[Outcome, ...] = field(repr=False, default=())

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.targets)


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "").casefold()


def _item_share(truth: Sequence[TruthItem], found: Sequence[dict[str, Any]]) -> float:
    """Matched items over the larger of the two lists (1.0 when both are empty). An item
    matches on its exact amount, its quantity, and a description equal but for case, spaces
    and a slip or two."""
    if not truth and not found:
        return 1.0
    unused = list(found)
    matched = 0
    for item in truth:
        for candidate in unused:
            quantity = candidate.get("quantity")
            same_quantity = (item.quantity or 1) == (quantity or 1)
            similar = (
                SequenceMatcher(
                    None, _squash(item.description), _squash(str(candidate.get("description")))
                ).ratio()
                >= 0.85
            )
            if candidate.get("amount") == item.amount and same_quantity and similar:
                matched += 1
                unused.remove(candidate)
                break
    return matched / max(len(truth), len(found))


def compare(receipt: SyntheticReceipt, found: dict[str, Any]) -> dict[str, float]:
    """1.0 or 0.0 per field (items: the share matched)."""
    return {
        "merchant": float(_squash(found.get("merchant")) == _squash(receipt.merchant)),
        "date": float(found.get("date") == receipt.date),
        "total": float(found.get("total") == receipt.total),
        "subtotal": float(found.get("subtotal") == receipt.subtotal),
        "tax": float(found.get("tax") == receipt.tax),
        "tip": float(found.get("tip") == receipt.tip),
        "currency": float(found.get("currency") == receipt.currency),
        "items": _item_share(receipt.items, found.get("items") or []),
    }


def _run_one(receipt: SyntheticReceipt, degraded: bool) -> Outcome:
    from actors.ocr.decoding import UnreadableImage
    from actors.ocr.reader import scan

    data = render(receipt, degraded)
    content_type = "image/jpeg" if degraded else "image/png"
    started = time.perf_counter()
    try:
        result = scan(data, content_type)
    except UnreadableImage as exc:
        seconds = time.perf_counter() - started
        return Outcome(receipt.index, degraded, seconds, dict.fromkeys(FIELDS, 0.0), {}, str(exc))
    seconds = time.perf_counter() - started
    return Outcome(receipt.index, degraded, seconds, compare(receipt, result.fields), result.fields)


def _accuracy(outcomes: Sequence[Outcome]) -> dict[str, float]:
    if not outcomes:
        return dict.fromkeys(FIELDS, 0.0)
    return {name: sum(o.scores[name] for o in outcomes) / len(outcomes) for name in FIELDS}


def evaluate(seed: int, count: int, out: IO[str], workers: int = 2) -> Report:
    """Generate ``count`` receipts from ``seed``, read clean and degraded copies, print the
    per-field accuracy table and the targets, and return the report."""
    receipts = make_receipts(seed, count)
    jobs = [(r, degraded) for r in receipts for degraded in (False, True)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ocr-eval") as pool:
        outcomes = list(pool.map(lambda job: _run_one(*job), jobs))
    wall = time.perf_counter() - started
    clean = [o for o in outcomes if not o.degraded]
    degraded = [o for o in outcomes if o.degraded]
    accuracy = {"clean": _accuracy(clean), "degraded": _accuracy(degraded)}
    report = Report(
        seed=seed,
        count=count,
        workers=workers,
        clean=accuracy["clean"],
        degraded=accuracy["degraded"],
        unreadable={
            "clean": sum(1 for o in clean if o.failure),
            "degraded": sum(1 for o in degraded if o.failure),
        },
        seconds_per_receipt={
            "clean": sum(o.seconds for o in clean) / max(1, len(clean)),
            "degraded": sum(o.seconds for o in degraded) / max(1, len(degraded)),
        },
        wall_seconds=wall,
        targets=tuple(
            TargetResult(name, copy, need, accuracy[copy][name]) for name, copy, need in TARGETS
        ),
        outcomes=tuple(outcomes),
    )
    print_report(report, out)
    return report


def print_report(report: Report, out: IO[str]) -> None:
    w = out.write
    w(
        f"Receipt reading on {report.count} synthetic receipts (seed {report.seed}), "
        f"clean and degraded, {report.workers} worker{'s' if report.workers != 1 else ''}\n\n"
    )
    w(f"{'field':<10} {'clean':>8} {'degraded':>9}\n")
    for name in FIELDS:
        label = "items*" if name == "items" else name
        w(f"{label:<10} {report.clean[name]:>8.1%} {report.degraded[name]:>9.1%}\n")
    w(f"{'unreadable':<10} {report.unreadable['clean']:>8} {report.unreadable['degraded']:>9}\n")
    w("* items: share of printed items read with their exact amount, quantity and description\n\n")
    scans = 2 * report.count
    w(
        f"seconds per receipt (one worker): {report.seconds_per_receipt['clean']:.2f} clean, "
        f"{report.seconds_per_receipt['degraded']:.2f} degraded; "
        f"wall clock {report.wall_seconds:.1f} s for {scans} scans "
        f"({report.wall_seconds / max(1, scans):.2f} s each with {report.workers} workers)\n\n"
    )
    w("targets:\n")
    for target in report.targets:
        mark = "PASS" if target.passed else "MISS"
        need = f"{target.field} on {target.copy} receipts >= {target.required:.0%}"
        w(f"  {need:<40} {target.actual:>6.1%}  {mark}\n")
    w(f"\n{'all targets met' if report.passed else 'some targets missed'}\n")


def print_misses(report: Report, receipts: Sequence[SyntheticReceipt], out: IO[str]) -> None:
    """Each field read wrong, with what was expected (for looking into a tuning set)."""
    by_index = {r.index: r for r in receipts}
    for outcome in report.outcomes:
        receipt = by_index[outcome.index]
        copy = "degraded" if outcome.degraded else "clean"
        if outcome.failure:
            out.write(f"#{outcome.index} {copy}: unreadable: {outcome.failure}\n")
            continue
        for name in FIELDS:
            if name == "items" or outcome.scores[name] == 1.0:
                continue
            out.write(
                f"#{outcome.index} {copy} {name}: want {getattr(receipt, name)!r} "
                f"got {outcome.found.get(name)!r}\n"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ledgerbus ocr evaluate", description="Per-field accuracy of receipt reading."
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--misses", action="store_true", help="list every field read wrong")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    report = evaluate(args.seed, args.count, sys.stdout, workers=args.workers)
    if args.misses:
        sys.stdout.write("\n")
        print_misses(report, make_receipts(args.seed, args.count), sys.stdout)
    return 0 if report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
