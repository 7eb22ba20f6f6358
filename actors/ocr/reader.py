"""Reading a receipt with Tesseract: one engine per thread, each text line read on its own.

``scan`` is the whole pipeline for one upload (decode, clean up, OCR, extract fields, hash). It
is synchronous and CPU-bound: callers run it in a bounded thread pool. Whatever goes wrong with
one file ends as :class:`UnreadableImage` with a reason, never a hang (Tesseract is given the
time that is left) or a crash of the worker.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # before tesserocr loads: one core per reader

import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tesserocr  # type: ignore[import-untyped]
from PIL import Image

from actors.ocr.decoding import UnreadableImage, load_image
from actors.ocr.extract import OcrLine, OcrText, OcrWord, extract
from actors.ocr.phash import perceptual_hash
from actors.ocr.preprocessing import preprocess
from actors.ocr.rows import TextRow, find_rows
from bus.receipts import ReceiptFields

LANGUAGE = "eng"
TOO_SLOW = "took too long to read"


def tessdata_dir() -> Path:
    """Where ``eng.traineddata`` is: $TESSDATA_PREFIX, else the environment's share/tessdata."""
    for candidate in (os.environ.get("TESSDATA_PREFIX"), Path(sys.prefix) / "share" / "tessdata"):
        if candidate and (Path(candidate) / f"{LANGUAGE}.traineddata").is_file():
            return Path(candidate)
    raise RuntimeError(f"no {LANGUAGE}.traineddata found (set TESSDATA_PREFIX)")


_local = threading.local()


def _engine() -> Any:
    """This thread's Tesseract engine, made on first use and kept for the thread's life."""
    api = getattr(_local, "api", None)
    if api is None:
        api = tesserocr.PyTessBaseAPI(
            path=str(tessdata_dir()),
            lang=LANGUAGE,
            psm=tesserocr.PSM.SINGLE_LINE,
            oem=tesserocr.OEM.LSTM_ONLY,
        )
        api.SetVariable("user_defined_dpi", "300")
        api.SetVariable("debug_file", os.devnull)
        _local.api = api
    return api


def _words(api: Any, level: int) -> list[list[OcrWord]]:
    """The words recognised, grouped by text line (confidences 0..1)."""
    lines: list[list[OcrWord]] = []
    iterator = api.GetIterator()
    if iterator is None:
        return lines
    for item in tesserocr.iterate_level(iterator, level):
        try:
            text = item.GetUTF8Text(level)
        except RuntimeError:  # an empty result
            continue
        if not text or not text.strip():
            continue
        box = item.BoundingBox(level)
        word = OcrWord(
            text.strip(),
            max(0.0, min(1.0, item.Confidence(level) / 100.0)),
            (int(box[0]), int(box[1]), int(box[2]), int(box[3])) if box else (0, 0, 0, 0),
        )
        if not lines or item.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            lines.append([])
        lines[-1].append(word)
    return lines


def _recognize(api: Any, deadline: float) -> None:
    left_ms = int((deadline - time.monotonic()) * 1000)
    if left_ms <= 0 or (not api.Recognize(timeout=left_ms) and time.monotonic() >= deadline):
        raise UnreadableImage(TOO_SLOW)


def _read_rows(api: Any, img: Image.Image, rows: list[TextRow], deadline: float) -> OcrText:
    api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
    lines: list[OcrLine] = []
    for row in rows:
        pad = max(2, int(0.3 * row.height))
        top, bottom = max(0, row.top - pad), min(img.height, row.bottom + pad)
        words: list[OcrWord] = []
        for x0, x1 in row.segments:
            left, right = max(0, x0 - pad), min(img.width, x1 + pad)
            api.SetRectangle(left, top, right - left, bottom - top)
            _recognize(api, deadline)
            for found in _words(api, tesserocr.RIL.WORD):
                words.extend(found)
        if words:
            lines.append(OcrLine(tuple(words), row.top, row.bottom))
    return OcrText(tuple(lines))


def _read_page(api: Any, deadline: float) -> OcrText:
    """Tesseract's own layout analysis, for pages where no text rows were found."""
    api.SetPageSegMode(tesserocr.PSM.AUTO)
    _recognize(api, deadline)
    lines = []
    for words in _words(api, tesserocr.RIL.WORD):
        top = min(w.box[1] for w in words)
        bottom = max(w.box[3] for w in words)
        lines.append(OcrLine(tuple(words), top, bottom))
    return OcrText(tuple(lines))


def read_text(img: Image.Image, timeout_ms: int) -> OcrText:
    """OCR a preprocessed page: its text lines, top to bottom, with word confidences. Raises
    UnreadableImage if Tesseract needs more than ``timeout_ms``."""
    deadline = time.monotonic() + max(1, timeout_ms) / 1000
    api = _engine()
    gray = img.convert("L")
    api.SetImage(gray)
    try:
        rows = find_rows(gray)
        return _read_rows(api, gray, rows, deadline) if rows else _read_page(api, deadline)
    finally:
        api.Clear()


@dataclass(frozen=True, slots=True)
class Scan:
    """What reading one receipt found: ``fields`` validates as ``bus.receipts.ReceiptFields``
    (Decimal amounts, a ``date``, an ISO currency code), with a 0..1 confidence per field."""

    fields: dict[str, Any]
    confidence: dict[str, float]
    checks: dict[str, bool]
    text: str
    phash: str
    width: int
    height: int


def scan(data: bytes, content_type: str, timeout_ms: int = 20_000) -> Scan:
    """Read one uploaded receipt: decode, clean up, OCR, extract the fields, hash the image."""
    deadline = time.monotonic() + timeout_ms / 1000
    try:
        img = load_image(data, content_type)
        width, height = img.size
        work = preprocess(img)
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            raise UnreadableImage(TOO_SLOW)
        ocr = read_text(work, left_ms)
        if not any(line.words for line in ocr.lines):
            raise UnreadableImage("no text was found in the image")
        found = extract(ocr)
        fields = ReceiptFields.model_validate(found.fields)
        return Scan(
            fields={name: getattr(fields, name) for name in type(fields).model_fields}
            | {"items": [dict(item) for item in fields.items]},
            confidence=dict(found.confidence),
            checks=dict(found.checks),
            text=ocr.text,
            phash=perceptual_hash(work),
            width=width,
            height=height,
        )
    except UnreadableImage:
        raise
    except MemoryError:
        raise UnreadableImage("the image is too large to read") from None
    except Exception as exc:
        raise UnreadableImage(f"could not be read ({type(exc).__name__})") from exc
