"""The analysis particular to each quantitative objective, driven by its KPI rows.

No KPI is named here: each analysis reads the objective's KPIs from the
catalogue (their ``compare_with``, ``breakdowns`` and counting rule).

- restoration and recovery: the headline share beside the KPI it is compared
  with over the comparator years, and by each breakdown group;
- learner voice: the headline share by each breakdown group, supporting KPIs by
  group and year, and triangulation with the KPI it is compared with;
- maternity: each FTE KPI against its target (an increase on a baseline month).
"""

from __future__ import annotations

import pandas as pd

from heenb import formatting
from heenb.charts.trend import trend_chart
from heenb.data.catalogue import ENGLAND, Catalogue
from heenb.data.contract import RAW_FILES_BY_NAME
from heenb.data.mart import Mart
from heenb.data.rules import breakdown_columns, selected
from heenb.figures import kpis
from heenb.figures.commitments import commitment_figures
from heenb.figures.measure import Kind, Measure, of_kind
from heenb.report import blocks, findings
from heenb.report.blocks import Block
from heenb.report.staffing import staff_trend

#: ARCP years before COVID-19 outcomes existed: the comparator period.
PRE_COVID_YEARS = ("2017", "2018", "2019")


def _england(mart: Mart, measure: str, breakdown: str = "all") -> pd.DataFrame:
    rows = kpis.measure_rows(mart, measure, breakdown)
    return rows[rows["area_code"] == ENGLAND]


def headline(catalogue: Catalogue, objective: str) -> pd.Series:
    """The headline KPI row of an objective."""
    return catalogue.kpi(catalogue.objective(objective)["headline_kpi"])


def group_names(catalogue: Catalogue, kpi: pd.Series, column: str) -> pd.Series:
    """Display names of a breakdown column's codes (from the code list the contract names)."""
    table, code = RAW_FILES_BY_NAME[kpi["source_file"]].column(column).codes
    codes = catalogue.codes[table].set_index(code)
    return codes["name"] if "name" in codes else pd.Series(codes.index, index=codes.index)


def _column_title(kpi: pd.Series, column: str) -> str:
    description = RAW_FILES_BY_NAME[kpi["source_file"]].column(column).description
    short = description.split(":")[0].split(" (")[0].split(" of ")[0]
    return short[:1].upper() + short[1:]


def groups_latest(catalogue: Catalogue, mart: Mart, kpi: pd.Series, column: str) -> Block:
    """A KPI by the groups of one breakdown column, England, latest period, as a table."""
    rows = _england(mart, kpi["kpi_id"], column)
    if rows.empty:
        return Block()
    latest = rows["period"].max()
    shown = kpis.rates(rows[rows["period"] == latest].reset_index(drop=True), national=True)
    title = _column_title(kpi, column)
    table = pd.DataFrame(
        {
            title: shown["group"].map(group_names(catalogue, kpi, column)),
            kpi["short_name"]: shown["value"].map(formatting.percent),
            "95% interval": formatting.intervals(shown["lower"], shown["upper"]),
            kpi["denominator_label"]: shown["denominator"].map(formatting.count),
        }
    ).sort_values(title)
    by = formatting.in_sentence(title)
    return blocks.table(table, f"{kpi['short_name']} by {by}, England, {latest}", national=True)


def groups_by_period(catalogue: Catalogue, mart: Mart, kpi: pd.Series, column: str) -> Block:
    """A KPI by the groups of one breakdown column and period, England, as a table."""
    rows = _england(mart, kpi["kpi_id"], column)
    if rows.empty:
        return Block()
    shown = kpis.rates(rows.reset_index(drop=True), national=True)
    title = _column_title(kpi, column)
    wide = shown.assign(name=shown["group"].map(group_names(catalogue, kpi, column))).pivot_table(
        index="name", columns="period", values="value", aggfunc="first"
    )
    wide = wide.apply(lambda col: col.map(formatting.percent)).reset_index()
    wide.columns = [title, *wide.columns[1:]]
    by = formatting.in_sentence(title)
    return blocks.table(wide, f"{kpi['short_name']} by {by} and year, England", national=True)


def arcp_breakdown(catalogue: Catalogue, mart: Mart, objective: str) -> Block:
    """The headline share by year beside its comparator's pre-COVID share, and by group."""
    kpi = headline(catalogue, objective)
    covid = kpis.trend(mart, kpi["kpi_id"])
    if covid.empty or not kpi["compare_with"]:
        return blocks.no_data(kpi["short_name"], "the data has no rows for it")
    comparator = catalogue.kpi(kpi["compare_with"])
    extension = kpis.trend(mart, comparator["kpi_id"])
    pre = extension[extension["period"].isin(PRE_COVID_YEARS)]
    pre_share = pre["numerator"].astype(int).sum() / pre["denominator"].astype(int).sum()
    applicable = covid[~covid["not_applicable"]]  # no line, and no rows, before it existed
    series = pd.concat(
        [applicable.assign(line=kpi["short_name"]), extension.assign(line=comparator["short_name"])]
    )
    chart = trend_chart(
        series,
        title=f"{kpi['short_name']} and {comparator['short_name']}, England",
        value_label=f"Share of {kpi['denominator_label']} (%)",
    )
    by_year = pd.DataFrame(
        {
            "Year": covid["period"],
            kpi["short_name"]: covid["value"]
            .map(formatting.percent)
            .where(~covid["not_applicable"], formatting.NOT_APPLICABLE),
            comparator["short_name"]: extension["value"].map(formatting.percent),
            f"Against the {PRE_COVID_YEARS[0]}-{PRE_COVID_YEARS[-1]} share of "
            f"{comparator['short_name']}": (covid["value"] / pre_share)
            .map(formatting.ratio)
            .where(~covid["not_applicable"], formatting.NOT_APPLICABLE),
            f"All {kpi['denominator_label']}": covid["denominator"].map(formatting.count),
        }
    )
    latest = covid["period"].iloc[-1]
    parts = [
        blocks.heading(f"{kpi['short_name']} against {comparator['short_name']}"),
        blocks.paragraph(
            f"Before COVID-19 ({PRE_COVID_YEARS[0]} to {PRE_COVID_YEARS[-1]}), "
            f"{formatting.percent(pre_share)} of {kpi['denominator_label']} were "
            f"{comparator['short_name']}. In {latest}, "
            f"{formatting.percent(covid['value'].iloc[-1])} were {kpi['short_name']}: "
            f"{formatting.ratio(covid['value'].iloc[-1] / pre_share)} times that comparator."
        ),
        blocks.figure(chart),
        blocks.table(
            by_year,
            f"{kpi['short_name']} by year, England",
            national=True,
            note=not_applicable_note(kpi["kpi_id"]),
        ),
    ]
    parts += [groups_latest(catalogue, mart, kpi, c) for c in breakdown_columns(kpi)]
    return blocks.join(parts)


def not_applicable_note(kpi_id: str) -> str | None:
    """The table note saying why a KPI's periods before it existed are ``[z]`` (the symbol
    itself is explained once, in the page's glossary)."""
    start = kpis.not_applicable(kpi_id)
    if start is None:
        return None
    return f"Periods before {start[0]} are not applicable: {start[1]}."


def nets_breakdown(catalogue: Catalogue, mart: Mart, objective: str) -> Block:
    """Supporting KPIs by group and year, the headline by group, and triangulation."""
    kpi = headline(catalogue, objective)
    rows = _england(mart, kpi["kpi_id"])
    if rows.empty:
        return blocks.no_data(kpi["short_name"], "the data has no rows for it")
    parts = [blocks.heading("Breakdowns")]
    for _, supporting in catalogue.kpis_of(objective, "supporting").iterrows():
        if Measure(supporting).kind is Kind.PROPORTION:
            parts += [groups_by_period(catalogue, mart, supporting, c)
                      for c in breakdown_columns(supporting)]  # fmt: skip
    parts += [groups_latest(catalogue, mart, kpi, c) for c in breakdown_columns(kpi)]
    if kpi["compare_with"]:
        parts.append(triangulation(catalogue, mart, kpi, rows["period"].max()))
    return blocks.join(parts)


def triangulation(catalogue: Catalogue, mart: Mart, kpi: pd.Series, period: str) -> Block:
    """A KPI beside the KPI it is compared with (``compare_with``), local office by office."""
    other = catalogue.kpi(kpi["compare_with"])
    mine = kpis.compare(mart, catalogue, kpi["kpi_id"], period, "local_office")
    theirs = kpis.compare(mart, catalogue, other["kpi_id"], period, "local_office")
    if theirs.empty:
        return blocks.no_data(f"{other['short_name']} in {period}", "no figures for that period")
    both = mine.merge(theirs, on=["area_code", "area"], suffixes=("_a", "_b"))
    shown = both[~(both["withheld_a"] | both["no_data_a"] | both["withheld_b"] | both["no_data_b"])]
    # Spearman's rank correlation: Pearson's on the ranks (ties share the average rank).
    correlation = shown["value_a"].rank().corr(shown["value_b"].rank())
    table = pd.DataFrame(
        {
            "Local office": both["area"],
            kpi["short_name"]: both["value_a"].map(formatting.percent),
            f"{kpi['short_name']}: funnel plot": both["outlier_a"].map(formatting.outlier),
            other["short_name"]: both["value_b"].map(formatting.percent),
            f"{other['short_name']}: funnel plot": both["outlier_b"].map(formatting.outlier),
        }
    )
    return (
        blocks.heading(f"Triangulation with {other['short_name']}, {period}", 3)
        + blocks.paragraph(
            f"Across {len(shown)} local offices, the rank correlation between "
            f"{formatting.in_sentence(kpi['short_name'])} and {other['short_name']} is "
            f"{correlation:.2f} "
            "(Spearman; -1 to 1, 0 meaning no association)."
        )
        + blocks.table(
            table, f"{kpi['short_name']} and {other['short_name']} by local office, {period}"
        )  # fmt: skip
    )


def maternity_workforce(catalogue: Catalogue, mart: Mart, objective: str) -> Block:
    """Each staff FTE KPI of the objective against its target."""
    fte = catalogue.kpis_of(objective)
    fte = of_kind(fte, Kind.STAFF)
    names = " and ".join(formatting.in_sentence(s) for s in fte["short_name"])
    parts = [blocks.heading(f"{names[:1].upper()}{names[1:]} against the commitments")]
    parts += [commitment(catalogue, mart, kpi) for _, kpi in fte.iterrows()]
    return blocks.join(parts)


def commitment(catalogue: Catalogue, mart: Mart, kpi: pd.Series) -> Block:
    """One FTE KPI (rule ``staff_fte``) against its target, England and by region."""
    workforce = mart.workforce[selected(mart.workforce, kpi["numerator"])]
    workforce = workforce.groupby(["level", "area_code", "month"], as_index=False)["fte"].sum()
    name = kpi["short_name"]
    figures = commitment_figures(mart, kpi)
    if figures is None:
        return blocks.no_data(name, "the workforce file has no rows for this group")
    baseline_month = kpi["baseline_period"]
    if baseline_month and figures["start"] is None:
        return blocks.no_data(
            f"{name} against the commitment", f"no figure for the baseline month {baseline_month}"
        )
    england, start, target = figures["series"], figures["start"], figures["target"]
    latest = figures["latest"]
    parts = [
        blocks.heading(name, 3),
        blocks.paragraph(f"{findings.staff_words(kpi, figures)}."),
        staff_trend(catalogue, kpi, england, "England", target, start),
    ]
    if baseline_month:
        regions = workforce[workforce["level"] == "region"]
        at = regions.pivot_table(index="area_code", columns="month", values="fte")
        table = pd.DataFrame(
            {
                "Region": [catalogue.area_name(c) for c in at.index],
                f"FTE {baseline_month}": at[baseline_month].map(formatting.fte).to_numpy(),
                f"FTE {latest['month']}": at[latest["month"]].map(formatting.fte).to_numpy(),
                "Change": (at[latest["month"]] - at[baseline_month]).map(formatting.fte).to_numpy(),
            }
        )
        parts.append(
            blocks.table(table, f"{name} by region, {baseline_month} and {latest['month']}")
        )
    return blocks.join(parts)


def representation(catalogue: Catalogue, mart: Mart, level: str = "region") -> pd.DataFrame:
    """Ethnic minority representation ratio of learners to the population, latest year.

    Returns one row per area: ``area``, protected ``learners_minority`` and
    ``learners`` counts, ``learner_share`` with its Wilson interval,
    ``population_share``, and ``ratio`` (learner share / population share, 1 =
    parity) with ``ratio_lower``, ``ratio_upper`` (the learner-share interval
    divided by the population share, treated as exact: populations are large).
    """
    table = mart.representation
    latest = table["year"].max()
    rows = table[(table["level"] == level) & (table["year"] == latest)]
    minority = catalogue.codes["ethnic_groups"].set_index("ethnic_group")["minority"] == "True"
    rows = rows.assign(minority=rows["ethnic_group"].map(minority))
    totals = rows.groupby("area_code")[["learners", "population"]].sum()
    minority_counts = rows[rows["minority"]].groupby("area_code")[["learners", "population"]].sum()
    counts = pd.DataFrame(
        {
            "area_code": totals.index,
            "numerator": minority_counts["learners"].reindex(totals.index).to_numpy(),
            "denominator": totals["learners"].to_numpy(),
        }
    )
    shown = kpis.rates(counts, national=level == "national")
    population_share = (minority_counts["population"] / totals["population"]).to_numpy()
    shown["area"] = shown["area_code"].map(catalogue.area_name)
    shown["population_share"] = population_share
    for column, source in (("ratio", "value"), ("ratio_lower", "lower"), ("ratio_upper", "upper")):
        shown[column] = shown[source] / population_share
    shown.attrs["year"] = int(latest)
    return shown


__all__ = [
    "arcp_breakdown", "commitment", "groups_by_period",
    "groups_latest", "maternity_workforce", "nets_breakdown", "representation", "triangulation",
]  # fmt: skip
