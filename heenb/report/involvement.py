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
    f"{formatting.WITHHELD}: withheld by disclosure control, including cells withheld so that no "
    "withheld figure can be worked out from the totals."
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


def table(protected: pd.DataFrame, caption: str) -> Block:
    """The protected counts as a table, withheld cells shown as the marker."""
    shown = protected.apply(lambda column: column.map(formatting.count)).reset_index()
    shown.columns = ["Activity", *map(str, shown.columns[1:])]
    return blocks.table(shown, caption, note=NOTE)


def chart(protected: pd.DataFrame, title: str) -> Block:
    """Each activity type's protected count by period (withheld periods are gaps)."""
    cells = protected.drop(index=protected.index[-1], columns=protected.columns[-1])
    series = cells.stack(future_stack=True).rename("value").reset_index()
    series.columns = ["line", "period", "value"]
    series["value"] = series["value"].astype("Float64").astype(float)
    return blocks.figure(trend_chart(series, title=title, value_label="Activities", unit=""))
