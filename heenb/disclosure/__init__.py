"""Statistical disclosure control: no learner can be identified from a small count.

The default is NHS Digital's rule for sub-national counts:

- a count of 0 stays 0 (it reveals nobody);
- a count of 1 to 7 is withheld (shown as the marker ``[c]``, the ONS symbol
  for "confidential");
- every other count is rounded to the nearest 5 (half-way cases round up; with
  whole counts and base 5 none arise: 12 -> 10, 13 -> 15);
- a percentage is computed from the rounded counts and withheld when its
  numerator or denominator is withheld (or its denominator is 0); a rate shown
  beside its rounded n instead comes from the unrounded counts (below).

England-level (national) figures are published unrounded and unsuppressed:
``national`` marks them, as ``True`` for a whole series or, per row, as a
boolean mask (list, array or Series) or the name of a boolean column; or use
:func:`protect` on a long table holding England and sub-national rows.

Protection chains: :func:`protect` and :func:`suppress` mark what they return
as protected (in ``attrs``), and :func:`protected_proportion`,
:func:`protected_percentage` and :func:`protected_rates` take such counts as
they are, a ``<NA>`` being a withheld count (``protected=True`` says so for
counts protected elsewhere). :func:`protected_rates` gives each row's rate and
Wilson interval from the protected counts, withheld with them.

Units: counts are people; proportions and their intervals are fractions (0-1),
as everywhere in heenb (:func:`heenb.stats.wilson`, :mod:`heenb.funnel`, the
charts). :func:`protected_percentage` alone gives per cent (0-100), as its name
says: it is :func:`protected_proportion` times 100, for tables printed in per cent.

For a cross-tabulation whose row and column totals are published,
:func:`suppress_table` adds secondary suppression, so that no withheld cell can
be worked out exactly by adding and subtracting shown figures along rows and
columns: no row or column has exactly one withheld entry, and no withheld
entry can be solved for by combining several rows and columns either.

A rate published beside its rounded n (an STP's or a placement provider's) is instead
worked out from the unrounded counts by :func:`published_rates`: rounded to a step that
depends only on the rounded n (:class:`RatePrecision`, ``RATE_PRECISION``: the nearest
0.1 per cent from n of 5,000, 0.5 from 1,000, 1 from 500, 2 from 250, 5 from 100) and withheld
below that, or where it is close to 0% or 100%, so that every count behind it keeps at
least as many possible values as rounding to 5 leaves (:func:`possible_counts` lists
them); :func:`rate_text` writes it to its precision.

Rules are :class:`DisclosureRule` values; ``NHS_DIGITAL`` (threshold 7, base 5)
and ``GMC`` (groups of fewer than 3 withheld, no rounding) are provided.
Withheld values are ``pandas.NA`` in nullable ``Int64`` / ``Float64`` results;
:func:`display` turns them into the marker for tables in reports.
"""

from __future__ import annotations

from heenb.disclosure._cells import (
    protect,
    protected_percentage,
    protected_proportion,
    protected_rates,
    suppress,
)
from heenb.disclosure._counts import PROTECTED  # noqa: F401
from heenb.disclosure._display import display
from heenb.disclosure._rates import (
    RATE_PRECISION,
    REASONS,
    RatePrecision,
    possible_counts,
    published_rates,
    rate_text,
)
from heenb.disclosure._rule import GMC, MARKER, MARKER_NOTE, NHS_DIGITAL, DisclosureRule
from heenb.disclosure._tables import suppress_table

__all__ = [
    "GMC",
    "MARKER",
    "MARKER_NOTE",
    "NHS_DIGITAL",
    "RATE_PRECISION",
    "REASONS",
    "DisclosureRule",
    "RatePrecision",
    "display",
    "possible_counts",
    "protect",
    "protected_percentage",
    "protected_proportion",
    "protected_rates",
    "published_rates",
    "rate_text",
    "suppress",
    "suppress_table",
]
