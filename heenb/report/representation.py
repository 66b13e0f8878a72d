"""The cross-cutting objective's figures: is the learner body representative of the population?"""

from __future__ import annotations

import pandas as pd

from heenb import formatting
from heenb.charts.compare import comparison_chart
from heenb.data.catalogue import Catalogue
from heenb.data.mart import Mart
from heenb.figures.measure import Measure
from heenb.report import blocks
from heenb.report.blocks import Block
from heenb.report.breakdowns import representation


def representation_section(catalogue: Catalogue, mart: Mart, kpi: pd.Series) -> Block:
    """Representation ratio by region, as a chart with intervals and a table.

    ``kpi`` is the KPI row (rule ``representation_ratio``); its target (parity,
    1) is the chart's reference line.
    """
    table = representation(catalogue, mart, "region")
    if table.empty:
        return blocks.no_data("representation", "the demographics file has no rows")
    year = table.attrs["year"]
    target = Measure(kpi).target_value()
    target_name = "target" if kpi["target_kind"] != "parity" else "parity"
    chart = comparison_chart(
        table[["area", "ratio", "ratio_lower", "ratio_upper", "withheld"]].rename(
            columns={"ratio": "value", "ratio_lower": "lower", "ratio_upper": "upper"}
        ),
        title=f"{kpi['short_name']} by region, {year}",
        value_label=kpi["short_name"]
        + ("" if target is None else f" ({formatting.ratio(target)} = {target_name})"),
        unit=kpi["unit"],
        reference=target,
        reference_label=target_name.capitalize(),
    )
    rows = pd.DataFrame(
        {
            "Region": table["area"],
            "Learners from ethnic minority groups": table["value"].map(formatting.percent),
            "Population from ethnic minority groups": table["population_share"].map(
                formatting.percent
            ),
            "Representation ratio": table["ratio"].map(formatting.ratio),
            "95% interval": [
                f"{formatting.ratio(lo)} to {formatting.ratio(up)}"
                for lo, up in zip(table["ratio_lower"], table["ratio_upper"], strict=True)
            ],
            "Learners": table["denominator"].map(formatting.count),
        }
    )
    return blocks.join(
        [
            blocks.paragraph(
                "The representation ratio divides the share of learners from ethnic minority "
                "groups "
                "by the share of the population the region serves from those groups: 1 is parity, "
                "below 1 under-representation."
            ),
            blocks.figure(chart),
            blocks.table(rows, f"Representation of ethnic minority learners by region, {year}"),
        ]
    )
