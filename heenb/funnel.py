"""Funnel plots comparing units (local offices, trusts) on a proportion.

The method is Spiegelhalter's (Statistics in Medicine 2005; 24:1185-1202, and
"Handling over-dispersion of performance indicators", Quality and Safety in
Health Care 2005; 14:347-351), as implemented for proportions (``data_type =
"PR"``) by the NHS-R package FunnelPlotR:

1. target p0 = sum of numerators / sum of denominators;
2. each unit's proportion p = r / n is transformed to y = asin(sqrt(p)), whose
   standard error is s = 1 / (2 sqrt(n)); the unadjusted z-score is
   z = (y - asin(sqrt(p0))) / s;
3. the z-scores are Winsorised at 10% each end: a z below the 10th percentile
   of the z-scores is replaced by that percentile, one above the 90th by the
   90th. Percentiles interpolate linearly between order statistics (R's default
   ``quantile`` type 7, as FunnelPlotR; numpy's default ``"linear"`` method);
4. the overdispersion ratio phi is the mean of the Winsorised z squared;
5. with k units and weights w = 1 / s^2, the between-unit variance is
   tau2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w));
   when phi <= 1 there is no overdispersion and tau2 = 0 (FunnelPlotR instead
   zeroes tau2 only when k phi < k - 1; the two differ only for phi between
   (k - 1) / k and 1, where this module follows the project's rule);
6. limits are sin^2(asin(sqrt(p0)) +/- z_alpha sqrt(s^2 + tau2)) with
   z_alpha = 1.959964 (95%) and 3.090232 (99.8%); the angle is clipped to
   [0, pi/2] first, so limits stay within [0, 1] and do not fold back.

Which units are outliers, and the limits drawn, depend on ``method``:

- ``method="exact"`` (the default): a unit with r of n is low when
  P(X <= r) < 0.001 and high when P(X >= r) < 0.001, X ~ Binomial(n, p0) (two
  sided 99.8%; 0.025 for the 95% limits), summed exactly
  (:func:`binomial_tails`). The arcsine z-score fails at 0% and 100% and with
  few expected events: 0 of 190 at p0 = 2.0% has z = -3.91, yet happens by
  chance 2.2% of the time, so it is not flagged. Without overdispersion
  (tau2 = 0) the limits are the exact binomial limits, interpolated between
  counts as Spiegelhalter (2005) describes. With overdispersion (tau2 > 0) a
  unit is an outlier only when its tau2-adjusted arcsine z-score lies beyond
  +/- 3.090232 *and* its exact tail without overdispersion is below 0.001, and
  each limit is the wider of the widened arcsine limit and the exact one: the
  adjustment still widens the funnel, and no unit is flagged that chance alone
  explains.
- ``method="arcsine"``: FunnelPlotR's: an outlier when the (adjusted) z-score,
  (y - asin(sqrt(p0))) / sqrt(s^2 + tau2), lies beyond +/- 3.090232, with the
  arcsine limits of step 6.

Either way a unit is an outlier exactly when its proportion lies outside the
99.8% limits. The ``z`` column is always the arcsine z-score.

From pandas, as FunnelPlotR's ``funnel_plot(data, numerator, denominator,
group)``::

    limits = proportion_limits(df, numerator="good", denominator="asked", group="trust")
    limits.phi, limits.tau2        # overdispersion ratio and between-unit variance
    limits.outliers()              # the units beyond the 99.8% limits
    limits.summary()               # one row: units, target, phi, tau2, outliers

Proportions, targets and limits are fractions (0-1), as everywhere in heenb.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from statistics import NormalDist

import numpy as np
import pandas as pd

from heenb.checks import as_floats, check_counts, check_not_above, check_positive, shared_index
from heenb.errors import ArgumentError

__all__ = [
    "FunnelLimits",
    "METHODS",
    "WINSORISE_BY",
    "Z95",
    "Z998",
    "binomial_tails",
    "estimate_overdispersion",
    "exact_outlier",
    "limit_curves",
    "limits_at",
    "proportion_limits",
    "winsorise",
]

#: Two-sided standard normal quantiles used by FunnelPlotR for the 95% and 99.8% limits.
Z95 = 1.959964
Z998 = 3.090232
#: Fraction of z-scores Winsorised at each end before estimating phi.
WINSORISE_BY = 0.1
#: How outliers are judged: exact binomial tails (the default) or FunnelPlotR's arcsine z.
METHODS = ("exact", "arcsine")
#: Binomial sums run over counts within this many standard deviations, plus this many
#: counts, of the mean; the probability of a count beyond is below 1e-21.
_WINDOW_SDS = 10.0
_WINDOW_COUNTS = 40.0

_LIMIT_COLUMNS = ["lower95", "upper95", "lower998", "upper998"]


def _limits(target: float, s: np.ndarray, tau2: float) -> dict[str, np.ndarray]:
    """The four funnel limits (fractions) for standard errors ``s`` on the angle scale."""
    centre = math.asin(math.sqrt(target))
    se = np.sqrt(s**2 + tau2)
    out = {}
    for name, z in (("95", Z95), ("998", Z998)):
        for side, sign in (("lower", -1), ("upper", 1)):
            angle = np.clip(centre + sign * z * se, 0.0, math.pi / 2)
            out[f"{side}{name}"] = np.sin(angle) ** 2
    return out


def _check_method(method) -> str:
    if method not in METHODS:
        raise ArgumentError(
            f"method must be 'exact' (binomial tail probabilities) or 'arcsine' (FunnelPlotR's "
            f"z-score), not {method!r}."
        )
    return method


def _funnel_limits(
    target: float, denominators: np.ndarray, tau2: float, method: str
) -> dict[str, np.ndarray]:
    """The four limits by ``method`` (see the module's description)."""
    arcsine = _limits(target, 1 / (2 * np.sqrt(denominators)), tau2)
    if method == "arcsine":
        return arcsine
    exact = _exact_limits(target, denominators)
    if tau2 == 0:
        return exact
    return {
        column: (np.minimum if column.startswith("lower") else np.maximum)(
            exact[column], arcsine[column]
        )
        for column in _LIMIT_COLUMNS
    }


def winsorise(z: np.ndarray, by: float = WINSORISE_BY) -> np.ndarray:
    """Replace values below the ``by`` quantile / above the ``1 - by`` quantile by those quantiles.

    Quantiles by linear interpolation (R type 7), as FunnelPlotR.
    """
    low, high = np.quantile(z, [by, 1 - by])
    return np.clip(z, low, high)


def estimate_overdispersion(z: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """Spiegelhalter's overdispersion ratio phi and between-unit variance tau2.

    Parameters
    ----------
    z : array
        Unadjusted z-scores, one per unit.
    s : array
        Within-unit standard errors on the transformed scale.

    Returns
    -------
    (phi, tau2)
        phi is the mean squared Winsorised z-score; tau2 is 0 when phi <= 1.
    """
    k = len(z)
    phi = float(np.mean(winsorise(z) ** 2))
    if phi <= 1:
        return phi, 0.0
    w = 1 / s**2
    tau2 = (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum())
    return phi, float(max(0.0, tau2))


# --------------------------------------------------------------------------- exact binomial


def _as_counts(values, name: str) -> np.ndarray:
    """Whole numbers 0 or more, as a float array (for the binomial sums)."""
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array % 1 != 0):
        raise ArgumentError(f"{name} must be whole numbers of 0 or more.")
    return array


def _window(n: np.ndarray, p: np.ndarray, k: np.ndarray | None = None):
    """The counts to sum over: within 10 standard deviations plus 40 counts of the mean n p,
    and ``k`` itself, within [0, n]. By Bernstein's inequality, P(|X - n p| >= t) <=
    2 exp(-t^2 / (2 (n p (1 - p) + t / 3))), a count beyond that window has probability
    below 1e-21."""
    spread = _WINDOW_SDS * np.sqrt(n * p * (1 - p)) + _WINDOW_COUNTS
    lo = np.clip(np.floor(n * p - spread), 0, n)
    hi = np.clip(np.ceil(n * p + spread), 0, n)
    if k is not None:
        lo, hi = np.minimum(lo, k), np.maximum(hi, k)
    return lo.astype(np.int64), hi.astype(np.int64)


def _pmf(n: float, p: float, lo: int, hi: int) -> np.ndarray:
    """P(X = j) for j = lo..hi, X ~ Binomial(n, p), 0 < p < 1, over a window holding all
    but a negligible part of the distribution (see :func:`_window`).

    Built from the ratio of successive terms, P(X = j) / P(X = j - 1) =
    (n - j + 1) p / (j (1 - p)), summed on the log scale, then scaled so the window sums
    to 1 (rather than from log-gamma functions of n, whose rounding grows with n).
    """
    j = np.arange(lo + 1, hi + 1, dtype=float)
    steps = np.log((n - j + 1) / j) + (math.log(p) - math.log1p(-p))
    log_terms = np.concatenate(([0.0], np.cumsum(steps)))
    terms = np.exp(log_terms - log_terms.max())
    return terms / math.fsum(terms)


def _lower_tail(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X <= k), X ~ Binomial(n, p), element by element (arrays of one shape).

    Units with the same n, p and window share their terms: each set is made once and
    each unit sums its own part of it."""
    out = np.where(p <= 0, 1.0, np.where(k >= n, 1.0, 0.0))  # p = 0 or p = 1
    inner = np.flatnonzero((p > 0) & (p < 1) & (k < n))
    if inner.size == 0:
        return out
    kk, nn, pp = k[inner], n[inner], p[inner]
    lo, hi = _window(nn, pp, kk)
    made: dict[tuple, np.ndarray] = {}
    units = zip(inner.tolist(), kk.tolist(), nn.tolist(), pp.tolist(), lo.tolist(), hi.tolist(),
                strict=True)  # fmt: skip
    for at, k_i, n_i, p_i, lo_i, hi_i in units:
        terms = made.get((n_i, p_i, lo_i, hi_i))
        if terms is None:
            terms = made[n_i, p_i, lo_i, hi_i] = _pmf(n_i, p_i, lo_i, hi_i)
        # The window's terms up to k: those below lo_i sum to less than 1e-21.
        out[at] = min(1.0, math.fsum(terms[: int(k_i) - lo_i + 1]))
    return out


def _tail_arguments(k, n, p) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``k``, ``n`` and ``p`` as float arrays broadcast to one shape, checked: whole counts
    with 0 <= k <= n, probabilities in [0, 1]."""
    k, n, p = np.broadcast_arrays(
        _as_counts(k, "k"), _as_counts(n, "n"), np.asarray(p, dtype=float)
    )
    if np.any(k > n):
        raise ArgumentError("k must be at most n (an event counted at most once per trial).")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ArgumentError("p must be probabilities between 0 and 1.")
    return k, n, p


def binomial_tails(k, n, p) -> tuple[np.ndarray, np.ndarray]:
    """P(X <= k) and P(X >= k) for X ~ Binomial(n, p): exact sums, element by element.

    Parameters
    ----------
    k, n : array-like of whole numbers
        Counts observed and trials, 0 <= k <= n (broadcast against each other and ``p``).
    p : array-like of floats in [0, 1]
        Probability of the event in each trial.

    Returns
    -------
    (lower, upper) : arrays
        ``lower`` is P(X <= k), ``upper`` is P(X >= k). Each is the sum of binomial
        probabilities (built from the ratio of successive terms), summed on its own
        side, so a small tail is not lost to rounding in 1 - P. Counts more than 10
        standard deviations plus 40 from the mean (other than ``k``) are left out of the
        sums; together their probability is below 1e-21.
    """
    k, n, p = _tail_arguments(k, n, p)
    shape = k.shape
    k, n, p = k.ravel(), n.ravel(), p.ravel()
    lower = _lower_tail(k, n, p)
    # P(X >= k) = P(n - X <= n - k), with n - X ~ Binomial(n, 1 - p).
    upper = _lower_tail(n - k, n, 1 - p)
    return lower.reshape(shape), upper.reshape(shape)


def _z_for(level: float) -> float:
    """The two-sided standard normal quantile for ``level`` (FunnelPlotR's for 95, 99.8%)."""
    if math.isclose(level, 0.998):
        return Z998
    if math.isclose(level, 0.95):
        return Z95
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def _check_level(level) -> float:
    if not isinstance(level, int | float) or isinstance(level, bool) or not 0 < level < 1:
        raise ArgumentError(
            f"level must be a two-sided coverage between 0 and 1 (0.998 for 99.8%), not {level!r}."
        )
    return float(level)


def exact_outlier(k, n, centre, level: float = 0.998, tau2: float = 0.0) -> np.ndarray:
    """Outlier verdicts from exact binomial tail probabilities: "high", "low" or "".

    A unit with ``k`` events in ``n`` is ``"low"`` when P(X <= k) < (1 - level) / 2 and
    ``"high"`` when P(X >= k) < (1 - level) / 2, for X ~ Binomial(n, centre); at 99.8%,
    when either tail is below 0.001. This is right at 0% and 100% and with few expected
    events, where the arcsine z-score is not: 0 of 190 at 2.0% happens by chance 2.2% of
    the time, so it is not an outlier, though its arcsine z-score is -3.91.

    With overdispersion (``tau2`` > 0, the between-unit variance on the arcsine scale), a
    unit is an outlier only when *both* its arcsine z-score adjusted for tau2,
    (asin(sqrt(k / n)) - asin(sqrt(centre))) / sqrt(1 / (4 n) + tau2), lies beyond the
    level's normal quantile (3.090232 at 99.8%) *and* the exact tail without
    overdispersion is below (1 - level) / 2: the widened limits are kept, and no unit is
    flagged that chance alone explains.

    Parameters
    ----------
    k, n : array-like
        Numerators and denominators, whole numbers with 0 <= k <= n and n > 0.
    centre : float or array-like
        The funnel's centre line (a fraction): the pooled rate, or England's.
    level : float, default 0.998
        Two-sided coverage of the limits (0.95 for the 95% limits).
    tau2 : float, default 0
        Between-unit variance (``attrs["tau2"]`` of :func:`proportion_limits`).

    Returns
    -------
    numpy array of str
        One verdict per unit, in order (same shape as the inputs broadcast).
    """
    level = _check_level(level)
    if not isinstance(tau2, int | float) or isinstance(tau2, bool) or not tau2 >= 0:
        raise ArgumentError(f"tau2 must be a variance of 0 or more, not {tau2!r}.")
    k, n, centre = np.broadcast_arrays(
        _as_counts(k, "k"), _as_counts(n, "n"), np.asarray(centre, dtype=float)
    )
    if np.any(n <= 0):
        raise ArgumentError("n must be greater than 0 (a unit with no trials has no rate).")
    k, n, centre = _tail_arguments(k, n, centre)
    shape = k.shape
    k, n, centre = k.ravel(), n.ravel(), centre.ravel()
    # Only the tails that can decide are summed. A tail holding a median of X is at least
    # 1/2, never below alpha (< 1/2), and a median lies between floor(n p) and ceil(n p):
    # a count of at least n p + 1 is never low, one of at most n p - 1 never high.
    maybe_low, maybe_high = k < n * centre + 1, k > n * centre - 1
    if tau2 > 0:  # then also the widened arcsine z-score must lie beyond the level's
        z = _arcsine_z(k / n, n, centre, float(tau2))
        z_level = _z_for(level)
        maybe_low, maybe_high = maybe_low & (z < -z_level), maybe_high & (z > z_level)
    alpha = (1 - level) / 2
    low, high = np.zeros(k.shape, dtype=bool), np.zeros(k.shape, dtype=bool)
    at = np.flatnonzero(maybe_low)
    low[at] = _lower_tail(k[at], n[at], centre[at]) < alpha
    at = np.flatnonzero(maybe_high)
    # P(X >= k) = P(n - X <= n - k), with n - X ~ Binomial(n, 1 - p), as binomial_tails.
    high[at] = _lower_tail(n[at] - k[at], n[at], 1 - centre[at]) < alpha
    return np.where(high, "high", np.where(low, "low", "")).reshape(shape)


def _arcsine_z(proportion, n, centre, tau2: float):
    """(asin(sqrt(p)) - asin(sqrt(centre))) / sqrt(1 / (4 n) + tau2)."""
    s2 = 1 / (4 * np.asarray(n, dtype=float))
    return (np.arcsin(np.sqrt(proportion)) - np.arcsin(np.sqrt(centre))) / np.sqrt(s2 + tau2)


@lru_cache(maxsize=65536)
def _limit_counts(n: float, p: float, alphas: tuple[float, ...]) -> tuple[tuple[float, float], ...]:
    """The counts below and above which a unit is flagged, interpolated (Spiegelhalter 2005),
    for each tail probability of ``alphas``. Kept for the process: funnels of the same centre
    (England's rate, a local office's) are drawn again on many pages, at the same n.

    Lower: with r the smallest count whose P(X <= r) >= alpha, the limit is
    r - (P(X <= r) - alpha) / P(X = r), between r - 1 and r, so a count k lies below it
    exactly when P(X <= k) < alpha. Upper, the mirror: with r the smallest count whose
    P(X >= r) < alpha, the limit is r - (alpha - P(X >= r)) / P(X = r - 1), between
    r - 1 and r, so k lies above it exactly when P(X >= k) < alpha. Both move smoothly
    as alpha (or n) changes.
    """
    if p <= 0:  # X is 0: any count above 0 is flagged high
        return tuple((0.0, 1 - alpha) for alpha in alphas)
    if p >= 1:  # X is n: any count below n is flagged low
        return tuple((n - (1 - alpha), n) for alpha in alphas)
    lo, hi = (int(v[0]) for v in _window(np.array([n]), np.array([p])))
    pmf = _pmf(n, p, lo, hi)
    cdf = np.cumsum(pmf)
    survival = np.cumsum(pmf[::-1])[::-1]  # P(X >= j), summed from the top
    out = []
    for alpha in alphas:
        r = min(int(np.searchsorted(cdf, alpha)), len(cdf) - 1)  # first cdf >= alpha
        lower = lo + r - (cdf[r] - alpha) / pmf[r]
        below = survival < alpha
        r = int(np.argmax(below)) if below.any() else len(pmf)  # first P(X >= j) < alpha
        above = survival[r] if r < len(pmf) else 0.0
        upper = lo + r - (alpha - above) / pmf[r - 1] if r > 0 else float(lo)
        out.append((float(lower), float(upper)))
    return tuple(out)


def _exact_limits(target: float, denominators: np.ndarray) -> dict[str, np.ndarray]:
    """The four limits (fractions) from exact binomial tails at ``target``, no overdispersion.

    Denominators are rounded to whole numbers (at least 1) for the sums. A proportion
    lies below the lower limit exactly when P(X <= k) < alpha and above the upper limit
    exactly when P(X >= k) < alpha, alpha = 0.025 (95%) or 0.001 (99.8%).
    """
    counts = np.maximum(1.0, np.round(denominators))
    out = {column: np.empty(len(counts)) for column in _LIMIT_COLUMNS}
    for i, n in enumerate(counts):
        limits = _limit_counts(float(n), target, (0.025, 0.001))
        for name, (lower, upper) in zip(("95", "998"), limits, strict=True):
            out[f"lower{name}"][i], out[f"upper{name}"][i] = lower / n, upper / n
    return {column: np.clip(values, 0.0, 1.0) for column, values in out.items()}


def _units(numerator, denominator, labels) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Validated numerators, denominators and the index to report them under."""
    index = shared_index(numerator, denominator)
    num, den = as_floats(numerator, "numerator"), as_floats(denominator, "denominator")
    if num.ndim != 1 or den.ndim != 1:
        raise ArgumentError("numerator and denominator must be one-dimensional (one per unit).")
    if len(num) != len(den):
        raise ArgumentError(
            f"numerator has {len(num)} values but denominator has {len(den)}; "
            f"give one of each per unit."
        )
    if labels is not None:
        labels = list(labels)
        if len(labels) != len(num):
            raise ArgumentError(
                f"labels has {len(labels)} values but there are {len(num)} units; give one "
                f"label per unit."
            )
        index = pd.Index(labels)
    elif index is None:
        index = pd.RangeIndex(len(num))
    if len(num) < 2:
        raise ArgumentError(
            f"A funnel plot compares units with each other; it needs at least 2 units, "
            f"not {len(num)}."
        )
    names = None if isinstance(index, pd.RangeIndex) and labels is None else list(index)
    check_counts(num, "numerator", names)
    check_counts(den, "denominator", names)
    check_positive(den, "denominator", names)
    check_not_above(num, den, "numerator", "denominator", names)
    return num, den, index


class FunnelLimits(pd.DataFrame):
    """The table :func:`proportion_limits` returns: a DataFrame with the funnel's figures.

    One row per unit (see :func:`proportion_limits` for the columns), with
    ``phi``, ``tau2``, ``target`` and ``overdispersion`` as attributes (also
    kept in ``attrs``), and :meth:`outliers` and :meth:`summary`, as
    FunnelPlotR's ``phi()``, ``tau2()``, ``outliers()`` and ``summary()``.
    Tables derived from it (slices, copies) are plain DataFrames.
    """

    @property
    def _constructor(self):
        # Tables derived from this one (slices, copies, merges) are plain DataFrames.
        return pd.DataFrame

    @property
    def phi(self) -> float:
        """Overdispersion ratio: the mean squared Winsorised z-score (always estimated)."""
        return self.attrs["phi"]

    @property
    def tau2(self) -> float:
        """Between-unit variance used in the limits (0 when not applied)."""
        return self.attrs["tau2"]

    @property
    def target(self) -> float:
        """The pooled proportion p0, the funnel's centre line (a fraction)."""
        return self.attrs["target"]

    @property
    def method(self) -> str:
        """How outliers were judged: ``"exact"`` or ``"arcsine"``."""
        return self.attrs.get("method", "arcsine")

    @property
    def overdispersion(self) -> bool:
        """True when the limits were widened by tau2 > 0."""
        return self.attrs["overdispersion"]

    def outliers(self, level: str = "99.8") -> pd.DataFrame:
        """The units beyond the 99.8% (or ``"95"``) limits, highest z-score first.

        Returns a plain DataFrame with this table's columns and an ``outside``
        column (``"high"`` or ``"low"``) for the level asked.
        """
        if level not in ("99.8", "95"):
            raise ArgumentError(f"level must be '99.8' or '95' (per cent limits); got {level!r}.")
        name = level.replace(".", "")
        proportion = self["proportion"]
        if level == "99.8":
            outside = self["outlier"].fillna("").astype(str).to_numpy()
        else:
            outside = np.where(
                proportion > self[f"upper{name}"],
                "high",
                np.where(proportion < self[f"lower{name}"], "low", ""),
            )
        table = pd.DataFrame(self).assign(outside=outside)
        return table[table["outside"] != ""].sort_values("z", ascending=False)

    def summary(self) -> pd.DataFrame:
        """One row: units, target, phi, tau2, whether limits were widened, and how
        many units lie above and below the 95% and 99.8% limits."""
        proportion = self["proportion"]
        return pd.DataFrame(
            [
                {
                    "units": len(self),
                    "target": self.target,
                    "phi": self.phi,
                    "tau2": self.tau2,
                    "overdispersion": self.overdispersion,
                    "above_95": int((proportion > self["upper95"]).sum()),
                    "below_95": int((proportion < self["lower95"]).sum()),
                    "above_998": int((self["outlier"] == "high").sum()),
                    "below_998": int((self["outlier"] == "low").sum()),
                }
            ]
        )


def proportion_limits(
    data=None,
    denominator=None,
    overdispersion: bool = True,
    labels: Sequence | None = None,
    *,
    numerator=None,
    group: str | None = None,
    method: str = "exact",
) -> FunnelLimits:
    """Funnel plot data for a proportion: each unit's value, its limits and outlier status.

    Call it with a data frame and its column names,
    ``proportion_limits(df, numerator="good", denominator="asked", group="trust")``,
    or with the counts themselves, ``proportion_limits(numerators, denominators)``.

    Parameters
    ----------
    data : DataFrame, or array-like or Series of numerators
        A data frame (one row per unit) whose columns ``numerator``,
        ``denominator`` and ``group`` name; or the numerators: the count with
        the attribute in each unit (e.g. learners rating training good or
        better), 0 or more, at most the denominator.
    denominator : str, or array-like or Series
        With a data frame, the column of denominators; else the count in each
        unit (e.g. survey respondents). Greater than 0.
    overdispersion : bool, default True
        Widen the limits by the between-unit variance tau2 when the units vary
        more than chance allows (phi > 1). With False, tau2 is 0.
    labels : sequence, optional
        Unit names for the index; by default the Series' index (or 0, 1, ...).
    numerator : str, optional
        With a data frame, the column of numerators.
    group : str, optional
        With a data frame, the column naming each unit: it becomes the index
        (named after the column); by default the data frame's index.
    method : {"exact", "arcsine"}, default "exact"
        How outliers are judged and the limits drawn: exact binomial tail
        probabilities (with tau2 > 0, also beyond the widened arcsine limits),
        or FunnelPlotR's arcsine z-score alone. See the module's description.

    Returns
    -------
    FunnelLimits
        A DataFrame with one row per unit, columns:

        - ``numerator``, ``denominator``: the counts given;
        - ``proportion``: numerator / denominator, a fraction (0-1);
        - ``target``: the pooled proportion p0, the funnel's centre line;
        - ``lower95``, ``upper95``, ``lower998``, ``upper998``: the funnel limits
          at this unit's denominator, fractions within [0, 1];
        - ``z``: (asin(sqrt(p)) - asin(sqrt(p0))) / sqrt(s^2 + tau2), the z-score
          on the arcsine scale, adjusted for overdispersion when applied;
        - ``outlier``: ``"high"`` above the 99.8% limit, ``"low"`` below it,
          ``""`` otherwise (by ``method``; with ``"exact"`` it may differ from
          what ``z`` alone says, at 0%, 100% or few expected events).

        ``phi`` (overdispersion ratio, always estimated), ``tau2``
        (between-unit variance used in the limits, 0 when not applied),
        ``target`` (p0), ``overdispersion`` (True when tau2 > 0 was applied)
        and ``method`` are attributes, also kept in ``attrs``; ``outliers()``
        and ``summary()`` are methods.

    Raises
    ------
    ArgumentError
        Fewer than 2 units; lengths that differ; a missing (NaN) or negative
        count; a denominator of 0; a numerator above its denominator; with
        ``method="exact"``, a count that is not a whole number; an unknown
        ``method``; with a data frame, a column it does not have or a unit named
        twice.
    """
    _check_method(method)
    if isinstance(data, pd.DataFrame):
        numerator, denominator, labels = _frame_columns(data, numerator, denominator, group)
    else:
        if group is not None:
            raise ArgumentError(
                f"group={group!r} names a column, so the first argument must be a DataFrame; "
                f"got {type(data).__name__}. Pass the data frame, or labels= with the counts."
            )
        if data is not None and numerator is not None:
            raise ArgumentError(
                "give the numerators once: as the first argument or as numerator=, not both."
            )
        numerator = data if data is not None else numerator
        if numerator is None or denominator is None:
            raise ArgumentError(
                "proportion_limits needs numerators and denominators: a DataFrame with "
                "numerator= and denominator= column names, or the two sets of counts."
            )
    num, den, index = _units(numerator, denominator, labels)
    if method == "exact" and (np.any(num % 1 != 0) or np.any(den % 1 != 0)):
        raise ArgumentError(
            "the exact method counts events, so numerators and denominators must be whole "
            "numbers; for other figures pass method='arcsine' (FunnelPlotR's z-score)."
        )
    target = num.sum() / den.sum()
    y0 = math.asin(math.sqrt(target))
    s = 1 / (2 * np.sqrt(den))
    z_unadjusted = (np.arcsin(np.sqrt(num / den)) - y0) / s
    phi, tau2 = estimate_overdispersion(z_unadjusted, s)
    tau2 = tau2 if overdispersion else 0.0
    z = z_unadjusted * s / np.sqrt(s**2 + tau2)
    out = FunnelLimits(
        {
            "numerator": num,
            "denominator": den,
            "proportion": num / den,
            "target": target,
            **_funnel_limits(target, den, tau2, method),
            "z": z,
        },
        index=index,
    )
    if method == "arcsine":
        out["outlier"] = np.where(z > Z998, "high", np.where(z < -Z998, "low", ""))
    else:
        out["outlier"] = exact_outlier(num, den, target, tau2=tau2)
    out.attrs.update(
        phi=phi, tau2=tau2, target=float(target), overdispersion=tau2 > 0, method=method
    )
    return out


def _frame_columns(df: pd.DataFrame, numerator, denominator, group):
    """The numerator and denominator columns and the unit labels of a data frame."""
    for name, column, required in (
        ("numerator", numerator, True),
        ("denominator", denominator, True),
        ("group", group, False),
    ):
        if column is None and not required:
            continue
        if not isinstance(column, str) or column not in df.columns:
            raise ArgumentError(
                f"{name} must name a column of the data frame; got {column!r}. Its columns "
                f"are {list(df.columns)}."
            )
    labels = pd.Index(df[group], name=group) if group is not None else df.index
    if labels.has_duplicates:
        twice = labels[labels.duplicated()][0]
        where = f"column {group!r}" if group is not None else "the index"
        raise ArgumentError(
            f"{where} names unit {twice!r} more than once; a funnel plot has one row per "
            "unit (sum each unit's counts first)."
        )
    num = pd.Series(df[numerator].to_numpy(), index=labels, name=numerator)
    den = pd.Series(df[denominator].to_numpy(), index=labels, name=denominator)
    return num, den, None


def limit_curves(
    target: float,
    tau2: float,
    denominators_range: tuple[float, float],
    points: int = 200,
    *,
    method: str = "exact",
) -> pd.DataFrame:
    """Funnel limits over a range of denominators, for drawing smooth funnel curves.

    Parameters
    ----------
    target : float
        Centre line p0, a fraction in [0, 1] (``attrs["target"]`` of
        :func:`proportion_limits`).
    tau2 : float
        Between-unit variance, 0 or more (``attrs["tau2"]``).
    denominators_range : (float, float)
        Smallest and largest denominator to draw, both greater than 0.
    points : int, default 200
        Number of denominators, spaced evenly on a log scale (so the curves are
        smooth where they bend most, at small denominators); at least 2.
    method : {"exact", "arcsine"}, default "exact"
        As :func:`proportion_limits` (``attrs["method"]``). The exact limits
        are worked out at each denominator rounded to a whole number.

    Returns
    -------
    DataFrame
        Columns ``denominator`` and ``lower95``, ``upper95``, ``lower998``,
        ``upper998`` (fractions within [0, 1]), one row per point.

    Raises
    ------
    ArgumentError
        ``target`` outside [0, 1], negative ``tau2``, a range that is not two
        positive numbers in order, or fewer than 2 points.
    """
    _check_curve_arguments(target, tau2, denominators_range, points)
    low, high = (float(v) for v in denominators_range)
    return limits_at(target, tau2, np.geomspace(low, high, points), method=method)


def limits_at(target: float, tau2: float, denominators, *, method: str = "exact") -> pd.DataFrame:
    """Funnel limits at given denominators (each unit's own, for a table of units).

    Parameters as :func:`limit_curves`, with ``denominators`` any sequence of
    numbers greater than 0. Returns the same columns, one row per denominator,
    in order. To judge units against limits about another centre, use
    :func:`exact_outlier` with the same ``tau2``: a unit is outside these 99.8%
    limits exactly when it says ``"high"`` or ``"low"``.
    """
    _check_method(method)
    denominators = np.asarray(denominators, dtype=float)
    if denominators.ndim != 1 or not np.all(np.isfinite(denominators) & (denominators > 0)):
        raise ArgumentError("denominators must be numbers greater than 0, in one sequence.")
    high = float(denominators.max()) if len(denominators) else 1.0
    _check_curve_arguments(target, tau2, (high, high), 2)
    limits = _funnel_limits(float(target), denominators, float(tau2), method)
    return pd.DataFrame({"denominator": denominators, **limits})


def _check_curve_arguments(target, tau2, denominators_range, points) -> None:
    def number(x) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)

    if not number(target) or not 0 <= target <= 1:
        raise ArgumentError(f"target must be a proportion between 0 and 1, not {target!r}.")
    if not number(tau2) or tau2 < 0:
        raise ArgumentError(f"tau2 must be a variance of 0 or more, not {tau2!r}.")
    if (
        not isinstance(denominators_range, Sequence)
        or len(denominators_range) != 2
        or not all(number(v) and v > 0 for v in denominators_range)
        or denominators_range[0] > denominators_range[1]
    ):
        raise ArgumentError(
            f"denominators_range must be (smallest, largest) denominators, both greater than 0 "
            f"and smallest first, not {denominators_range!r}."
        )
    if not isinstance(points, int) or isinstance(points, bool) or points < 2:
        raise ArgumentError(f"points must be a whole number of at least 2, not {points!r}.")
