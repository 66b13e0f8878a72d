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

A unit is an outlier when its (adjusted) z-score, (y - asin(sqrt(p0))) /
sqrt(s^2 + tau2), lies beyond +/- 3.090232: exactly when its proportion lies
outside the 99.8% limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from heenb.checks import as_floats, check_counts, check_not_above, check_positive, shared_index
from heenb.errors import ArgumentError

__all__ = [
    "WINSORISE_BY",
    "Z95",
    "Z998",
    "estimate_overdispersion",
    "limit_curves",
    "proportion_limits",
    "winsorise",
]

#: Two-sided standard normal quantiles used by FunnelPlotR for the 95% and 99.8% limits.
Z95 = 1.959964
Z998 = 3.090232
#: Fraction of z-scores Winsorised at each end before estimating phi.
WINSORISE_BY = 0.1

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


def proportion_limits(
    numerator,
    denominator,
    overdispersion: bool = True,
    labels: Sequence | None = None,
) -> pd.DataFrame:
    """Funnel plot data for a proportion: each unit's value, its limits and outlier status.

    Parameters
    ----------
    numerator : array-like or Series
        Count with the attribute in each unit (e.g. learners rating training good
        or better); 0 or more, at most the denominator.
    denominator : array-like or Series
        Count in each unit (e.g. survey respondents); greater than 0.
    overdispersion : bool, default True
        Widen the limits by the between-unit variance tau2 when the units vary
        more than chance allows (phi > 1). With False, tau2 is 0.
    labels : sequence, optional
        Unit names for the index; by default the Series' index (or 0, 1, ...).

    Returns
    -------
    DataFrame
        One row per unit, columns:

        - ``numerator``, ``denominator``: the counts given;
        - ``proportion``: numerator / denominator, a fraction (0-1);
        - ``target``: the pooled proportion p0, the funnel's centre line;
        - ``lower95``, ``upper95``, ``lower998``, ``upper998``: the funnel limits
          at this unit's denominator, fractions within [0, 1];
        - ``z``: (asin(sqrt(p)) - asin(sqrt(p0))) / sqrt(s^2 + tau2), the z-score
          on the arcsine scale, adjusted for overdispersion when applied;
        - ``outlier``: ``"high"`` above the 99.8% limit, ``"low"`` below it,
          ``""`` otherwise.

        ``attrs`` holds ``phi`` (overdispersion ratio, always estimated),
        ``tau2`` (between-unit variance used in the limits, 0 when not applied),
        ``target`` (p0) and ``overdispersion`` (True when tau2 > 0 was applied).

    Raises
    ------
    ArgumentError
        Fewer than 2 units; lengths that differ; a missing (NaN) or negative
        count; a denominator of 0; a numerator above its denominator.
    """
    num, den, index = _units(numerator, denominator, labels)
    target = num.sum() / den.sum()
    y0 = math.asin(math.sqrt(target))
    s = 1 / (2 * np.sqrt(den))
    z_unadjusted = (np.arcsin(np.sqrt(num / den)) - y0) / s
    phi, tau2 = estimate_overdispersion(z_unadjusted, s)
    tau2 = tau2 if overdispersion else 0.0
    z = z_unadjusted * s / np.sqrt(s**2 + tau2)
    out = pd.DataFrame(
        {
            "numerator": num,
            "denominator": den,
            "proportion": num / den,
            "target": target,
            **_limits(target, s, tau2),
            "z": z,
        },
        index=index,
    )
    out["outlier"] = np.where(z > Z998, "high", np.where(z < -Z998, "low", ""))
    out.attrs.update(phi=phi, tau2=tau2, target=float(target), overdispersion=tau2 > 0)
    return out


def limit_curves(
    target: float,
    tau2: float,
    denominators_range: tuple[float, float],
    points: int = 200,
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
    denominators = np.geomspace(low, high, points)
    s = 1 / (2 * np.sqrt(denominators))
    return pd.DataFrame({"denominator": denominators, **_limits(float(target), s, float(tau2))})


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
