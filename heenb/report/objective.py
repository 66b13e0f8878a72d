"""The objective report: one strategic objective, its KPI, and the evidence behind it.

``notebooks/objective.ipynb`` calls :func:`objective_report` and shows one
section per cell; each method returns a :class:`~heenb.report.blocks.Block`.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from heenb import formatting
from heenb.charts.compare import comparison_chart
from heenb.charts.funnel import funnel_chart
from heenb.charts.xmr import xmr_chart
from heenb.figures import kpis
from heenb.figures import providers as provider_figures
from heenb.figures.commitments import commitment_figures
from heenb.figures.measure import Kind, Measure, of_kind
from heenb.report import blocks, findings, providers
from heenb.report import rates as rate_sections
from heenb.report.blocks import Block
from heenb.report.breakdowns import (
    arcp_breakdown,
    maternity_workforce,
    nets_breakdown,
)
from heenb.report.common import SOURCE_NAMES, Inputs, Report, section
from heenb.report.narrative import (
    latest_project_status,
    latest_update,
    programme_status,
    ratings_history,
)
from heenb.report.representation import representation_section


def objective_report(objective: str, data=None) -> ObjectiveReport:
    """The report for one objective (an ``objective_id`` from the catalogue); an unknown one
    raises ParameterError listing the valid ones."""
    return ObjectiveReport.for_value(objective, data)


class ObjectiveReport(Report):
    """Sections of one objective's report, in reading order."""

    sections = (
        "headline",
        "trend",
        "comparison",
        "providers",
        "breakdown",
        "narrative",
        "programmes",
    )
    page_type = "objective"

    parameter = "objective"

    def __init__(self, objective: str, inputs: Inputs, parameters: dict):
        super().__init__(inputs, parameters)
        self.objective = self.catalogue.objective(objective)
        self.kpi = self.catalogue.kpi(self.objective["headline_kpi"])
        self.supporting = self.catalogue.kpis_of(objective, "supporting")

    # ------------------------------------------------------------------ figures
    @property
    def quantitative(self) -> bool:
        return Measure(self.kpi).kind is Kind.PROPORTION

    @cached_property
    def national(self) -> pd.DataFrame:
        return kpis.trend(self.mart, self.kpi["kpi_id"])

    @cached_property
    def national_spc(self):
        points = kpis.applicable(self.national)
        return kpis.kpi_spc(self.catalogue, self.kpi, points["period"], points["value"])

    @cached_property
    def latest_period(self) -> str | None:
        return None if self.national.empty else self.national["period"].iloc[-1]

    def comparison_table(self, level: str) -> pd.DataFrame:
        return kpis.compare(
            self.mart, self.catalogue, self.kpi["kpi_id"], self.latest_period, level
        )

    # ------------------------------------------------------------------ sections
    @section
    def headline(self) -> Block:
        """Title, demo banner, the main points, then the objective's facts."""
        facts = {
            "Objective": self.objective["title"],
            "Goal": self._goal_name(),
            "KPI": self.kpi["descriptor"],
            "Executive lead": self.objective["executive_lead"],
            "Board Assurance Framework opportunities": ", ".join(
                self.objective["baf_opportunities"]
            ),
        }
        return self.opening(f"{self.objective['short_name']}", facts)

    def findings(self) -> list[str]:
        """The findings, most important first: the headline KPI (change, history,
        target), local offices that stand out, commitments, supporting measures that
        changed significantly, the latest rating, programmes off track."""
        points = []
        if self.quantitative and not self.national.empty:
            points.append(findings.kpi_point(self.kpi, self.national))
            if self.latest_period is not None:
                england = formatting.percent(self.national.iloc[-1]["value"])
                points.append(
                    findings.standing_out(
                        self.comparison_table("local_office"),
                        self.kpi,
                        "local offices",
                        f"England's {england}",
                    )
                )
        for _, kpi in self.supporting.iterrows():
            if Measure(kpi).kind is Kind.STAFF:
                figures = commitment_figures(self.mart, kpi)
                if figures is not None and figures["start"] is not None:
                    words = findings.staff_words(kpi, figures)
                    points.append(f"{kpi['short_name']}, England: {words}.")
            elif Measure(kpi).kind is Kind.PROPORTION:
                trend = kpis.trend(self.mart, kpi["kpi_id"])
                change = kpis.change(trend)
                if change and change["significant"]:
                    points.append(findings.kpi_point(kpi, trend))
            elif Measure(kpi).kind is Kind.RATE and kpi["source_file"] in self.declared:
                points.append(rate_sections.main_point(kpi, "england", "ENG", "England"))
        updates = self.mart.kpi_updates
        points.append(
            findings.rating_point(
                "Latest update from the KPI lead",
                updates[updates["objective"] == self.objective["objective_id"]],
            )
        )
        projects = latest_project_status(self.mart)
        for programme in self.catalogue.programmes.itertuples():
            if self.objective["objective_id"] in programme.objective_ids:
                mine = projects[projects["programme"] == programme.programme_id]
                points.append(findings.projects_point(programme.name, mine))
        headline = 1 if self.quantitative and not self.national.empty else 0
        return findings.adverse_first(points, keep=headline)  # the objective's own KPI first

    @section
    def trend(self) -> Block:
        """The national trend as a Making Data Count XmR chart."""
        if not self.quantitative:
            return blocks.heading("Ratings over time") + ratings_history(
                self.mart, self.objective["objective_id"], heading=False
            )
        heading = blocks.heading("National trend")
        if self.national.empty:
            return heading + blocks.no_data(self.kpi["descriptor"], "the data has no rows for it")
        chart = xmr_chart(
            self.national_spc,
            title=f"{self.kpi['descriptor']}, England",
            value_label=_short_label(self.kpi),
            period_labels=list(kpis.applicable(self.national)["period"]),
            unit=self.kpi["unit"],
            target=Measure(self.kpi).target_value(),
        )
        points = kpis.applicable(self.national)
        changes = kpis.change_points(self.catalogue, self.kpi["kpi_id"], points["period"])
        if start := kpis.not_applicable(self.kpi["kpi_id"]):
            changes.append(
                (
                    0,
                    f"Years before {start[0]} are not applicable and not charted: {start[1]}",
                )
            )
        return (
            heading
            + blocks.paragraph(
                f"{self.national_spc.variation_text}. {self.national_spc.assurance_text}."
                + "".join(f" {note}." for _, note in changes)
            )
            + blocks.figure(chart)
        )

    @section
    def comparison(self) -> Block:
        """Regions and local offices compared: funnel plot, dot chart and table."""
        heading = blocks.heading("Regions and local offices compared")
        if not self.quantitative:
            return heading + self._cross_cutting_representation()
        if self.latest_period is None:
            return heading + blocks.no_data("area comparison", "no period has data")
        offices = self.comparison_table("local_office")
        regions = self.comparison_table("region")
        england = self.national.iloc[-1]["value"]
        parts = [
            heading,
            blocks.paragraph(
                f"Latest period: {self.latest_period}. Local offices, and separately regions, "
                f"are compared with the England rate ({formatting.percent(england)}) on a "
                "funnel plot: an area stands out only when it lies outside the 99.8% limits. "
                "This is the one verdict the page gives; the bars on the region chart are each "
                "region's 95% confidence interval, shown for its precision, not as a test. "
                + _verdict_sentence(offices, "local offices")
                + " "
                + _verdict_sentence(regions, "regions")
            ),
        ]
        label = _short_label(self.kpi)
        limits = kpis.funnel_limits(offices)
        if limits is not None:
            office_title = f"{label} by local office, {self.latest_period}"
            denominator = self.kpi["denominator_label"]
            office_chart = funnel_chart(limits, title=office_title, value_label=label,
                                        denominator_label=denominator,
                                        improvement=self.kpi["improvement"])  # fmt: skip
            parts.append(blocks.figure(office_chart))
        verdict = "the 99.8% funnel limits"  # overdispersion is said in the text beside it
        region_chart = comparison_chart(regions, value_label=label, reference=england,
                                        title=f"{label} by region, {self.latest_period}",
                                        verdict=verdict)  # fmt: skip
        parts.append(blocks.figure(region_chart))
        parts.append(
            blocks.table(
                area_rows(
                    pd.concat(
                        [regions.assign(level="region"), offices.assign(level="local_office")],
                        ignore_index=True,
                    )
                ),
                caption=f"{_short_label(self.kpi)} by region and local office, "
                f"{self.latest_period}",
                note=rounding_note(self.catalogue, regions, offices),
            )
        )
        return blocks.join(parts)

    @section
    def providers(self) -> Block:
        """Every placement provider in England on a funnel plot, one per KPI of this
        objective that is counted by provider and compared on funnel plots (NETS and ARCP),
        centred on England's rate, the outliers named and listed; nothing for other
        objectives."""
        measures = provider_figures.funnel_measures(self.catalogue, self.mart)
        measures = measures[measures["objective_id"] == self.objective["objective_id"]]
        if measures.empty:
            return Block()
        parts = [
            blocks.heading("By placement provider"),
            blocks.paragraph(
                "Each chart compares every placement provider in England with England's rate "
                "at the latest period: a provider stands out only outside the 99.8% funnel "
                "limits. Provider figures are protected together with their STP's, local "
                "office's and region's, as on those pages; withheld providers are neither drawn "
                "nor compared."
            ),
        ]
        figures = provider_figures.latest_figures(self.catalogue, self.mart, measures)
        for _, kpi in measures.iterrows():
            period, table = figures[kpi["kpi_id"]]
            parts.append(blocks.heading(f"{kpi['short_name']}, {period}", 3))
            parts.append(providers.national_funnel(self.catalogue, self.mart, kpi, period, table))
        return blocks.join(parts)

    @section
    def breakdown(self) -> Block:
        """The analysis particular to this objective, then its supporting measures."""
        objective = self.objective["objective_id"]
        analysis = _BREAKDOWNS.get(objective)
        found = analysis(self.catalogue, self.mart, objective) if analysis else Block()
        return found + self._supporting_measures() + self._published_rates()

    def _published_rates(self) -> Block:
        """Each supporting rate on published statistics: England's series and its regions."""
        return blocks.join(
            rate_sections.measure_section(self.catalogue, kpi, "england", "ENG", "England")
            for _, kpi in self.shows(of_kind(self.supporting, Kind.RATE)).iterrows()
        )

    def _supporting_measures(self) -> Block:
        """Every supporting proportion of this objective: England's latest figure, its SPC
        variation and, where the KPI has a target, the assurance icon."""
        rows = []
        for _, kpi in self.supporting.iterrows():
            trend = kpis.trend(self.mart, kpi["kpi_id"])
            if kpi["kind"] != "proportion" or trend.empty:
                continue
            latest = trend.iloc[-1]
            points = kpis.applicable(trend)
            result = kpis.kpi_spc(self.catalogue, kpi, points["period"], points["value"])
            target = Measure(kpi).target_value()
            rows.append(
                {
                    "Measure": kpi["descriptor"],
                    "Period": latest["period"],
                    "England": formatting.percent(latest["value"]),
                    "95% interval": formatting.interval(latest["lower"], latest["upper"]),
                    "Denominator": formatting.count(latest["denominator"]),
                    "Counted": kpi["denominator_label"],
                    "Target": "none" if target is None else formatting.percent(target),
                    "SPC variation": result.variation_text,
                    "SPC assurance": result.assurance_text,
                }
            )
        if not rows:
            return Block()
        return blocks.heading("Supporting measures") + blocks.table(
            pd.DataFrame(rows),
            "Supporting measures of this objective, England, latest period",
            national=True,
        )

    @section
    def narrative(self) -> Block:
        """The latest update from the KPI lead (with the rating history, unless the
        trend section, for a narrative KPI, already showed it)."""
        return blocks.heading("Updates from the KPI lead") + latest_update(
            self.mart, self.objective["objective_id"], with_history=self.quantitative
        )

    @section
    def programmes(self) -> Block:
        """Programmes that serve this objective, with their projects' latest status."""
        return blocks.heading("Programmes serving this objective") + programme_status(
            self.catalogue, self.mart, objective=self.objective["objective_id"]
        )

    @property
    def kpi_rows(self) -> pd.DataFrame:
        return self.catalogue.kpis_of(self.objective["objective_id"])

    @property
    def sources(self) -> list[str]:
        files = [self.kpi["source_file"], "kpi_updates", *self.supporting["source_file"]]
        return sorted({SOURCE_NAMES[f] for f in files})

    # ------------------------------------------------------------------ helpers
    def _goal_name(self) -> str:
        goals = self.catalogue.goals.set_index("goal_id")
        return goals.loc[self.objective["goal_id"], "name"]

    def _cross_cutting_representation(self) -> Block:
        ratios = of_kind(self.supporting, Kind.RATIO)
        if ratios.empty:
            return blocks.paragraph(
                "This objective's KPI is a qualitative update, so areas are not compared on a "
                "number; see the updates below."
            )
        return blocks.join(
            [representation_section(self.catalogue, self.mart, kpi) for _, kpi in ratios.iterrows()]
        )


def area_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A comparison table as display strings (withheld figures as the marker)."""
    return pd.DataFrame(
        {
            "Area": table["area"],
            "Kind": table["level"].map({"region": "Region", "local_office": "Local office"}),
            "Value": table["value"]
            .map(formatting.percent)
            .where(~table["no_data"], formatting.NO_DATA),
            "95% interval": pd.Series(
                formatting.intervals(table["lower"], table["upper"]), index=table.index
            ).where(~table["no_data"], "none"),
            "Numerator": table["numerator"].map(formatting.count),
            "Denominator": table["denominator"].map(formatting.count),
            "Funnel plot": table["outlier"].map(formatting.outlier),
        }
    )


def rounding_note(catalogue, regions: pd.DataFrame, offices: pd.DataFrame) -> str:
    """Why a region's counts may differ from the sum of its local offices', and how many do.

    Each count is rounded (or withheld) on its own from unrounded figures, so a
    region's shown numerator or denominator need not equal the sum of its offices'.
    """
    by_code = offices.set_index("area_code")
    differ = compared = 0
    for region in regions.itertuples():
        codes = catalogue.offices_in(region.area_code)
        if len(codes) < 2 or not set(codes) <= set(by_code.index):
            continue
        for column in ("numerator", "denominator"):
            parts = by_code.loc[codes, column]
            total = getattr(region, column)
            if parts.isna().any() or pd.isna(total):
                continue
            compared += 1
            differ += int(int(parts.sum()) != int(total))
    text = (
        "Counts are rounded to the nearest 5 one by one, from unrounded figures, so rounded "
        "figures may not sum: a region's count can differ from the sum of its local offices'"
    )
    return text + (f" ({differ} of {compared} region counts here do)." if compared else ".")


def _verdict_sentence(table: pd.DataFrame, peers: str) -> str:
    """Which areas of a comparison table lie beyond the funnel limits, in words."""
    above = table.loc[table["outlier"] == "high", "area"].tolist()
    below = table.loc[table["outlier"] == "low", "area"].tolist()
    adjusted = findings.funnel_words(table)
    if not above and not below:
        return f"{peers[:1].upper()}{peers[1:]}: all within the limits{adjusted}."
    sides = [f"{_names(names)} ({where})" for names, where in ((above, "above"), (below, "below"))
             if names]  # fmt: skip
    return f"{peers[:1].upper()}{peers[1:]} beyond the limits{adjusted}: " + "; ".join(sides) + "."


def _short_label(kpi: pd.Series) -> str:
    return f"{kpi['short_name']} ({kpi['unit']})"


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


#: The analysis particular to an objective: function(catalogue, mart) -> Block.
_BREAKDOWNS = {
    "restoration-recovery": arcp_breakdown,
    "learner-voice": nets_breakdown,
    "maternity": maternity_workforce,
}
