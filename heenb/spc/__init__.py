"""Making Data Count XmR charts: process limits, special cause rules and icons.

Statistical process control (SPC) separates the ordinary ups and downs of a
measure (*common cause* variation) from changes worth acting on (*special
cause* variation). :func:`xmr` follows NHS England's Making Data Count (MDC)
method, checked point by point against MDC's published conformance data
(``tests/fixtures/mdc_xmr``):

* The process limits are the mean plus or minus 2.66 times the mean moving
  range (the moving range is the absolute difference between consecutive
  values); sigma is a third of that distance.
* A point is special cause when it is beyond a process limit (*single point*),
  part of a run of ``shift`` points on one side of the mean (*shift*; a point on
  the mean breaks the run), part of a run of ``trend`` points each strictly
  higher, or each strictly lower, than the one before (*trend*; an equal value
  breaks it), or beyond two sigma but within the limit with another such point
  among three consecutive points all on the same side of the mean (*two in
  three*). The rules run within each period of limits (as NHSRplotthedots
  does with its rebase periods): a run that spans a recalculation is not
  joined across it. ``rules_across_periods=True`` runs them across
  recalculations instead, each point judged against its own period's lines,
  as MDC's Single Chart Tool (and its conformance data) does.
* Special cause is *improvement* or *concern* by the improvement direction;
  a point that is both shows improvement. With no direction it is *neither*.
* The variation icon describes the latest point and the assurance icon says
  whether the latest process limits will reliably meet a target.

Limits rest on at least ``min_points`` points (13 by default, as MDC): a section
with fewer has no mean, no limits and no special cause flags, and a chart whose
latest section has fewer has no icons. The NHS-R variant (NHSRplotthedots) is
``xmr(values, shift=7, trend=7, screen_moving_ranges=True)``.

From pandas, give a data frame and name its columns, as NHSRplotthedots'
``ptd_spc(data, value_field, date_field, facet_field, target, rebase)``::

    result = xmr(df, value="rate", date="month", facet="region",
                 target={"North": 0.8, "South": 0.75},
                 recalculate_at=["2023-04-01"], improvement="higher")
    result.points      # one tidy row per point, with the facet and date columns
    result.summary()   # one row per facet and period of limits

Rows are sorted by date; a missing period (a month with no row) is refused,
naming the missing dates, unless ``gaps="allow"``.
"""

from __future__ import annotations

# Constants as public as the module's functions: the data notes read LIMIT_FACTOR.
from heenb.spc._arguments import GAPS, IMPROVEMENTS  # noqa: F401
from heenb.spc._frames import XmrFacets
from heenb.spc._limits import LIMIT_FACTOR, MOVING_RANGE_LIMIT_FACTOR  # noqa: F401
from heenb.spc._result import XmrResult
from heenb.spc._xmr import xmr

__all__ = ["XmrFacets", "XmrResult", "xmr"]
