"""Rates beside a rounded n: worked out from the unrounded counts, given only as precisely
as the rounding of their counts allows.

A rate taken from counts rounded to 5 is an artefact on a small base (23 of 27 is shown
as 25 of 25, "100.0%"); a rate taken from the unrounded counts and printed to 0.1 beside
n rounded to 5 gives the counts away (37.0% of n shown as 100 can only be 37 of 100).
:func:`published_rates` does neither: the rate comes from the unrounded counts and is
rounded to a step that depends only on the rounded n (:class:`RatePrecision`), and it is
published only where every count that the n and rate shown allow (:func:`possible_counts`)
leaves the numerator, the number not counted in it (the complement) and the base each
with at least as many possible values as rounding to the rule's base leaves a published
count (5), and none of them 1 to the rule's threshold (7). Otherwise the rate is withheld
(a small base, or a rate near 0% or 100%). A numerator of 0 is shown as 0%, as the rule
shows a count of 0.

Whether a rate is shown depends on the n and rate shown alone, never on the unrounded
counts beyond them, so a withheld rate tells a reader nothing but that the cell it would
fall in is not safe to show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from heenb.disclosure._counts import as_series_parts, national_mask
from heenb.disclosure._rule import NHS_DIGITAL, DisclosureRule, check_rule
from heenb.errors import ArgumentError

#: Why a rate is withheld, as :func:`published_rates` gives it in ``reason``.
REASONS = {
    "n withheld": "its n is withheld",
    "small base": "its base is too small to give a rate that does not narrow the counts",
    "near 0% or 100%": "it is so close to 0% or 100% that it would show a small count",
}


@dataclass(frozen=True)
class RatePrecision:
    """How precisely a rate may be given beside its rounded n.

    Parameters
    ----------
    steps : tuple of (int, float)
        (smallest rounded n, step of the rate as a fraction), largest n first: the rate
        of a base shown as at least the n is rounded to the nearest multiple of the step.
        A base below the last n gives no rate (withheld), except 0%. Each step times its
        n must be at least the rule's base (0.1% x 5,000, 0.5% x 1,000, 1% x 500, 2% x
        250 and 5% x 100 are each 5), so that a step is never finer than what one
        rounding unit of the numerator moves the rate.
    rule : DisclosureRule, default NHS_DIGITAL
        The rule that rounds n (and the counts behind the rate) and withholds small counts.
    """

    steps: tuple[tuple[int, float], ...] = (
        (5000, 0.001), (1000, 0.005), (500, 0.01), (250, 0.02), (100, 0.05),
    )  # fmt: skip
    rule: DisclosureRule = NHS_DIGITAL

    def __post_init__(self) -> None:
        check_rule(self.rule)
        bases = [base for base, _ in self.steps]
        if not self.steps or bases != sorted(bases, reverse=True) or len(set(bases)) < len(bases):
            raise ArgumentError(
                f"RatePrecision steps must be (n, step) pairs, largest n first, each n once; "
                f"got {self.steps!r}."
            )
        for base, step in self.steps:
            units = 1 / step if step > 0 else 0
            if not (0 < step <= 1) or abs(units - round(units)) > 1e-9:
                raise ArgumentError(
                    f"A rate's step must be a fraction that divides 1 (0.001, 0.01, 0.05), "
                    f"not {step!r}."
                )
            if base * step < self.rule.base - 1e-9:
                raise ArgumentError(
                    f"A step of {step:g} at n of {base} or more is finer than rounding to "
                    f"{self.rule.base} allows: the step times n must be at least "
                    f"{self.rule.base}."
                )

    @property
    def smallest_base(self) -> int:
        """The smallest rounded n whose rate may be shown (other than 0%)."""
        return self.steps[-1][0]

    def step(self, n_shown: int) -> float | None:
        """The step of a rate beside a base shown as ``n_shown`` (None: no rate but 0%)."""
        return next((step for base, step in self.steps if n_shown >= base), None)

    def note(self) -> str:
        """One sentence for the notes under a table of such rates."""
        parts = []
        for i, (base, step) in enumerate(self.steps):
            upper = f" to {self.steps[i - 1][0] - 1:,}" if i else " or more"
            parts.append(f"the nearest {_percent(step)} where n is {base:,}{upper}")
        return (
            "Rates are worked out from the unrounded counts and given to "
            + ", ".join(parts[:-1])
            + f" and {parts[-1]}; n is rounded to the nearest {self.rule.base}. Below an n of "
            f"{self.smallest_base}, and where a rate is close to 0% or 100%, the rate is "
            "withheld: beside n, a more precise rate would show the counts more exactly than "
            "rounding does."
        )


def _percent(step: float) -> str:
    return f"{100 * step:g} per cent"


#: The precision every rate beside a rounded n is given to.
RATE_PRECISION = RatePrecision()


def _units(step: float) -> int:
    """How many steps make 1 (1,000 for 0.001)."""
    return round(1 / step)


def rate_units(numerator, denominator, step: float) -> np.ndarray:
    """Each ``numerator / denominator`` rounded to the nearest multiple of ``step`` (half-way
    up), as a whole number of steps, worked out in integers."""
    d = _units(step)
    k = np.asarray(numerator, dtype=np.int64)
    n = np.asarray(denominator, dtype=np.int64)
    return (2 * k * d + n) // (2 * n)


def _window(n_shown: int, rule: DisclosureRule) -> list[int]:
    """The bases that ``rule`` shows as ``n_shown`` (and does not withhold)."""
    low, high = max(1, n_shown - rule.base), n_shown + rule.base
    values = np.arange(low, high + 1)
    keep = (rule.rounded(values) == n_shown) & ~rule.withheld(values)
    return [int(v) for v in values[keep]]


def possible_counts(
    n_shown: int, value: float, step: float, rule: DisclosureRule = NHS_DIGITAL
) -> tuple[np.ndarray, np.ndarray]:
    """Every (numerator, denominator) that a base shown as ``n_shown`` and a rate shown as
    ``value`` (to ``step``) allow: what a reader can know of the unrounded counts.

    Returns
    -------
    (ndarray, ndarray)
        Numerators and denominators (people), one pair per possibility.
    """
    units = round(value / step)
    return _possible(int(n_shown), int(units), _units(step), rule)


@lru_cache(maxsize=65536)
def _possible(n_shown: int, units: int, d: int, rule: DisclosureRule):
    ks, ns = [], []
    for n in _window(n_shown, rule):
        # floor((2 k d + n) / (2 n)) == units  <=>  n (2 units - 1) <= 2 k d < n (2 units + 1)
        low = max(0, -(-(n * (2 * units - 1)) // (2 * d)))
        high = min(n, -(-(n * (2 * units + 1)) // (2 * d)) - 1)
        if high >= low:
            ks.append(np.arange(low, high + 1))
            ns.append(np.full(high - low + 1, n))
    if not ks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(ks).astype(np.int64), np.concatenate(ns).astype(np.int64)


@lru_cache(maxsize=65536)
def _verdict(n_shown: int, units: int, d: int, rule: DisclosureRule) -> str:
    """The empty string when a rate of ``units`` steps (of 1/d) beside ``n_shown`` may be
    shown, else the reason (:data:`REASONS`)."""
    k, n = _possible(n_shown, units, d, rule)
    if not len(k):
        return "small base"
    small = rule.withheld(k) | rule.withheld(n - k)
    if small.any():
        return "near 0% or 100%"
    fewest = rule.base
    if (
        len(set(n.tolist())) < len(_window(n_shown, rule))
        or len(set(k.tolist())) < fewest
        or len(set((n - k).tolist())) < fewest
    ):
        return "small base"
    return ""


def published_rates(
    numerator,
    denominator,
    precision: RatePrecision = RATE_PRECISION,
    national=False,
) -> pd.DataFrame:
    """Each rate as published beside its rounded n.

    Parameters
    ----------
    numerator, denominator : Series, array or list
        Unrounded counts of people, whole numbers with 0 <= numerator <= denominator.
    precision : RatePrecision, default RATE_PRECISION
        The steps, and the rule that rounds n and withholds small counts.
    national : bool or boolean mask, default False
        True for England's figures, published as they are (n unrounded, the rate exact).

    Returns
    -------
    DataFrame
        Same index: ``n`` (the base as shown, nullable Int64, ``<NA>`` where the rule
        withholds it), ``value`` (the rate as shown, a fraction, nullable Float64,
        ``<NA>`` where withheld or there is no data), ``step`` (its precision, a
        fraction; NaN for England's exact rates and where none is shown), ``withheld``
        (the rate is withheld), ``no_data`` (n is 0) and ``reason`` (why withheld, a key
        of :data:`REASONS`; "" when shown).

    Raises
    ------
    ArgumentError
        Bad counts (as :func:`heenb.disclosure.suppress`), or a numerator above its
        denominator.
    """
    if not isinstance(precision, RatePrecision):
        raise ArgumentError(
            f"precision must be a RatePrecision (for example heenb.disclosure.RATE_PRECISION), "
            f"not {type(precision).__name__}."
        )
    rule = precision.rule
    k, index, _ = as_series_parts(numerator, "numerator")
    n, _, _ = as_series_parts(denominator, "denominator")
    if len(k) != len(n):
        raise ArgumentError("numerator and denominator must have the same length.")
    above = np.flatnonzero(k > n)
    if len(above):
        raise ArgumentError(
            f"numerator ({k[above[0]]}) is above its denominator ({n[above[0]]}) at position "
            f"{above[0]}."
        )
    england = national_mask(national, len(k), index)
    shown_n = np.where(england, n, rule.rounded(n))
    n_withheld = rule.withheld(n) & ~england
    no_data = n == 0
    plain = ~england & ~n_withheld & ~no_data
    # Each rounded n's step, as a whole number of steps in 1 (0 where no rate is given).
    d = np.zeros(len(k), dtype=np.int64)
    for base, found in reversed(precision.steps):
        d[shown_n >= base] = _units(found)
    rated = plain & (k > 0) & (d > 0)
    units = np.zeros(len(k), dtype=np.int64)
    units[rated] = (2 * k[rated] * d[rated] + n[rated]) // (2 * n[rated])
    reason = np.full(len(k), "", dtype=object)
    reason[n_withheld] = "n withheld"
    reason[plain & (k > 0) & (d == 0)] = "small base"
    cells = pd.DataFrame({"n": shown_n[rated], "units": units[rated], "d": d[rated]})
    verdicts = {
        cell: _verdict(*cell, rule)
        for cell in cells.drop_duplicates().itertuples(index=False, name=None)
    }
    reason[rated] = [verdicts[cell] for cell in cells.itertuples(index=False, name=None)]
    shown = plain & (reason == "")
    value = np.full(len(k), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        value[england & ~no_data] = k[england & ~no_data] / n[england & ~no_data]
    value[shown & (k == 0)] = 0.0  # a count of 0 is shown as 0
    value[shown & rated] = units[shown & rated] / d[shown & rated]
    step = np.where(shown & rated, 1 / np.where(d > 0, d, 1), np.nan)
    withheld = reason != ""
    out = pd.DataFrame(index=index)
    out["n"] = pd.array(shown_n, dtype="Int64")
    out.loc[n_withheld, "n"] = pd.NA
    out["value"] = pd.array(np.where(withheld | no_data, np.nan, value), dtype="Float64")
    out["step"] = step
    out["withheld"] = withheld
    out["no_data"] = no_data
    out["reason"] = reason.astype(str)
    return out


def rate_text(value, step: float) -> str:
    """A published rate in per cent, to as many decimals as its step ("86%", "86.3%"); a
    rate with no step (0%, or an exact national rate) to one decimal unless it is 0."""
    if step is None or math.isnan(step):
        return "0%" if float(value) == 0 else f"{100 * float(value):.1f}%"
    return f"{100 * float(value):.{0 if step >= 0.01 - 1e-12 else 1}f}%"  # 0.5% and 0.1%: 1
