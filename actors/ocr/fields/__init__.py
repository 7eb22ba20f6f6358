"""Receipt fields from OCR text, one concept a module (pure, no I/O): ``wording`` makes printed
text comparable, ``amounts`` reads numbers, ``labels`` names a line's kind, ``lines`` takes
lines apart, ``currency``, ``dates``, ``merchant``, ``totals`` and ``items`` each read their
field. :func:`actors.ocr.extract.extract` puts them together."""
