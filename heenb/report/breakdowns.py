"""The analysis particular to each quantitative objective.

- restoration and recovery: ARCP outcomes 10.1 and 10.2 against the pre-COVID-19
  share of outcomes 2 and 3, by year and specialty group;
- learner voice: NETS themes and learner groups, triangulated with ARCP outcomes;
- maternity: midwife and consultant obstetrician FTE against the 1,200 and 100
  commitments.
"""

from __future__ import annotations

import pandas as pd

from heenb.charts.trend import trend_chart
from heenb.charts.xmr import xmr_chart
from heenb.data.catalogue import ENGLAND, Catalogue
from heenb.data.mart import Mart
from heenb.report import blocks, formatting, kpis
from heenb.report.blocks import Block

#: ARCP years before COVID-19 outcomes existed: the comparator period.
PRE_COVID_YEARS = ("2017", "2018", "2019")


def _england(mart: Mart, measure: str, breakdown: str = "all") -> pd.DataFrame:
    rows = kpis.measure_rows(mart, measure, breakdown)
    return rows[rows["area_code"] == ENGLAND]


def arcp_breakdown(catalogue: Catalogue, mart: Mart) -> Block:
    """10.1 and 10.2 share by year beside outcomes 2 and 3, and by specialty group."""
    covid = kpis.trend(mart, "arcp-covid-share")
    extension = kpis.trend(mart, "arcp-extension-share")
    if covid.empty:
        return blocks.no_data("ARCP outcomes", "the data has no ARCP outcomes")
    pre = extension[extension["period"].isin(PRE_COVID_YEARS)]
    pre_share = pre["numerator"].astype(int).sum() / pre["denominator"].astype(int).sum()
    series = pd.concat(
        [
            covid.assign(line="Outcomes 10.1 and 10.2 (COVID-19)"),
            extension.assign(line="Outcomes 2 and 3"),
        ]
    )
    chart = trend_chart(
        series,
        title="ARCP outcomes affected by COVID-19 and outcomes 2 and 3, England",
        value_label="Share of ARCP outcomes (%)",
    )
    by_year = pd.DataFrame(
        {
            "Year": covid["period"],
            "Outcomes 10.1 and 10.2": covid["value"].map(formatting.percent),
            "Outcomes 2 and 3": extension["value"].map(formatting.percent),
            "10.x share against pre-COVID 2 and 3 share": (covid["value"] / pre_share).map(
                formatting.ratio
            ),
            "All outcomes": covid["denominator"].map(formatting.count),
        }
    )
    latest = covid["period"].iloc[-1]
    specialties = _england(mart, "arcp-covid-share", "specialty_group")
    specialties = kpis.rates(
        specialties[specialties["period"] == latest].reset_index(drop=True), national=True
    )
    names = catalogue.codes["specialty_groups"].set_index("specialty_group")["name"]
    by_specialty = pd.DataFrame(
        {
            "Specialty group": specialties["group"].map(names),
            "Outcomes 10.1 and 10.2": specialties["value"].map(formatting.percent),
            "95% interval": formatting.intervals(specialties["lower"], specialties["upper"]),
            "All outcomes": specialties["denominator"].map(formatting.count),
        }
    ).sort_values("Specialty group")
    return blocks.join(
        [
            blocks.heading("COVID-19 outcomes against the pre-COVID comparator"),
            blocks.paragraph(
                f"Before COVID-19 ({PRE_COVID_YEARS[0]} to {PRE_COVID_YEARS[-1]}), "
                f"{formatting.percent(pre_share)} of ARCP outcomes were 2 or 3 (extra "
                f"competences or time needed). In {latest}, "
                f"{formatting.percent(covid['value'].iloc[-1])} were 10.1 or 10.2: "
                f"{formatting.ratio(covid['value'].iloc[-1] / pre_share)} times that comparator."
            ),
            blocks.figure(chart),
            blocks.table(by_year, "ARCP outcomes by year, England", national=True),
            blocks.heading(f"By specialty group, {latest}", 3),
            blocks.table(
                by_specialty,
                f"ARCP outcomes 10.1 and 10.2 by specialty group, England, {latest}",
                national=True,
            ),
        ]
    )


def nets_breakdown(catalogue: Catalogue, mart: Mart) -> Block:
    """NETS themes by year, learner groups in the latest year, and ARCP triangulation."""
    themes = _england(mart, "nets-theme-satisfaction", "item")
    if themes.empty:
        return blocks.no_data("NETS themes", "the data has no NETS responses")
    items = catalogue.codes["nets_items"].set_index("item")["name"]
    shown = kpis.rates(themes.reset_index(drop=True), national=True)
    by_theme = shown.assign(theme=shown["group"].map(items)).pivot_table(
        index="theme", columns="period", values="value", aggfunc="first"
    )
    by_theme = by_theme.apply(lambda col: col.map(formatting.percent)).reset_index()
    by_theme.columns = ["Theme", *by_theme.columns[1:]]
    groups = _england(mart, "nets-overall-satisfaction", "learner_group")
    latest = groups["period"].max()
    groups = kpis.rates(groups[groups["period"] == latest].reset_index(drop=True), national=True)
    group_names = catalogue.codes["learner_groups"].set_index("learner_group")["name"]
    by_group = pd.DataFrame(
        {
            "Learner group": groups["group"].map(group_names),
            "Rating training good or better": groups["value"].map(formatting.percent),
            "95% interval": formatting.intervals(groups["lower"], groups["upper"]),
            "Respondents": groups["denominator"].map(formatting.count),
        }
    )
    return blocks.join(
        [
            blocks.heading("Themes and learner groups"),
            blocks.table(
                by_theme, "Share of positive answers by NETS theme and year, England", national=True
            ),
            blocks.table(
                by_group, f"Overall satisfaction by learner group, England, {latest}", national=True
            ),
            triangulation(catalogue, mart, latest),
        ]
    )


def triangulation(catalogue: Catalogue, mart: Mart, period: str) -> Block:
    """NETS overall satisfaction beside ARCP outcomes 10.1 and 10.2 for the same local offices."""
    nets = kpis.compare(mart, catalogue, "nets-overall-satisfaction", period, "local_office")
    arcp = kpis.compare(mart, catalogue, "arcp-covid-share", period, "local_office")
    if arcp.empty:
        return blocks.no_data(f"ARCP outcomes in {period}", "no ARCP outcomes for that year")
    both = nets.merge(arcp, on=["area_code", "area"], suffixes=("_nets", "_arcp"))
    shown = both[
        ~(
            both["withheld_nets"]
            | both["no_data_nets"]
            | both["withheld_arcp"]
            | both["no_data_arcp"]
        )
    ]
    # Spearman's rank correlation: Pearson's on the ranks (ties share the average rank).
    correlation = shown["value_nets"].rank().corr(shown["value_arcp"].rank())
    table = pd.DataFrame(
        {
            "Local office": both["area"],
            "NETS rating training good or better": both["value_nets"].map(formatting.percent),
            "NETS funnel plot": both["outlier_nets"].map(formatting.outlier),
            "ARCP outcomes 10.1 and 10.2": both["value_arcp"].map(formatting.percent),
            "ARCP funnel plot": both["outlier_arcp"].map(formatting.outlier),
        }
    )
    return (
        blocks.heading(f"Triangulation with ARCP outcomes, {period}", 3)
        + blocks.paragraph(
            f"Across {len(shown)} local offices, the rank correlation between learner satisfaction "
            f"and the share of ARCP outcomes delayed by COVID-19 is {correlation:.2f} "
            "(Spearman; -1 to 1, 0 meaning no association)."
        )
        + blocks.table(table, f"Learner satisfaction and ARCP outcomes by local office, {period}")
    )


def maternity_workforce(catalogue: Catalogue, mart: Mart) -> Block:
    """Midwife and consultant obstetrician FTE against the national commitments."""
    parts = [blocks.heading("Midwives and consultant obstetricians against the commitments")]
    for kpi_id, staff_group in (
        ("midwife-fte", "midwives"),
        ("consultant-obstetrician-fte", "consultant-obstetricians"),
    ):
        parts.append(_commitment(catalogue, mart, catalogue.kpi(kpi_id), staff_group))
    return blocks.join(parts)


def _commitment(catalogue: Catalogue, mart: Mart, kpi: pd.Series, staff_group: str) -> Block:
    workforce = mart.workforce[mart.workforce["staff_group"] == staff_group]
    england = workforce[workforce["area_code"] == ENGLAND].sort_values("month")
    name = catalogue.codes["staff_groups"].set_index("staff_group").loc[staff_group, "name"]
    if england.empty:
        return blocks.no_data(f"{name} FTE", "the workforce file has no rows for this group")
    baseline_month = kpi["baseline_period"]
    baseline = england.loc[england["month"] == baseline_month, "fte"]
    if baseline.empty:
        return blocks.no_data(
            f"{name} against the commitment", f"no figure for the baseline month {baseline_month}"
        )
    target = float(baseline.iloc[0]) + float(kpi["target"])
    result = kpis.spc_of(england["fte"], "higher")
    result = result.with_target(target, stable_only=True)
    latest = england.iloc[-1]
    gained = latest["fte"] - float(baseline.iloc[0])
    met = "met" if latest["fte"] >= target else "not yet met"
    chart = xmr_chart(
        result,
        title=f"{name} in post (FTE), England",
        value_label="FTE",
        period_labels=list(england["month"]),
        unit="FTE",
        target=target,
    )
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
    return blocks.join(
        [
            blocks.heading(name, 3),
            blocks.paragraph(
                f"{formatting.fte(latest['fte'])} FTE in {latest['month']}, "
                f"{formatting.fte(gained)} more than in {baseline_month} against a commitment of "
                f"{float(kpi['target']):,.0f} more ({formatting.fte(target)} FTE): the commitment "
                f"is {met}. {result.variation_text}. {result.assurance_text}."
            ),
            blocks.figure(chart),
            blocks.table(table, f"{name} FTE by region, {baseline_month} and {latest['month']}"),
        ]
    )


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


__all__ = ["arcp_breakdown", "maternity_workforce", "nets_breakdown", "representation"]
