"""The STP report: one Sustainability and Transformation Partnership and its providers.

``notebooks/stp.ipynb`` calls :func:`stp_report` and shows one section per cell.
Only NETS and ARCP are counted by provider, so the page shows their proportion
KPIs: a scorecard against the STP's local office, region and England, a table of
its providers and funnel plots of providers within the local office and
nationally. The STP's and its providers' figures are published as
:mod:`heenb.figures.providers` gives them: n rounded and protected across levels, each
rate from the unrounded counts to the precision its n allows, and every verdict
(standing against other STPs, change since the previous period) one that holds
whatever the unrounded counts behind the published n and rate.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from heenb.data.catalogue import PROVIDER, STP
from heenb.errors import ParameterError
from heenb.figures import kpis
from heenb.figures import providers as provider_figures
from heenb.figures.score import OUTSIDE, Score
from heenb.report import attention, blocks, findings, providers, scorecard
from heenb.report.blocks import Block
from heenb.report.common import Inputs, MeasuresReport, checked, load_inputs, section

#: What the page says about Local Workforce Action Boards.
LWAB_TEXT = (
    "Local Workforce Action Boards (LWABs) are not mapped: HEE's 2017 operating model gives "
    "only their number (38), not which STPs each covers, so no page groups STPs by LWAB."
)


def stp_report(stp: str, data=None) -> StpReport:
    """The report for one STP (an ONS code such as ``E54000008``).

    Raises
    ------
    ParameterError
        For a code that is not an STP, listing the valid ones.
    """
    inputs = load_inputs(data)
    checked("stp", stp, inputs.catalogue.area)
    if inputs.catalogue.area(stp)["level"] != STP:
        stps = inputs.catalogue.areas_at(STP)
        raise ParameterError(
            f"'{stp}' is not an STP; the 'stp' parameter takes an STP code from "
            "data/reference/stps.csv: "
            + ", ".join(f"{c} ({n})" for c, n in zip(stps["area_code"], stps["name"], strict=True))
            + "."
        )
    return StpReport(stp, inputs, {"stp": stp, "data": data})


class StpReport(MeasuresReport):
    """Sections of one STP's report, in reading order."""

    sections = ("headline", "scorecard", "provider_table", "comparisons")
    page_type = "stp"

    def up(self) -> list[tuple[str, str, str]]:
        """An STP sits in its local office, in its NHS England region."""
        region, office = (self.catalogue.area_name(c) for c in (self.region, self.office))
        region = f"{region} region" if region == office else region  # as South West's
        return [(region, "area", self.region), (office, "area", self.office)]

    def __init__(self, stp: str, inputs: Inputs, parameters: dict):
        super().__init__(inputs, parameters)
        self.code = stp
        self.area = self.catalogue.area(stp)
        self.name = str(self.area["name"])
        self.office = str(self.area["local_office_code"])
        self.region = str(self.area["region_code"])
        self.provider_codes = self.catalogue.providers_in(stp)

    @cached_property
    def measures(self) -> pd.DataFrame:
        """The proportion KPIs counted by provider."""
        return provider_figures.provider_measures(self.catalogue, self.mart)

    @cached_property
    def figures(self) -> dict[str, tuple[str, pd.DataFrame]]:
        """By KPI id: its latest period and the protected counts of every office, STP and
        provider then."""
        return provider_figures.latest_figures(self.catalogue, self.mart, self.measures)

    @cached_property
    def missing(self) -> str | None:
        """Why the STP has no provider figures; None when it has some."""
        return provider_figures.missing_reason(self.mart, self.provider_codes, "this STP")

    @cached_property
    def scores(self) -> dict[str, Score]:
        """Each provider KPI's :class:`~heenb.figures.providers.PublishedScore` for the STP
        against the other STPs."""
        return {
            kpi["kpi_id"]: provider_figures.stp_score(self.catalogue, self.mart, kpi, self.code)
            for _, kpi in self.measures.iterrows()
        }

    def attention(self) -> Block:
        """The STP's exceptions, then its KPIs by question (evidence: the scorecard)."""
        if self.missing:
            return Block()
        evidence = {key: "#scorecard" for key in ("standing", "change", "variation")}
        return attention.area_attention(list(self.scores.values()), self.name, "STPs", evidence)

    def findings(self) -> list[str]:
        """KPIs on which the STP stands out from other STPs (worse first), significant
        changes in its own figures, then, if nothing stands out, that."""
        if self.missing:
            return [f"No provider figures for {self.name}: {self.missing}."]
        scores = list(self.scores.values())
        standing = [(s.standing_verdict != "worse", findings.standing_point(s, self.name, "STPs"))
                    for s in scores if s.standing in OUTSIDE]  # fmt: skip
        points = [text for _, text in sorted(standing, key=lambda pair: pair[0]) if text]
        points += [self._change_point(s) for s in scores if s.change and s.change["significant"]]
        summary = findings.standing_summary(scores, self.name, "STPs")
        return points + ([summary] if summary else [])

    def _change_point(self, judged: Score) -> str:
        """A significant change in the STP's published rate, in words."""
        latest = judged.trend[kpis.shown(judged.trend)].iloc[-1]
        return (
            f"{judged.measure.short_name}: {providers.published_rate_text(latest)} in "
            f"{self.name} in {latest['period']}, "
            f"{findings.change_words(judged.change, judged.measure.row)}."
        )

    # ------------------------------------------------------------------ sections
    @section
    def headline(self) -> Block:
        facts = {
            "STP": f"{self.name} ({self.code})",
            "Local office": self.catalogue.area_name(self.office),
            "Region": self.catalogue.area_name(self.region),
            "Providers": str(len(self.provider_codes)),
            "LWAB": LWAB_TEXT,
        }
        return self.opening(self.name, facts)

    @section
    def scorecard(self) -> Block:
        heading = blocks.heading("Scorecard")
        if self.missing:
            return heading + blocks.no_data("the scorecard", self.missing)
        rows = []
        for _, kpi in self.measures.iterrows():
            period, table = self.figures[kpi["kpi_id"]]
            mine = table[table["area_code"] == self.code]
            judged = self.scores[kpi["kpi_id"]]
            row = {"KPI": kpi["short_name"], "Period": period,
                   **providers.published_cells(None if mine.empty else mine.iloc[0])}  # fmt: skip
            outlier = "no data" if mine.empty else judged.standing
            for label, code in (("Local office", self.office), ("Region", self.region)):
                row[label] = scorecard.value_at(kpis.trend(self.mart, kpi["kpi_id"], code), period)
            row["England"] = scorecard.value_at(kpis.trend(self.mart, kpi["kpi_id"]), period)
            row["Compared with other STPs"] = providers.verdict_text(outlier)
            rows.append(row)
        return heading + blocks.table(
            pd.DataFrame(rows),
            f"Every provider-level KPI for {self.name} at its latest period",
            note=providers.rates_note() + " The local office's and region's rates are worked "
            "out from their rounded counts; England's from its unrounded counts. The 95% "
            "interval allows for every count the n and rate shown allow.",
        )

    @section
    def provider_table(self) -> Block:
        heading = blocks.heading("Providers")
        if self.missing:
            return heading + blocks.no_data("the providers", self.missing)
        return heading + providers.rates_table(
            self.catalogue, self.measures, self.figures, self.provider_codes,
            f"Each KPI by provider, {self.name}",
        )  # fmt: skip

    @section
    def comparisons(self) -> Block:
        """NETS satisfaction and the ARCP KPIs by provider: a funnel plot of the local
        office's providers, and this STP's providers against England's funnel limits in
        words and a table (a chart of all 137 providers per KPI would more than double the
        page), with outlying providers named."""
        heading = blocks.heading("Providers compared")
        if self.missing:
            return heading + blocks.no_data("provider comparisons", self.missing)
        office_name = self.catalogue.area_name(self.office)
        parts = [heading, blocks.paragraph(
            "A provider stands out only outside the 99.8% funnel limits. Within the local "
            f"office the centre line is {office_name}'s rate from the providers shown; across "
            "England it is England's rate. Withheld figures are neither drawn nor compared."
        )]  # fmt: skip
        names = [self.catalogue.area_name(p) for p in self.provider_codes]
        for _, kpi in provider_figures.funnel_measures(self.catalogue, self.mart).iterrows():
            period, table = self.figures[kpi["kpi_id"]]
            rows = provider_figures.at_level(table, PROVIDER)
            parts.append(blocks.heading(f"{kpi['short_name']}, {period}", 3))
            parts.append(providers.office_funnel(self.catalogue, kpi, period, table, self.office,
                                                 names, "this STP's providers"))  # fmt: skip
            centre = kpis.england_value(self.mart, kpi["kpi_id"], period)
            national = provider_figures.limits_of(rows, centre, provider_figures.ENGLAND_FUNNEL)
            words = [providers.outliers_in_words(national, names, "across England"),
                     providers.on_limit_words(national, names)]  # fmt: skip
            parts.append(blocks.paragraph(" ".join(w for w in words if w)))
            if national is not None and national.index.isin(names).any():
                parts.append(providers.standing_table(
                    national, names, f"{kpi['short_name']}: {self.name}'s providers against "
                    f"England's funnel limits, {period}"))  # fmt: skip
        return blocks.join(parts)
