"""Laney's p' chart: limits for rates whose denominators are so large that every unit
looks special.

With very large denominators (an NHS trust's FTE days available run to hundreds of
thousands) the binomial limits of a funnel plot are so narrow that almost every unit lies
outside them: the units differ by more than chance between days, because days are not
independent trials. Laney's p' chart (Laney, Quality Engineering 2002; 14:531-537) keeps
the funnel's shape but widens it by sigma_z, the spread of the units' z-scores:

* p-bar = sum of numerators / sum of denominators (the ratio of sums);
* each unit's z = (p - p-bar) / sigma_p, with sigma_p = sqrt(p-bar (1 - p-bar) / n);
* sigma_z = mean moving range of the z-scores / 1.128 (the units taken in order of
  denominator, as a funnel plots them);
* limits p-bar +/- k sigma_p sigma_z, with k = 1.96 (95%) and 3.090232 (99.8%), as heenb's
  funnel plots draw them.

Numerators and denominators may be fractional (FTE days): nothing here counts people.
The result has the columns of :func:`heenb.funnel.proportion_limits`, so
:func:`heenb.charts.funnel.funnel_chart` draws it (with :func:`laney_curves`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heenb.errors import ArgumentError

#: Two-sided multipliers of the 95% and 99.8% limits.
Z95, Z998 = 1.959964, 3.090232
#: d2 for moving ranges of two: the mean moving range over sigma.
D2 = 1.128


def _checked(numerator, denominator, labels) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if num.shape != den.shape or num.ndim != 1 or len(num) < 2:
        raise ArgumentError("numerator and denominator must be two 1-D sequences of 2 or more.")
    if not (np.all(np.isfinite(num)) and np.all(np.isfinite(den))):
        raise ArgumentError("numerator and denominator must be finite numbers.")
    if np.any(num < 0) or np.any(den <= 0) or np.any(num > den):
        raise ArgumentError("each numerator must be 0 to its denominator, which must be over 0.")
    index = pd.Index(labels if labels is not None else range(len(num)))
    return num, den, index


def laney_limits(
    data=None,
    denominator=None,
    labels=None,
    *,
    numerator=None,
    group: str | None = None,
) -> pd.DataFrame:
    """Laney p' limits for each unit: ``laney_limits(df, numerator="lost",
    denominator="available", group="trust")`` or ``laney_limits(numerators, denominators)``.

    Returns a DataFrame indexed by unit with ``numerator``, ``denominator``,
    ``proportion``, ``target`` (p-bar), ``lower95``, ``upper95``, ``lower998``,
    ``upper998``, ``z`` (the unit's z-score over sigma_z) and ``outlier`` ("high", "low"
    or ""); ``attrs`` holds ``target``, ``sigma_z``, ``method`` ("laney") and ``tau2`` (0:
    the widening is sigma_z, not a between-unit variance).
    """
    if isinstance(data, pd.DataFrame):
        if numerator is None or denominator is None:
            raise ArgumentError("with a data frame, name its numerator and denominator columns.")
        labels = data[group] if group else data.index
        num, den, index = _checked(data[numerator], data[denominator], labels)
        index.name = group or data.index.name
    else:
        index_from = labels if labels is not None else getattr(data, "index", None)
        num, den, index = _checked(data, denominator, index_from)
    target = num.sum() / den.sum()
    if not 0 < target < 1:
        raise ArgumentError("p' limits need an overall rate strictly between 0 and 1.")
    sigma_p = np.sqrt(target * (1 - target) / den)
    z = (num / den - target) / sigma_p
    order = np.argsort(den, kind="stable")
    sigma_z = float(np.mean(np.abs(np.diff(z[order]))) / D2)
    width = sigma_p * sigma_z
    frame = pd.DataFrame(
        {
            "numerator": num,
            "denominator": den,
            "proportion": num / den,
            "target": target,
            "lower95": np.clip(target - Z95 * width, 0, 1),
            "upper95": np.clip(target + Z95 * width, 0, 1),
            "lower998": np.clip(target - Z998 * width, 0, 1),
            "upper998": np.clip(target + Z998 * width, 0, 1),
            "z": z / sigma_z,
        },
        index=index,
    )
    frame["outlier"] = np.select(
        [frame["proportion"] > frame["upper998"], frame["proportion"] < frame["lower998"]],
        ["high", "low"],
        "",
    )
    frame.attrs.update(target=float(target), sigma_z=sigma_z, method="laney", tau2=0.0)
    return frame


def laney_curves(limits: pd.DataFrame, points: int = 200) -> pd.DataFrame:
    """The p' limits of :func:`laney_limits` as curves over its range of denominators."""
    target, sigma_z = limits.attrs["target"], limits.attrs["sigma_z"]
    low, high = limits["denominator"].min() * 0.8, limits["denominator"].max() * 1.1
    n = np.geomspace(max(low, 1e-9), high, points)
    width = np.sqrt(target * (1 - target) / n) * sigma_z
    return pd.DataFrame(
        {
            "denominator": n,
            "lower95": np.clip(target - Z95 * width, 0, 1),
            "upper95": np.clip(target + Z95 * width, 0, 1),
            "lower998": np.clip(target - Z998 * width, 0, 1),
            "upper998": np.clip(target + Z998 * width, 0, 1),
        }
    )
