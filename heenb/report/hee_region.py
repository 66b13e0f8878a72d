"""The HEE region report: one of HEE's four regions of the 2017 operating model.

``notebooks/hee_region.ipynb`` calls :func:`hee_region_report`. The mart rolls
local offices up to these regions by summing counts (the grouping is derived:
``data/reference/README.md``). The page shows every proportion KPI for the
region against England and the other HEE regions, and its local offices' rates
as their own pages show them.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from heenb import formatting
from heenb.data.catalogue import LOCAL_OFFICE
from heenb.errors import ParameterError
from heenb.figures import kpis
from heenb.figures.measure import Kind, of_kind
from heenb.figures.score import Score, score
from heenb.report import attention, blocks, findings, providers, scorecard
from heenb.report.blocks import Block
from heenb.report.common import Inputs, MeasuresReport, checked, load_inputs, section

#: The regional structure these pages report, as in ``regional_structures.csv``.
STRUCTURE = "hee-2017-regions"


def hee_region_report(region: str, data=None) -> HeeRegionReport:
    """The report for one HEE region of 2017 (``HEE-N``, ``HEE-ME``, ``HEE-LSE``, ``HEE-S``).

    Raises
    ------
    ParameterError
        For a code that is not such a region, listing the valid ones.
    """
    inputs = load_inputs(data)
    catalogue = inputs.catalogue
    checked("region", region, catalogue.area)
    valid = catalogue.all_regions[catalogue.all_regions["structure"] == STRUCTURE]
    if region not in set(valid["region_code"]):
        listed = ", ".join(f"{c} ({n})" for c, n in zip(valid["region_code"], valid["name"],
                                                        strict=True))  # fmt: skip
        raise ParameterError(
            f"'{region}' is not an HEE region of 2017; the 'region' parameter takes one of "
            f"{listed} (data/reference/regions.csv, structure {STRUCTURE})."
        )
    return HeeRegionReport(region, inputs, {"region": region, "data": data})


class HeeRegionReport(MeasuresReport):
    """Sections of one HEE region's report, in reading order."""

    sections = ("headline", "scorecard", "office_table")
    page_type = "hee_region"

    def __init__(self, region: str, inputs: Inputs, parameters: dict):
        super().__init__(inputs, parameters)
        self.code = region
        self.name = str(self.catalogue.area(region)["name"])
        self.level = self.catalogue.region_level(STRUCTURE)
        self.offices = self.catalogue.offices_in(region)

    @cached_property
    def measures(self) -> pd.DataFrame:
        """The proportion KPIs the mart counts for HEE regions."""
        table = self.mart.proportions
        counted = set(table.loc[(table["level"] == self.level) & (table["breakdown"] == "all"),
                                "measure"])  # fmt: skip
        rows = self.catalogue.kpis
        return of_kind(rows[rows["kpi_id"].isin(counted)], Kind.PROPORTION)

    @section
    def headline(self) -> Block:
        title = f"{self.name} (HEE region, 2017)"
        facts = {
            "Region": f"{self.name} ({self.code}), one of HEE's four regions of the 2017 "
            "operating model",
            "Local offices": ", ".join(self.catalogue.area_name(o) for o in self.offices),
            "Grouping": "derived: HEE's 2017 documents give the four regions but not which "
            "local office sat in which; the grouping most often stated is used (see the "
            "reference data).",
            "Figures": "the local offices' counts summed, then protected.",
        }
        return self.opening(title, facts)

    @cached_property
    def scores(self) -> dict[str, Score]:
        """Each KPI's :class:`~heenb.figures.score.Score` for the region against the other HEE
        regions of 2017."""
        return {
            kpi["kpi_id"]: score(self.catalogue, self.mart, kpi, self.code, self.level)
            for _, kpi in self.measures.iterrows()
        }

    def attention(self) -> Block:
        """The exceptions, then the KPIs by question (evidence: the scorecard)."""
        evidence = {key: "#scorecard" for key in ("standing", "change", "variation")}
        return attention.area_attention(
            list(self.scores.values()), self.name, "HEE regions", evidence
        )

    def findings(self) -> list[str]:
        """KPIs on which the region stands out from the other HEE regions (worse first),
        significant changes in its own figures, then, if nothing stands out, that."""
        return findings.area_points(list(self.scores.values()), self.name, "HEE regions")

    def _figures(self, kpi_id: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
        period = kpis.latest_period(self.mart, kpi_id)
        regions = kpis.compare(self.mart, self.catalogue, kpi_id, period, self.level)
        offices = kpis.compare(self.mart, self.catalogue, kpi_id, period, LOCAL_OFFICE)
        return period, regions, offices

    @cached_property
    def scorecard_table(self) -> pd.DataFrame:
        """One row per KPI (``kpi_id`` and the columns the scorecard shows): the region's
        latest protected figures beside England's."""
        rows = []
        for _, kpi in self.measures.iterrows():
            period, regions, _offices = self._figures(kpi["kpi_id"])
            mine = regions[regions["area_code"] == self.code]
            row = {"kpi_id": kpi["kpi_id"], "KPI": kpi["short_name"], "Period": period,
                   **scorecard.figure_cells(None if mine.empty else mine.iloc[0])}  # fmt: skip
            standing = self.scores[kpi["kpi_id"]].standing
            row["Compared with other HEE regions"] = formatting.outlier(
                "no data" if mine.empty else standing
            )
            row["England"] = scorecard.value_at(kpis.trend(self.mart, kpi["kpi_id"]), period)
            rows.append(row)
        return pd.DataFrame(rows)

    @section
    def scorecard(self) -> Block:
        heading = blocks.heading("Scorecard")
        table = self.scorecard_table
        if table.empty:
            return heading + blocks.no_data("the scorecard", "no KPI is counted by region")
        return heading + blocks.table(
            table.drop(columns=["kpi_id"]),
            f"Every KPI for {self.name} (HEE region, 2017) at its latest period",
            note="Some figures are withheld only so that no withheld figure can be worked out "
            "from a total and its other parts. Counts are rounded to the nearest 5.",
        )

    @section
    def office_table(self) -> Block:
        heading = blocks.heading("Local offices")
        columns = {"Local office": [self.catalogue.area_name(o) for o in self.offices]}
        for _, kpi in self.measures.iterrows():
            period, _, offices = self._figures(kpi["kpi_id"])
            rows = offices.set_index("area_code")
            columns[f"{kpi['short_name']} ({period})"] = [
                providers.rate_text(rows.loc[o]) if o in rows.index else formatting.NO_DATA
                for o in self.offices
            ]
        return heading + blocks.table(
            pd.DataFrame(columns),
            f"Each KPI by local office, {self.name} (HEE region, 2017)",
            note="Each local office has its own page.",
        )
