"""The area report: every KPI for one region or local office, scorecard first.

``notebooks/region.ipynb`` calls :func:`area_report` and shows one section per
cell; each method returns a :class:`~heenb.report.blocks.Block`.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from heenb import formatting
from heenb.charts.funnel import funnel_chart
from heenb.charts.trend import small_multiples
from heenb.data.catalogue import ENGLAND
from heenb.figures import kpis, rates
from heenb.figures import providers as provider_figures
from heenb.figures.commitments import commitment_figures
from heenb.figures.measure import Kind, of_kind
from heenb.figures.score import Score, score
from heenb.plan import declared_sources
from heenb.report import attention, blocks, findings, involvement, providers, scorecard
from heenb.report import rates as rate_sections
from heenb.report.blocks import Block
from heenb.report.common import SOURCE_NAMES, Inputs, Report, section
from heenb.report.narrative import latest_project_status, programme_status
from heenb.report.staffing import staff_trend


def area_report(area: str, data=None) -> AreaReport:
    """The report for one region (e.g. ``Y60``) or local office (e.g. ``EM``); an unknown
    code raises ParameterError listing the valid ones."""
    return AreaReport.for_value(area, data)


class AreaReport(Report):
    """Sections of one area's report, in reading order."""

    sections = (
        "headline",
        "scorecard",
        "trends",
        "comparisons",
        "providers",
        "programmes",
        "involvement",
        "workforce",
        "published_measures",
    )
    page_type = "area"

    def up(self) -> list[tuple[str, str, str]]:
        """A local office sits in its NHS England region."""
        region = str(self.area["region_code"])
        return [(self.catalogue.area_name(region), "area", region)] if self.is_office else []

    parameter = "area"

    def __init__(self, area: str, inputs: Inputs, parameters: dict):
        super().__init__(inputs, parameters)
        self.area = self.catalogue.area(area)
        self.code = area
        self.level = self.area["level"]
        self.is_office = self.level == "local_office"
        self.offices = [area] if self.is_office else self.catalogue.offices_in(area)

    @property
    def sources(self) -> list[str]:
        files = [*self.kpi_rows["source_file"], *declared_sources("area")]
        return [SOURCE_NAMES[f] for f in dict.fromkeys(files)]

    @property
    def kpi_rows(self) -> pd.DataFrame:
        return pd.concat([self.measures, self.rate_measures])

    @cached_property
    def rate_measures(self) -> pd.DataFrame:
        """The rate KPIs on published statistics that give figures by NHS England region."""
        shown = self.shows(of_kind(self.catalogue.kpis, Kind.RATE))
        return shown[pd.Series([("region" in rates.levels(kpi)) for _, kpi in shown.iterrows()],
                               index=shown.index, dtype=bool)]  # fmt: skip

    @cached_property
    def measures(self) -> pd.DataFrame:
        """The quantitative KPIs reported for every area (kind proportion, breakdown all)."""
        proportions = self.mart.proportions
        available = set(proportions.loc[proportions["breakdown"] == "all", "measure"])
        return self.catalogue.kpis[self.catalogue.kpis["kpi_id"].isin(available)]

    @cached_property
    def scorecard_table(self) -> pd.DataFrame:
        """One row per KPI: the area's latest value beside England (and its region)."""
        rows = [self._score(kpi) for _, kpi in self.measures.iterrows()]
        return pd.DataFrame(rows)

    @cached_property
    def scores(self) -> dict[str, Score]:
        """Each KPI's :class:`~heenb.figures.score.Score` in this area against its peers."""
        return {
            kpi["kpi_id"]: score(self.catalogue, self.mart, kpi, self.code, self.level)
            for _, kpi in self.measures.iterrows()
        }

    @property
    def peers(self) -> str:
        return "local offices" if self.is_office else "regions"

    def _score(self, kpi: pd.Series) -> dict:
        kpi_id = kpi["kpi_id"]
        judged = self.scores[kpi_id]
        period = judged.latest_period
        mine = judged.peers[judged.peers["area_code"] == self.code]
        no_data = mine.empty or (mine["denominator"].fillna(1) == 0).all()
        row = {"kpi_id": kpi_id, "KPI": kpi["short_name"], "Period": period}
        if no_data:
            row["Value"] = formatting.NO_DATA
            row["95% interval"] = f"none for this area in {period}"
        else:
            mine = mine.iloc[0]
            row["Value"] = formatting.percent(mine["value"])
            row["95% interval"] = formatting.interval(mine["lower"], mine["upper"])
        row["England"] = formatting.percent(kpis.trend(self.mart, kpi_id).iloc[-1]["value"])
        if self.is_office:
            region = kpis.trend(self.mart, kpi_id, self.area["region_code"])
            row["Region"] = (
                formatting.percent(region.iloc[-1]["value"]) if len(region) else formatting.NO_DATA
            )
        row["Compared with other areas"] = formatting.outlier(judged.standing)
        row["Better when"] = {"higher": "higher", "lower": "lower"}.get(kpi["improvement"], "-")
        return row

    # ------------------------------------------------------------------ sections
    @section
    def headline(self) -> Block:
        name = self.area["name"]
        kind = (
            f"Local office in {self.catalogue.area_name(self.area['region_code'])}"
            if self.is_office
            else "NHS England region"
        )
        offices = ", ".join(self.catalogue.area_name(o) for o in self.offices)
        facts = {"Area": f"{name} ({self.code})", "Kind": kind, "Local offices": offices}
        return self.opening(name, facts)

    def attention(self) -> Block:
        """The exceptions, then the KPIs by question (evidence: the scorecard)."""
        evidence = {key: "#scorecard" for key in ("standing", "change", "variation")}
        return attention.area_attention(
            list(self.scores.values()), self.area["name"], self.peers, evidence
        )

    def findings(self) -> list[str]:
        """The findings, most important first: KPIs on which the area stands out (worse
        first), significant changes in its own figures, programmes off track, its staff in
        post since the commitments' baseline; then, if nothing stands out, that."""
        name = self.area["name"]
        judged = list(self.scores.values())
        points = findings.area_points(judged, name, self.peers, summary=False)
        summary = findings.standing_summary(judged, name, self.peers)
        projects = latest_project_status(self.mart)
        projects = projects[projects["local_office"].isin(self.offices)]
        points.append(findings.projects_point(f"Programme projects in {name}", projects))
        staff = [
            f"{formatting.in_sentence(kpi['short_name'])} {findings.staff_words(kpi, figures)}"
            for _, kpi in of_kind(self.catalogue.kpis, Kind.STAFF).iterrows()
            if (figures := commitment_figures(self.mart, kpi, self.code)) is not None
            and figures["start"] is not None
        ]
        if staff:
            points.append(f"Staff in post in {name}: " + "; ".join(staff) + ".")
        if not self.is_office:
            points += [
                rate_sections.main_point(kpi, "region", self.code, name)
                for _, kpi in self.rate_measures.iterrows()
            ]
        return points + ([summary] if summary else [])

    @section
    def scorecard(self) -> Block:
        """The area's KPIs as a board reads them (latest value, change since the previous
        period, MDC variation and assurance), then compared with England and its peers."""
        heading = blocks.heading("Scorecard")
        table = self.scorecard_table
        if table.empty:
            return heading + blocks.no_data("the scorecard", "no KPI has data for this area")
        rows = [
            {
                "KPI": kpi["short_name"],
                **scorecard.kpi_cells(self.scores[kpi["kpi_id"]]),
            }
            for _, kpi in self.measures.iterrows()
        ]
        shown = table.drop(columns=["kpi_id"])
        peers = "local offices" if self.is_office else "regions"
        rows, unassessed = scorecard.without_unassessed(rows, "KPI")
        return blocks.join(
            [
                heading,
                scorecard.key(),
                scorecard.table(
                    rows, f"Every KPI for {self.area['name']}: latest and change", unassessed
                ),
                blocks.table(
                    shown,
                    f"Every KPI for {self.area['name']} compared with England and other {peers}",
                ),
            ]
        )

    @section
    def trends(self) -> Block:
        """Every KPI's trend in the area, its region and England, one panel per KPI; years
        before a KPI existed (ARCP outcome 10.1 before 2020) are not rows of its data, so
        they are neither drawn nor a blank "not available" in the spreadsheet."""
        heading = blocks.heading("KPI trends")
        lines = []
        for _, kpi in self.measures.iterrows():
            for code in dict.fromkeys([self.code, *self._comparators()]):
                series = kpis.applicable(kpis.trend(self.mart, kpi["kpi_id"], code))
                lines.append(series.assign(line=self._line_label(code), KPI=kpi["short_name"]))
        if not lines:
            return heading + blocks.no_data("KPI trends", "no KPI has data for this area")
        chart = small_multiples(
            pd.concat(lines, ignore_index=True).sort_values("period", kind="stable"),
            title=f"KPI trends, {self.area['name']}",
            panels_column="KPI",
            value_label="KPI value (%)",
            ncols=2,
        )
        return heading + blocks.figure(chart)

    @section
    def comparisons(self) -> Block:
        """Each objective's headline KPI on a funnel plot of this area's peers, this area
        ringed and labelled (supporting KPIs are compared in the scorecard, to keep the
        page small)."""
        heading = blocks.heading("Compared with other areas")
        peers = "local offices" if self.is_office else "regions"
        parts = [
            heading,
            blocks.paragraph(
                f"Each chart compares {self.area['name']} (ringed) with the other {peers} on "
                "one KPI at its latest period, against the England rate: an area stands out "
                "only outside the 99.8% limits."
            ),
        ]
        for _, kpi in self.measures[self.measures["role"] == "headline"].iterrows():
            period = kpis.latest_period(self.mart, kpi["kpi_id"])
            table = kpis.compare(self.mart, self.catalogue, kpi["kpi_id"], period, self.level)
            limits = kpis.funnel_limits(table)
            if limits is None:
                continue
            label = f"{kpi['short_name']} ({kpi['unit']})"
            name = self.area["name"]
            if name not in limits.index:
                parts.append(
                    blocks.paragraph(
                        f"{kpi['short_name']}: {name}'s figure for {period} is not shown "
                        f"({formatting.WITHHELD} or no data), so it is not drawn below."
                    )
                )
            parts.append(
                blocks.figure(
                    funnel_chart(
                        limits,
                        title=f"{label} by {peers[:-1] if self.is_office else 'region'}, {period}",
                        value_label=label,
                        denominator_label=kpi["denominator_label"],
                        improvement=kpi["improvement"],
                        highlight=name if name in limits.index else None,
                        unit_name=("local office", "local offices")
                        if self.is_office
                        else ("region", "regions"),
                    )
                )
            )
        return blocks.join(parts)

    @section
    def providers(self) -> Block:
        """A local office's placement providers: each provider KPI by provider (protected
        across provider, STP and office), then each funnel KPI's providers on a funnel plot
        about their pooled rate, outliers named. A region's page says where those are."""
        heading = blocks.heading("Placement providers")
        if not self.is_office:
            return heading + self._provider_pages()
        codes = self.catalogue.providers_in(self.code)
        name = self.area["name"]
        missing = provider_figures.missing_reason(self.mart, codes, "this local office")
        if missing:
            return heading + blocks.no_data("the providers", missing)
        measures = provider_figures.provider_measures(self.catalogue, self.mart)
        figures = provider_figures.latest_figures(self.catalogue, self.mart, measures)
        parts = [
            heading,
            blocks.paragraph(
                f"{name} has {len(codes)} placement providers. NETS and ARCP are counted by "
                "provider; each provider's figures are protected together with its STP's, the "
                "local office's and the region's, as on the STP pages. On the funnel plots the "
                "centre line "
                f"is {name}'s rate from the providers shown, and a provider stands out only "
                "outside the 99.8% limits; withheld figures are neither drawn nor compared."
            ),
            providers.rates_table(
                self.catalogue,
                measures,
                figures,
                codes,
                f"Each KPI by provider, {name}",
                with_stp=True,
            ),
        ]
        names, whose = [self.catalogue.area_name(p) for p in codes], "the local office's providers"
        for _, kpi in provider_figures.funnel_measures(self.catalogue, self.mart).iterrows():
            period, table = figures[kpi["kpi_id"]]
            parts.append(blocks.heading(f"By provider: {kpi['short_name']}, {period}", 3))
            parts.append(providers.office_funnel(self.catalogue, kpi, period, table, self.code,
                                                 names, whose))  # fmt: skip
        stps = self.catalogue.stps_in(self.code)
        if stps:
            parts.append(blocks.paragraph(f"Each STP of {name} has its own page:"))
            parts.append(blocks.linked_list(
                [[(self.catalogue.area_name(code), self.link_to("stp", code))] for code in stps]
            ))  # fmt: skip
        return blocks.join(parts)

    def _provider_pages(self) -> Block:
        """Where a region's provider figures are: each local office's page and its STPs'."""

        def link(code: str, page_type: str) -> tuple[str, str | None]:
            return self.catalogue.area_name(code), self.link_to(page_type, code)

        items = []
        for office in self.offices:
            stps = self.catalogue.stps_in(office)
            item = [link(office, "area")]
            if stps:
                item += [(": its STPs ", None), link(stps[0], "stp")]
            for stp in stps[1:]:
                item += [(", ", None), link(stp, "stp")]
            items.append(item)
        return blocks.paragraph(
            "Figures by placement provider (NETS and ARCP) are on the pages of this region's "
            "local offices, which show all their providers, and of their STPs:"
        ) + blocks.linked_list(items)

    @section
    def programmes(self) -> Block:
        return blocks.heading("Programmes and projects") + programme_status(
            self.catalogue, self.mart, local_offices=self.offices
        )

    @section
    def involvement(self) -> Block:
        """Patient and public involvement activity by type and year (protected counts).

        A region shows each of its local offices' tables, exactly as their own
        pages do, and no region total: a region total beside its offices' figures
        would let a withheld office figure be worked out by subtraction.
        """
        heading = blocks.heading("Patient and public involvement")
        rows = self.mart.ppi_activities
        rows = rows[rows["local_office"].isin(self.offices)]
        if rows.empty:
            return heading + blocks.no_data("involvement activity", "none recorded for this area")
        parts = [heading]
        if not self.is_office:
            parts.append(
                blocks.paragraph(
                    "Each local office is shown as on its own page; the region is not totalled, "
                    "so that no withheld figure can be worked out from a region total."
                )
            )
        for office in self.offices:
            mine = rows[rows["local_office"] == office]
            if mine.empty:
                continue
            protected = involvement.protected_counts(self.catalogue, mine, "year")
            parts.append(
                involvement.table(
                    protected,
                    f"Involvement activities by type and year, {self.catalogue.area_name(office)}",
                )
            )
        return blocks.join(parts)

    @section
    def workforce(self) -> Block:
        heading = blocks.heading("Workforce supply")
        table = self.mart.workforce
        mine = table[table["area_code"] == self.code].sort_values("month")
        if mine.empty:
            return heading + blocks.no_data("workforce", "no workforce rows for this area")
        latest = mine["month"].max()
        year_before = str(pd.Period(latest, "M") - 12)
        at = mine.pivot_table(index="staff_group", columns="month", values="fte")
        names = self.catalogue.codes["staff_groups"].set_index("staff_group")["name"]
        rows = pd.DataFrame(
            {
                "Staff group": [names[g] for g in at.index],
                f"FTE {year_before}": at.get(year_before, pd.Series(dtype=float))
                .map(formatting.fte)
                .reindex(at.index)
                .fillna(formatting.NO_DATA)
                .to_numpy(),
                f"FTE {latest}": at[latest].map(formatting.fte).to_numpy(),
            }
        )
        trends = []
        for _, kpi in of_kind(self.catalogue.kpis, Kind.STAFF).iterrows():
            figures = commitment_figures(self.mart, kpi, self.code)
            if figures is not None:
                trends.append(
                    staff_trend(
                        self.catalogue, kpi, figures["series"], self.area["name"], level=False
                    )
                )
        return (
            heading
            + blocks.table(rows, f"Staff in post by group, {self.area['name']}")
            + blocks.join(trends)
        )

    @section
    def published_measures(self) -> Block:
        """Rate KPIs from published statistics: a region's series, its ICSs (each linked to
        its page); a local office is pointed to its region, as the statistics are not
        published by HEE local office."""
        if self.rate_measures.empty:
            return Block()
        if self.is_office:
            region = str(self.area["region_code"])
            names = ", ".join(self.rate_measures["short_name"])
            return blocks.heading("Published statistics") + blocks.paragraph(
                f"{names}: published by NHS England region and ICS, not by HEE local office; "
                f"see the page of {self.catalogue.area_name(region)}."
            )
        parts = [
            rate_sections.measure_section(
                self.catalogue, kpi, "region", self.code, str(self.area["name"])
            )  # fmt: skip
            for _, kpi in self.rate_measures.iterrows()
        ]
        systems = self.catalogue.integrated_care_systems
        systems = systems[systems["region_code"] == self.code]
        if not systems.empty:  # one paragraph of links: a list would print a line each
            links = [
                f'<a href="{blocks.escape(href)}">{blocks.escape(name)}</a>'
                if (href := self.link_to("ics", code))
                else blocks.escape(name)
                for code, name in zip(systems["ics_code"], systems["name"], strict=True)
            ]
            said = "Each ICS of this region has its own page: "
            parts.append(Block(f"<p>{said}{', '.join(links)}.</p>",
                               f"{said}{', '.join(systems['name'])}."))  # fmt: skip
        return blocks.join(parts)

    def _line_label(self, code: str) -> str:
        """An area's name for a chart line; a region is marked, since some share a name."""
        name = self.catalogue.area_name(code)
        return (
            f"{name} region"
            if code != self.code and code in set(self.catalogue.regions["region_code"])
            else name
        )

    def _comparators(self) -> list[str]:
        return [self.area["region_code"], ENGLAND] if self.is_office else [ENGLAND]
