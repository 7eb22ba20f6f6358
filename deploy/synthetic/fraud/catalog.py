"""The synthetic data generators a fraud scorer is evaluated on, and the seeds it may see.

- ``classic`` (:mod:`deploy.synthetic.fraud.generator`): people, trips, budgets, receipts and seven
  patterns, with the honest look-alikes of each;
- ``lognormal`` (:mod:`deploy.synthetic.fraud.lognormal`): heavy-tailed everyday spending with paydays,
  weekends, trips abroad and honest fixed-price repeats; duplicates, outliers, card testing;
- ``statements`` (:mod:`deploy.synthetic.fraud.statements`): expenses typed, read from receipts and
  imported from statements with their own spellings, households posting group bills;
  duplicates, outliers and bursts only in the last ten days.

Every generator is ``generate(seed, users=300, days=90) -> Dataset``. Tuning a scorer (choosing
its thresholds and weights) may use :data:`TUNING_SEEDS` only. :data:`HELD_OUT_SEEDS` were drawn
once at random (``secrets``) and written here as literals; tuning never uses them, so the
figures measured on them say how the scorer does on data it was not fitted to.
"""

from __future__ import annotations

from collections.abc import Callable

from deploy.synthetic.fraud import classic_drafts, generator, lognormal, statements
from deploy.synthetic.fraud.dataset import Dataset

GENERATORS: dict[str, Callable[..., Dataset]] = {
    "classic": generator.generate,
    "lognormal": lognormal.generate,
    "statements": statements.generate,
}
PATTERNS_OF: dict[str, tuple[str, ...]] = {
    "classic": classic_drafts.PATTERNS,
    "lognormal": lognormal.PATTERNS,
    "statements": statements.PATTERNS,
}
TUNING_SEEDS: dict[str, tuple[int, ...]] = {
    "classic": (1, 2, 3),
    "lognormal": (1, 2, 3),
    "statements": (1, 2, 3),
}
"""Seeds a scorer may be tuned on."""
HELD_OUT_SEEDS: dict[str, tuple[int, ...]] = {
    "classic": (151634912, 617364150, 1460470880),
    "lognormal": (481801542, 1093820663, 278658920),
    "statements": (1666031507, 328397620, 1015427968),
}
"""Seeds drawn once with ``secrets`` and never used for tuning: evaluation only."""
