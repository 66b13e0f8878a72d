"""The ICS report: one Integrated Care System (2022 onwards) and its organisations.

``notebooks/ics.ipynb`` calls :func:`ics_report` and shows one section per cell. An ICS
is known from the published statistics that declare it (:mod:`heenb.data.published`):
the page shows every rate KPI whose source gives figures by ICS (the XmR of its months,
its organisations against every organisation in England) and nothing synthetic, so it
carries no demonstration banner; its data notes cite each publication and its licence.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from heenb.figures import rates
from heenb.figures.measure import Kind, of_kind
from heenb.report import blocks
from heenb.report import rates as rate_sections
from heenb.report.blocks import Block
from heenb.report.common import Inputs, MeasuresReport, section


def ics_report(ics: str, data=None) -> IcsReport:
    """The report for one ICS (a code such as ``QKK``); an unknown code raises
    ParameterError listing the valid ones."""
    return IcsReport.for_value(ics, data)


class IcsReport(MeasuresReport):
    """Sections of one ICS's report, in reading order."""

    sections = ("headline", "measures_shown")
    page_type = "ics"
    parameter = "ics"

    def __init__(self, ics: str, inputs: Inputs, parameters: dict):
        super().__init__(inputs, parameters)
        self.code = ics
        self.record = self.catalogue.ics(ics)
        self.name = str(self.record["name"])
        self.region = str(self.record["region_code"])

    def up(self) -> list[tuple[str, str, str]]:
        """An ICS sits in its NHS England region."""
        known = set(self.catalogue.regions["region_code"])
        if self.region not in known:
            return []
        return [(self.catalogue.area_name(self.region), "area", self.region)]

    @cached_property
    def measures(self) -> pd.DataFrame:
        """The rate KPIs whose sources give figures by ICS."""
        shown = self.shows(of_kind(self.catalogue.kpis, Kind.RATE))
        return shown[pd.Series([("ics" in rates.levels(kpi)) for _, kpi in shown.iterrows()],
                               index=shown.index, dtype=bool)]  # fmt: skip

    def findings(self) -> list[str]:
        """What is adverse first: the organisations beyond each measure's limits (worse
        before better); then each measure's latest figure for the ICS."""
        beyond = [
            point
            for _, kpi in self.measures.iterrows()
            for point in rate_sections.outlier_sentences(kpi, "ics", self.code)
        ]
        latest = [
            rate_sections.latest_sentence(kpi, "ics", self.code, self.name)
            for _, kpi in self.measures.iterrows()
        ]
        return [*beyond, *(p for p in latest if p)]

    # ------------------------------------------------------------------ sections
    @section
    def headline(self) -> Block:
        """Where the ICS sits, its title, the main points, then its facts."""
        region = self.up()[0][0] if self.up() else self.region
        facts = {
            "Integrated Care System": self.name,
            "ICS code": self.code,
            "NHS England region": region,
        }
        return self.opening(self.name, facts)

    @section
    def measures_shown(self) -> Block:
        """Each rate KPI for the ICS, with its organisations."""
        if self.measures.empty:
            return blocks.no_data(self.name, "no declared measure is published by ICS.")
        return blocks.join(
            rate_sections.measure_section(self.catalogue, kpi, "ics", self.code, self.name)
            for _, kpi in self.measures.iterrows()
        )
