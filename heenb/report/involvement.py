"""Patient and public involvement activity: counts by type and period, protected.

Tables show row and column totals, so :func:`heenb.disclosure.suppress_table`
applies primary and secondary suppression; the chart is drawn from the same
protected counts, so it cannot reveal what the table withholds.
"""

from __future__ import annotations

import pandas as pd

from heenb import disclosure, formatting
from heenb.charts.trend import trend_chart
from heenb.data.catalogue import Catalogue
from heenb.report import blocks
from heenb.report.blocks import Block

NOTE = (
    "Cells are withheld by disclosure control, including some withheld so that no "
    "withheld figure can be worked out from the totals. Totals are computed from unrounded "
    "counts and rounded independently, so the rounded figures shown may not sum to them."
)
#: The note of a table without totals whose parts sum to figures published on another page.
PARTS_NOTE = (
    "Cells are withheld by disclosure control, including some withheld so that no "
    "withheld figure can be worked out from the yearly totals on the area's page. No totals are "
    "shown here: see the area's page."
)


def protected_counts(catalogue: Catalogue, rows: pd.DataFrame, period: str) -> pd.DataFrame:
    """Activities by type (rows, with a Total) and period (columns, with a Total), protected.

    ``rows`` are ``ppi_activities`` rows; ``period`` is ``"year"`` or ``"quarter"``.
    Withheld cells are ``<NA>`` (nullable Int64).
    """
    names = catalogue.codes["ppi_activity_types"].set_index("activity_type")["name"]
    periods = rows["quarter"].str[:4] if period == "year" else rows["quarter"]
    table = rows.assign(period=periods, activity=rows["activity_type"].map(names)).pivot_table(
        index="activity", columns="period", values="count", aggfunc="sum", fill_value=0
    )
    return disclosure.suppress_table(table.astype("int64"), show_totals=True)


def quarters_within_years(
    catalogue: Catalogue, rows: pd.DataFrame, quarters: list[str]
) -> pd.DataFrame:
    """Activities by type (rows) and quarter (columns), protected so that no withheld
    quarter can be worked out from the yearly figures another page publishes.

    The yearly figures of the same rows (by type, with totals) are what
    :func:`protected_counts` with ``"year"`` shows on the area's page, so each
    year's quarters are one additive relation with that year's figure: they are
    protected together (:func:`heenb.disclosure.suppress_table` applies secondary
    suppression as if the total were shown). Where the yearly figure is itself
    withheld but none of its quarters is, every non-zero quarter of it is
    withheld too, so the yearly figure cannot be rebuilt from them. No totals are
    shown (the yearly ones are on the area's page). Withheld cells are ``<NA>``.
    """
    names = catalogue.codes["ppi_activity_types"].set_index("activity_type")["name"]
    years = protected_counts(catalogue, rows, "year")
    shown = rows[rows["quarter"].isin(quarters)]
    table = shown.assign(activity=shown["activity_type"].map(names)).pivot_table(
        index="activity", columns="quarter", values="count", aggfunc="sum", fill_value=0
    )
    table = table.reindex(columns=quarters, fill_value=0).astype("int64")
    blocks_by_year = []
    for year in dict.fromkeys(q[:4] for q in quarters):
        block = table[[q for q in quarters if q[:4] == year]]
        protected = disclosure.suppress_table(block, show_totals=False).astype("Int64")
        for activity in protected.index:
            withheld_year = pd.isna(years.at[activity, year]) if activity in years.index else False
            if withheld_year and not protected.loc[activity].isna().any():
                protected.loc[activity, block.loc[activity] > 0] = pd.NA
        blocks_by_year.append(protected)
    return pd.concat(blocks_by_year, axis=1)


def table(protected: pd.DataFrame, caption: str, note: str = NOTE) -> Block:
    """The protected counts as a table, withheld cells shown as the marker."""
    shown = protected.apply(lambda column: column.map(formatting.count)).reset_index()
    shown.columns = ["Activity", *map(str, shown.columns[1:])]
    return blocks.table(shown, caption, note=note)


def chart(protected: pd.DataFrame, title: str, totals: bool = True) -> Block:
    """Each activity type's protected count by period (withheld periods are gaps);
    ``totals`` says whether the last row and column are totals, left off the chart."""
    cells = (
        protected.drop(index=protected.index[-1], columns=protected.columns[-1])
        if totals
        else protected
    )
    series = cells.stack(future_stack=True).rename("value").reset_index()
    series.columns = ["line", "period", "value"]
    series["value"] = series["value"].astype("Float64").astype(float)
    return blocks.figure(trend_chart(series, title=title, value_label="Activities", unit=""))
