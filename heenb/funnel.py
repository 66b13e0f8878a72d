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

import numpy as np
import pandas as pd

from heenb.checks import as_floats, check_counts, check_not_above, check_positive, shared_index
from heenb.errors import ArgumentError

__all__ = [
    "FunnelLimits",
    "WINSORISE_BY",
    "Z95",
    "Z998",
    "estimate_overdispersion",
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
          ``""`` otherwise.

        ``phi`` (overdispersion ratio, always estimated), ``tau2``
        (between-unit variance used in the limits, 0 when not applied),
        ``target`` (p0) and ``overdispersion`` (True when tau2 > 0 was applied)
        are attributes, also kept in ``attrs``; ``outliers()`` and
        ``summary()`` are methods.

    Raises
    ------
    ArgumentError
        Fewer than 2 units; lengths that differ; a missing (NaN) or negative
        count; a denominator of 0; a numerator above its denominator; with a
        data frame, a column it does not have or a unit named twice.
    """
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
            **_limits(target, s, tau2),
            "z": z,
        },
        index=index,
    )
    out["outlier"] = np.where(z > Z998, "high", np.where(z < -Z998, "low", ""))
    out.attrs.update(phi=phi, tau2=tau2, target=float(target), overdispersion=tau2 > 0)
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
    return limits_at(target, tau2, np.geomspace(low, high, points))


def limits_at(target: float, tau2: float, denominators) -> pd.DataFrame:
    """Funnel limits at given denominators (each unit's own, for a table of units).

    Parameters as :func:`limit_curves`, with ``denominators`` any sequence of
    numbers greater than 0. Returns the same columns, one row per denominator,
    in order.
    """
    denominators = np.asarray(denominators, dtype=float)
    if denominators.ndim != 1 or not np.all(np.isfinite(denominators) & (denominators > 0)):
        raise ArgumentError("denominators must be numbers greater than 0, in one sequence.")
    high = float(denominators.max()) if len(denominators) else 1.0
    _check_curve_arguments(target, tau2, (high, high), 2)
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
