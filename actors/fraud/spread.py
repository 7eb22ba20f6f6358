"""How rare an amount is for this person and this kind of spending, from their own amounts.

Everyday spending of one kind is close to log-normal: a price level, and a spread around it
that differs from person to person (a commuter's fares hardly vary; shopping varies threefold).
So an amount's logarithm is measured against the mean and standard deviation of the logarithms
of the person's earlier amounts of that kind, and judged by the Student-t predictive
distribution of one more draw from a normal sample whose mean and spread are estimated:

    z = (ln v - mean) / (s * sqrt(1 + 1/n)),   z ~ t(df)

While the history is short its spread is uncertain: it is shrunk toward a population prior
(:data:`PRIOR_SPREAD`, worth :data:`PRIOR_WEIGHT` earlier amounts; at the wide end of ordinary
spending, so a short history errs toward flagging less), and ``df = PRIOR_WEIGHT + n - 1``.

If the person's amounts of that kind are log-normal, the share of their ordinary amounts with
``z`` beyond ``t_quantile(1 - tail, df)`` is ``tail``, whatever their price level and spread;
shapes with shorter upper tails on this scale (a few shops each with its price range, gamma-like
amounts) reach it less often. That is the bound on how often an honest amount can be an outlier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

PRIOR_SPREAD = 0.35  # log-scale standard deviation of ordinary spending of one kind
PRIOR_WEIGHT = 2  # ... worth this many earlier amounts
LEAVE_OUT_TAIL = 0.001  # an earlier price this far out is left out of the measure ...
MAX_LEFT_OUT = 2  # ... up to this many
LEAVE_OUT_MIN = 6  # ... and never below this many prices


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b) (a continued fraction, Lentz)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):  # the fraction converges fast on this side only
        return 1.0 - _incomplete_beta(b, a, 1.0 - x)
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            fraction *= c * d
        if abs(c * d - 1.0) < 1e-12:
            break
    return front * fraction / a


def t_upper(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom (t >= 0)."""
    return 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile (p > 0.5) of Student's t with ``df`` degrees of freedom, by bisection
    on its exact upper tail."""
    low, high = 0.0, 1.0
    while t_upper(high, df) > 1.0 - p:
        high *= 2.0
    for _ in range(100):
        middle = (low + high) / 2.0
        if t_upper(middle, df) > 1.0 - p:
            low = middle
        else:
            high = middle
    return high


@dataclass(frozen=True, slots=True)
class Spread:
    """A person's amounts of one kind, on a log scale."""

    n: int
    mean: float  # of the logarithms
    scale: float  # the predictive scale of one more amount: s * sqrt(1 + 1/n)
    df: float

    def z(self, value: Decimal) -> float:
        """How many predictive scales ``value`` is above the usual (negative: below)."""
        return (math.log(float(value)) - self.mean) / self.scale

    def beyond(self, value: Decimal, tail: float) -> float:
        """How far ``value`` is beyond the bar only ``tail`` of ordinary amounts reach (in
        scales; negative: within the bar)."""
        return self.z(value) - t_quantile(1.0 - tail, self.df)

    def bar(self, tail: float) -> Decimal:
        """The amount only ``tail`` of ordinary amounts reach."""
        edge = self.mean + t_quantile(1.0 - tail, self.df) * self.scale
        return Decimal(str(round(math.exp(edge), 2)))


def _fit(logs: Sequence[float]) -> Spread:
    n = len(logs)
    mean = math.fsum(logs) / n
    own = math.fsum((x - mean) ** 2 for x in logs)
    df = PRIOR_WEIGHT + n - 1
    pooled = (PRIOR_WEIGHT * PRIOR_SPREAD**2 + own) / df
    return Spread(n=n, mean=mean, scale=math.sqrt(pooled * (1 + 1 / n)), df=df)


def spread_of(values: Sequence[Decimal]) -> Spread | None:
    """See :func:`_spread_of_prices` (the same distinct prices give the same spread, so it is
    fitted once for a person's history however many amounts are judged against it)."""
    return _spread_of_prices(frozenset(v for v in values if v > 0))


@lru_cache(maxsize=4096)
def _spread_of_prices(prices: frozenset[Decimal]) -> Spread | None:
    """The log-scale spread of the distinct positive ``prices`` (None without any).

    Each price counts once: a fare or a subscription paid forty times is one price level, not
    forty observations of no spread, so a kind that mixes a fixed price with varied purchases
    (fares and taxi rides) keeps the spread of its varied purchases. The largest price is left
    out (up to :data:`MAX_LEFT_OUT` of them) while, measured against the others, it lies beyond
    the bar only :data:`LEAVE_OUT_TAIL` of ordinary amounts reach: an earlier outlier that was
    not flagged would otherwise widen the measure and hide the next."""
    logs = sorted(math.log(float(v)) for v in prices)
    if not logs:
        return None
    fitted = _fit(logs)
    for _ in range(MAX_LEFT_OUT):
        if len(logs) <= LEAVE_OUT_MIN:
            break
        rest = _fit(logs[:-1])
        if (logs[-1] - rest.mean) / rest.scale < t_quantile(1.0 - LEAVE_OUT_TAIL, rest.df):
            break
        logs, fitted = logs[:-1], rest
    return fitted
