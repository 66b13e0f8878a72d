"""Proportions and rates: Wilson intervals, rates over groups, change between years.

Every rate in heenb is a numerator and a denominator kept together. Rates are
combined by summing numerators and summing denominators, then dividing; a
percentage is never averaged. This module holds the functions that do that:

- :func:`wilson`: Wilson score confidence interval for a proportion;
- :class:`Proportion`: one numerator and denominator that add up correctly;
- :func:`rate_table`: sum counts over groups and give each group's rate and interval;
- :func:`aggregate`: roll local offices up to regions through a mapping table;
- :func:`year_on_year`: change between consecutive periods, with a two-proportion z-test.

Proportions are returned as fractions between 0 and 1 (multiply by 100 for
per cent). Every bad argument raises :class:`heenb.errors.ArgumentError` with a
message naming the argument or column and the row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from heenb.checks import (
    as_floats,
    as_list,
    check_columns,
    check_counts,
    check_level,
    check_not_above,
    check_positive,
    shared_index,
)
from heenb.errors import ArgumentError

__all__ = [
    "Proportion",
    "aggregate",
    "rate_table",
    "wilson",
    "year_on_year",
    "z_for_level",
]


# --------------------------------------------------------------------------- Wilson


def z_for_level(level: float) -> float:
    """Two-sided standard normal quantile for a confidence level.

    Parameters
    ----------
    level : float
        Confidence level, strictly between 0 and 1 (0.95 for 95%).

    Returns
    -------
    float
        The z such that P(-z < Z < z) = level; 1.959964 for 0.95.
    """
    check_level(level)
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def _wilson_arrays(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson bounds on validated float arrays; NaN where n == 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (k + z * z / 2) / (n + z * z)
        half = z / (n + z * z) * np.sqrt(k * (n - k) / n + z * z / 4)
        lower = np.clip(centre - half, 0.0, 1.0)
        upper = np.clip(centre + half, 0.0, 1.0)
    # The formula gives exactly 0 / 1 at k == 0 / k == n; remove rounding dust.
    lower = np.where(k == 0, 0.0, lower)
    upper = np.where(k == n, 1.0, upper)
    empty = n == 0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


def wilson(k, n, level: float = 0.95):
    """Wilson score confidence interval for a proportion k / n.

    The interval without continuity correction (Wilson 1927; method 3 of
    Newcombe 1998, Statistics in Medicine 17:857-872). It stays within [0, 1]
    and behaves well for small n and for k near 0 or n.

    Parameters
    ----------
    k : float, array-like or pandas Series
        Numerators: number of "successes" (e.g. learners rating their training
        good or better). 0 or more; need not be whole numbers (weighted counts).
    n : float, array-like or pandas Series
        Denominators, the same shape as ``k`` (or broadcastable to it); ``k <= n``.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    (lower, upper)
        Bounds as fractions between 0 and 1. Two floats for scalar input; two
        arrays of the broadcast shape for arrays; two Series (named ``lower``
        and ``upper``, with the input's index) when ``k`` or ``n`` is a Series.
        Bounds are NaN where ``n`` is 0.

    Raises
    ------
    ArgumentError
        For a missing (NaN) or negative count, ``k > n``, Series with different
        indexes, or ``level`` outside (0, 1).

    Examples
    --------
    >>> lo, hi = wilson(81, 263)
    >>> round(lo, 4), round(hi, 4)
    (0.2553, 0.3662)
    """
    z = z_for_level(level)
    index = shared_index(k, n)
    labels = None if index is None else list(index)
    k_arr, n_arr = as_floats(k, "k"), as_floats(n, "n")
    check_counts(k_arr, "k", labels)
    check_counts(n_arr, "n", labels)
    try:
        k_arr, n_arr = np.broadcast_arrays(k_arr, n_arr)
    except ValueError as exc:
        raise ArgumentError(
            f"k and n must have the same shape; got {np.shape(k_arr)} and {np.shape(n_arr)}."
        ) from exc
    check_not_above(k_arr, n_arr, "k", "n", labels)
    lower, upper = _wilson_arrays(k_arr, n_arr, z)
    if index is not None:
        return pd.Series(lower, index=index, name="lower"), pd.Series(
            upper, index=index, name="upper"
        )
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


# --------------------------------------------------------------------------- Proportion


@dataclass(frozen=True)
class Proportion:
    """A numerator and its denominator, kept together so they add up correctly.

    ``Proportion(30, 40) + Proportion(10, 60)`` is ``Proportion(40, 100)`` (40%),
    not the average of 75% and 17%.

    Parameters
    ----------
    numerator : float
        Count of units with the attribute; 0 or more and at most ``denominator``.
    denominator : float
        Count of units in the population; 0 or more.
    """

    numerator: float
    denominator: float

    def __post_init__(self) -> None:
        num = as_floats(self.numerator, "numerator")
        den = as_floats(self.denominator, "denominator")
        if num.ndim or den.ndim:
            raise ArgumentError("A Proportion holds one numerator and one denominator (numbers).")
        check_counts(num, "numerator")
        check_counts(den, "denominator")
        check_not_above(num, den, "numerator", "denominator")

    @property
    def value(self) -> float:
        """numerator / denominator, a fraction between 0 and 1 (NaN when denominator is 0)."""
        return self.numerator / self.denominator if self.denominator else math.nan

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Wilson score interval ``(lower, upper)`` as fractions; see :func:`wilson`."""
        return wilson(self.numerator, self.denominator, level)

    def __add__(self, other: Proportion) -> Proportion:
        if not isinstance(other, Proportion):
            return NotImplemented
        return Proportion(self.numerator + other.numerator, self.denominator + other.denominator)


# --------------------------------------------------------------------------- tables


def _validated_counts(df: pd.DataFrame, numerator: str, denominator: str) -> pd.DataFrame:
    """The two count columns, after checking every row."""
    check_columns(df, [numerator, denominator])
    labels = list(df.index)
    num = as_floats(df[numerator], f"column {numerator!r}")
    den = as_floats(df[denominator], f"column {denominator!r}")
    check_counts(num, f"column {numerator!r}", labels)
    check_counts(den, f"column {denominator!r}", labels)
    check_not_above(num, den, f"column {numerator!r}", f"column {denominator!r}", labels)
    return df[[numerator, denominator]]


def rate_table(
    df: pd.DataFrame,
    by: str | Sequence[str],
    numerator: str = "numerator",
    denominator: str = "denominator",
    level: float = 0.95,
) -> pd.DataFrame:
    """Rate of each group, from the sums of its numerators and denominators.

    Parameters
    ----------
    df : DataFrame
        One row per reporting unit and period (for example one local office in
        one survey year), with a numerator and a denominator column of counts.
    by : str or list of str
        Column(s) to group by; one output row per combination found.
    numerator, denominator : str
        Names of the count columns. Every row needs 0 <= numerator <= denominator;
        a row may have a denominator of 0 (it adds nothing), but every group's
        summed denominator must be greater than 0.
    level : float, default 0.95
        Confidence level of the Wilson interval.

    Returns
    -------
    DataFrame
        Indexed by ``by`` (groups sorted), with columns:

        - ``<numerator>``, ``<denominator>``: the summed counts (source names kept);
        - ``value``: summed numerator / summed denominator, a fraction (0-1);
        - ``lower``, ``upper``: Wilson score interval of ``value`` at ``level``.

        ``attrs["level"]`` holds the confidence level.

    Raises
    ------
    ArgumentError
        Missing columns; a NaN, negative or numerator-above-denominator row
        (named by its index label); a group whose denominator sums to 0.
    """
    keys = as_list(by)
    if not keys:
        raise ArgumentError("by must name at least one column to group by.")
    check_level(level)
    check_columns(df, keys)
    counts = _validated_counts(df, numerator, denominator)
    grouped = (
        pd.concat([df[keys], counts], axis=1)
        .groupby(keys, sort=True, dropna=False, observed=True)[[numerator, denominator]]
        .sum()
    )
    check_positive(
        grouped[denominator].to_numpy(), f"column {denominator!r} (summed)", list(grouped.index)
    )
    return _with_rates(grouped, numerator, denominator, level)


def _with_rates(
    counts: pd.DataFrame, numerator: str, denominator: str, level: float
) -> pd.DataFrame:
    out = counts.copy()
    out["value"] = out[numerator] / out[denominator]
    out["lower"], out["upper"] = wilson(out[numerator], out[denominator], level)
    out.attrs["level"] = level
    return out


def aggregate(
    df: pd.DataFrame,
    mapping: pd.Series,
    unit: str = "local_office",
    by: str | Sequence[str] | None = None,
    numerator: str = "numerator",
    denominator: str = "denominator",
    level: float = 0.95,
) -> pd.DataFrame:
    """Roll units (local offices) up to areas (regions): each area is the sum of its units.

    Parameters
    ----------
    df : DataFrame
        One row per unit (and per period, etc.), with the unit code in column
        ``unit`` and count columns ``numerator`` and ``denominator``.
    mapping : Series
        Unit code (index) -> area code (values), for example local office ->
        NHS England region. Its ``name`` names the area column of the result
        (``"region"`` when unnamed). Keeping this as data lets either regional
        structure (2017 or 2022) be reported from the same unit-level data.
    unit : str, default "local_office"
        Column of ``df`` holding the unit code.
    by : str or list of str, optional
        Further columns to keep apart, for example ``"year"``.
    numerator, denominator, level
        As for :func:`rate_table`.

    Returns
    -------
    DataFrame
        As :func:`rate_table`, indexed by area (then ``by``): summed counts,
        ``value`` (summed numerator / summed denominator), ``lower``, ``upper``.

    Raises
    ------
    ArgumentError
        A unit code absent from ``mapping``, a unit mapped to a missing area,
        a duplicated unit in ``mapping``, or any error of :func:`rate_table`.
    """
    if not isinstance(mapping, pd.Series):
        raise ArgumentError("mapping must be a pandas Series: unit code (index) -> area code.")
    check_columns(df, [unit])
    if mapping.index.has_duplicates:
        dup = mapping.index[mapping.index.duplicated()][0]
        raise ArgumentError(f"mapping lists unit {dup!r} more than once; each unit has one area.")
    area = "region" if mapping.name is None else str(mapping.name)
    if area in df.columns:
        raise ArgumentError(
            f"df already has a column {area!r}; rename it or give mapping another name."
        )
    areas = df[unit].map(mapping)
    unmapped = df.loc[areas.isna(), unit].unique()
    if len(unmapped):
        raise ArgumentError(
            f"mapping has no area for unit(s) {sorted(map(str, unmapped))[:10]} in column "
            f"{unit!r}; add them to the mapping table."
        )
    return rate_table(
        df.assign(**{area: areas}), [area, *as_list(by)], numerator, denominator, level
    )


# --------------------------------------------------------------------------- change


def _two_proportion_z(x1, n1, x2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z statistic of p2 - p1 and its two-sided p-value.

    Where both proportions are 0 (or both 1) there is no variation; z is 0 and
    the p-value 1.
    """
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (x2 / n2 - x1 / n1) / se, 0.0)
    p_value = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in np.atleast_1d(z)])
    return z, p_value


def year_on_year(
    table: pd.DataFrame,
    period: str = "year",
    numerator: str = "numerator",
    denominator: str = "denominator",
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Change in a proportion between consecutive periods, with a significance test.

    Rows with the same period (and ``by`` group) are first summed. Each period
    is then compared with the previous period present in the data for the same
    group (periods sorted; a gap is compared across, and ``previous_<period>``
    shows what was compared).

    The test is the pooled two-proportion z-test: with p1 = x1/n1 (earlier),
    p2 = x2/n2 (later) and p = (x1 + x2)/(n1 + n2),
    ``z = (p2 - p1) / sqrt(p (1 - p) (1/n1 + 1/n2))`` and the two-sided p-value
    is ``2 (1 - Phi(|z|))``. z squared equals Pearson's chi-squared statistic
    (no continuity correction) for the 2x2 table. It assumes the two periods'
    respondents are independent samples; it is approximate when counts are
    small (fewer than about 5 expected in a cell).

    Parameters
    ----------
    table : DataFrame
        Columns ``period``, ``numerator``, ``denominator`` and any ``by`` columns.
    period : str, default "year"
        Column holding the period; any sortable values (years, "2021/22", dates).
    numerator, denominator : str
        Count columns, as for :func:`rate_table`.
    by : str or list of str, optional
        Groups compared separately (for example ``"region"``).
    alpha : float, default 0.05
        Significance level for the ``significant`` flag (5%).

    Returns
    -------
    DataFrame
        One row per comparison (the first period of each group has none), with
        columns ``by...``, ``<period>``, ``previous_<period>``, ``<numerator>``,
        ``<denominator>`` (this period's summed counts), ``value`` (this period's
        proportion, 0-1), ``previous_value``, ``change`` (value - previous_value,
        a difference of fractions: x 100 for percentage points), ``z``,
        ``p_value`` (two-sided) and ``significant`` (p_value < alpha).

    Raises
    ------
    ArgumentError
        Missing columns, bad counts (as :func:`rate_table`), a period whose
        summed denominator is 0, or ``alpha`` outside (0, 1).
    """
    if not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ArgumentError(f"alpha must be a significance level between 0 and 1, not {alpha!r}.")
    keys = as_list(by)
    summed = rate_table(table, [*keys, period], numerator, denominator).reset_index()
    # rate_table sorts by group then period, so the previous period is the row above.
    group = (
        summed.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        if keys
        else np.zeros(len(summed), dtype=int)
    )
    current = np.flatnonzero(np.r_[False, group[1:] == group[:-1]])
    now = summed.iloc[current].reset_index(drop=True)
    before = summed.iloc[current - 1].reset_index(drop=True)
    x1 = before[numerator].to_numpy(dtype=float)
    n1 = before[denominator].to_numpy(dtype=float)
    z, p_value = _two_proportion_z(
        x1, n1, now[numerator].to_numpy(dtype=float), now[denominator].to_numpy(dtype=float)
    )
    out = now[[*keys, period]].copy()
    out[f"previous_{period}"] = before[period]
    out[numerator] = now[numerator]
    out[denominator] = now[denominator]
    out["value"] = now["value"]
    out["previous_value"] = x1 / n1
    out["change"] = out["value"] - out["previous_value"]
    out["z"] = z
    out["p_value"] = p_value
    out["significant"] = out["p_value"] < alpha
    out.attrs["alpha"] = alpha
    out.attrs["test"] = "pooled two-proportion z-test, two-sided"
    return out
