"""The front page: the national scorecard by region and a link to every report.

``notebooks/index.ipynb`` calls :func:`index_report`; ``heenb build`` runs it
through papermill after the other reports, so it can say which failed.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cached_property
from pathlib import Path

import pandas as pd

from heenb import formatting, paths
from heenb.data.catalogue import ENGLAND
from heenb.figures import kpis
from heenb.figures.commitments import commitment_figures
from heenb.figures.measure import Kind, Measure, of_kind
from heenb.figures.score import OUTSIDE, Score, score, scores
from heenb.plan import Job, load_plan
from heenb.report import attention, blocks, findings, scorecard
from heenb.report.blocks import Block
from heenb.report.changes import area_names, compare, summary_block
from heenb.report.common import (
    Inputs,
    Report,
    demo_banner,
    load_inputs,
    release_block,
    section,
)
from heenb.report.narrative import latest_project_status

SOURCES = ["Every raw source; see each report's data notes"]
_MARKS = {"high": " (above)", "low": " (below)"}


def index_report(reports_dir=None, plan=None, data=None) -> IndexReport:
    """The front page for the reports in ``reports_dir`` (default ``reports/``) of ``plan``
    (a report plan file; default ``reports.yml``)."""
    folder = Path(reports_dir) if reports_dir else paths.DEFAULT_REPORTS_DIR
    parameters = {"reports_dir": reports_dir, "plan": plan, "data": data}
    return IndexReport(folder, plan, load_inputs(data), parameters)


class IndexReport(Report):
    """Sections of the front page, in reading order."""

    sections = ("headline", "changes", "scorecard", "commitments", "reports")

    sources = SOURCES

    def __init__(self, folder: Path, plan, inputs: Inputs, parameters: dict):
        super().__init__(inputs, parameters)
        self.folder = folder
        self.jobs: list[Job] = load_plan(plan, catalogue=self.catalogue)

    @cached_property
    def build_log(self) -> dict:
        log = self.folder / "build.json"
        return json.loads(log.read_text()) if log.is_file() else {}

    @cached_property
    def statuses(self) -> pd.DataFrame:
        """One row per report of the plan: ``output``, ``label``, ``group``, ``state``, ``error``.

        ``state`` is ``built`` (page present, its latest build succeeded from the
        latest build's data and code), ``outdated`` (page present but built from
        older data or code: it was not selected in the latest build), ``stale``
        (the latest build failed; an earlier page is shown), ``failed`` (failed,
        no page) or ``missing`` (never built).
        """
        log = self.build_log
        logged = {r["output"]: r for r in log.get("reports", [])}
        rows = []
        for job in self.jobs:
            entry = logged.get(job.output, {})
            if not (self.folder / job.output).is_file():
                state = "failed" if entry.get("status") == "failed" else "missing"
            elif entry.get("status") == "failed":
                state = "stale"
            elif not entry.get("current", False):
                state = "outdated"
            else:
                state = "built"
            rows.append(
                {
                    "output": job.output,
                    "group": job.title,
                    "label": job.label,
                    "state": state,
                    "error": entry.get("error", ""),
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ sections
    @section
    def headline(self) -> Block:
        statuses = self.statuses
        broken = statuses[statuses["state"].isin(["stale", "failed"])]
        built = self.folder / "build.json"
        when = (
            dt.datetime.fromtimestamp(built.stat().st_mtime, dt.UTC).strftime("%d %B %Y %H:%M UTC")
            if built.is_file()
            else "not yet built"
        )
        status = blocks.paragraph(
            f"Status: {(statuses['state'] == 'built').sum()} of {len(statuses)} reports are up "
            f"to date. Latest build: {when}. Data: {self._periods()}.",
            "heenb-status",
        )
        parts = [
            blocks.heading("Workforce education reports", 1),
            release_block(),
            demo_banner(self.inputs),
            self.main_points(),
            self.attention(),
            status,
        ]
        if not broken.empty:
            parts.append(
                blocks.banner(
                    f"{len(broken)} report(s) failed in the latest build: "
                    + "; ".join(
                        f"{r.label} ({r.error or 'no error recorded'})" for r in broken.itertuples()
                    )
                    + ". Pages marked stale are from an earlier build.",
                    kind="error",
                )
            )
        return blocks.join(parts)

    @section
    def changes(self) -> Block:
        """What changed since the last release, in brief, linking to the page of changes
        (this page's own exceptions as it shows them)."""
        return summary_block(compare(self.folder, self.jobs, area_names(self.catalogue),
                                     index=self.attention_items))  # fmt: skip

    def attention(self) -> Block:
        """Its exceptions (:attr:`attention_items`), then each region by KPI (evidence: the
        region's page)."""
        measures = self._measures()
        return attention.areas_by_kpi(
            self._region_rows(), list(measures["short_name"]), "regions", self.attention_items
        )

    @cached_property
    def attention_items(self) -> list[attention.Item]:
        """What needs attention: England's KPIs significantly worse than last period,
        objectives rated red or amber, programmes with projects rated red or milestones
        missed, then regions worse than the others on a KPI."""
        evidence = "#national-scorecard-by-region"
        worse = []
        for _, kpi in self._measures().iterrows():
            judged = score(self.catalogue, self.mart, kpi)
            if (verdict := attention.change(judged)).tone == "bad":
                name = judged.measure.short_name
                worse.append(attention.item(verdict, "England", name, f"England, {name}",
                                            evidence))  # fmt: skip
        regions = attention.worse_areas(self._region_rows(), "regions", None)
        return worse + self._adverse_ratings() + regions

    def _region_rows(self) -> list[tuple[str, str | None, list[Score]]]:
        """Each region's name, page and Scores (one per KPI)."""
        codes = list(self.catalogue.regions["region_code"])
        by_kpi = list(self.region_scores.values())
        return [(self.catalogue.area_name(code), self._page_of(code), [s[i] for s in by_kpi])
                for i, code in enumerate(codes)]  # fmt: skip

    @cached_property
    def region_scores(self) -> dict[str, list[Score]]:
        """By KPI id, each NHS England region's :class:`~heenb.figures.score.Score` against
        the other regions (in the catalogue's order of regions), worked out once for the
        main points and what needs attention."""
        codes = list(self.catalogue.regions["region_code"])
        return {kpi["kpi_id"]: scores(self.catalogue, self.mart, kpi, codes, "region")
                for _, kpi in self._measures().iterrows()}  # fmt: skip

    @cached_property
    def lead_ratings(self) -> list[tuple]:
        """Each objective (a catalogue row) with its lead's latest quarterly update (a row of
        ``kpi_updates``: quarter, rag, assurance), or None before the first. Every objective
        is rated, whether its headline KPI is a figure or a narrative: the rating is the
        lead's judgement of the risk to delivery, which no figure on the index gives."""
        updates = self.mart.kpi_updates
        rated = []
        for objective in self.catalogue.objectives.itertuples():
            mine = updates[updates["objective"] == objective.objective_id].sort_values("quarter")
            rated.append((objective, mine.iloc[-1] if len(mine) else None))
        return rated

    def _adverse_ratings(self) -> list[attention.Item]:
        """Objectives whose lead's latest update is rated red or amber (:attr:`lead_ratings`),
        with the rating's reason, and programmes with projects rated red or milestones
        missed."""
        items = []
        for objective, latest in self.lead_ratings:
            if latest is not None and latest["rag"] in ("red", "amber"):
                meaning = self.catalogue.codes["ratings"].set_index("rating")["meaning"]
                items.append(attention.Item(
                    f"{objective.short_name}: rated {latest['rag']} in {latest['quarter']} "
                    f"({meaning.get(latest['rag'], '')}).",
                    self._page_of(objective.objective_id), "England", objective.short_name,
                    f"rated {latest['rag']}",
                ))  # fmt: skip
        projects = latest_project_status(self.mart)
        for programme in self.catalogue.programmes.itertuples():
            mine = projects[projects["programme"] == programme.programme_id]
            red = int((mine["rag"] == "red").sum())
            missed = int((mine["milestone_status"] == "missed").sum())
            if red or missed:
                items.append(attention.Item(
                    f"{programme.name}: {red} of {len(mine)} projects rated red, {missed} with "
                    "the latest milestone missed.",
                    self._page_of(programme.programme_id), "England", programme.name,
                    "projects rated red or latest milestones missed",
                ))  # fmt: skip
        return items

    def findings(self) -> list[str]:
        """The findings, most important first: each objective's headline KPI for England
        (change, history, target), regions that stand out, the staff commitments, the
        objectives' latest ratings by their leads and programmes off track."""
        catalogue, points = self.catalogue, []
        for objective in catalogue.objectives.itertuples():
            kpi = catalogue.kpi(objective.headline_kpi)
            if Measure(kpi).kind is Kind.PROPORTION:
                points.append(findings.kpi_point(kpi, kpis.trend(self.mart, kpi["kpi_id"])))
        points.append(self._regions_point())
        staff = []
        for _, kpi in of_kind(catalogue.kpis, Kind.STAFF).iterrows():
            figures = commitment_figures(self.mart, kpi)
            if figures is not None and figures["met"] is not None:
                staff.append(
                    f"{formatting.in_sentence(kpi['short_name'])} "
                    f"{findings.staff_words(kpi, figures)}"
                )
        if staff:
            points.append("Commitments, England: " + "; ".join(staff) + ".")
        ratings = [f"{objective.short_name} {latest['rag']} ({latest['quarter']})"
                   for objective, latest in self.lead_ratings if latest is not None]  # fmt: skip
        projects = latest_project_status(self.mart)
        off = findings.projects_point("programme projects", projects)
        text = ("Objectives rated by their leads: " + "; ".join(ratings) + ". ") if ratings else ""
        points.append(text + off[:1].upper() + off[1:])
        return findings.adverse_first(points)

    def _regions_point(self) -> str:
        """Regions beyond the 99.8% funnel limits on any KPI, better or worse than the other
        regions, from their Scores; when none is, how many comparisons that rests on, and
        how many could not be made (never counted as within the limits)."""
        standing, tested, untested = [], 0, 0
        for judged in self.region_scores.values():
            for one in judged:
                tested += one.standing in ("", *OUTSIDE)
                untested += one.standing not in ("", *OUTSIDE)
                if one.standing in OUTSIDE:
                    area = self.catalogue.area_name(one.area_code)
                    verdict = one.standing_verdict
                    verdict = verdict if verdict in ("better", "worse") else "outside the limits"
                    standing.append(f"{area} {verdict} on {one.measure.short_name}")
        rest = (f" {untested} region figures could not be compared (withheld or missing)."
                if untested else "")  # fmt: skip
        if standing:
            return ("Regions beyond the 99.8% funnel limits around England's rate: "
                    + "; ".join(standing) + "." + rest)  # fmt: skip
        if not tested:
            return "No region could be compared with the others: figures are withheld or missing."
        return (
            f"No region stands out on any of the {len(self.region_scores)} KPIs: all {tested} "
            "region figures lie within the 99.8% funnel limits around England's rate." + rest
        )

    def _measures(self) -> pd.DataFrame:
        proportions = self.mart.proportions
        return self.catalogue.kpis[
            self.catalogue.kpis["kpi_id"].isin(
                proportions.loc[proportions["breakdown"] == "all", "measure"]
            )
        ]

    @section
    def scorecard(self) -> Block:
        """Every quantitative KPI for England and each region: latest value, change since
        the previous period (better, worse or no significant change) and the MDC variation
        and assurance, one table per KPI, each region linked to its page; then the regions
        compared on the funnel plots."""
        heading = blocks.heading("National scorecard by region")
        measures = self._measures()
        if measures.empty:
            return heading + blocks.no_data("the scorecard", "no KPI has data")
        parts = [heading, scorecard.key()]
        codes = [ENGLAND, *self.catalogue.regions["region_code"]]
        for _, kpi in measures.iterrows():
            rows = []
            for code in codes:
                cells = scorecard.kpi_cells(score(self.catalogue, self.mart, kpi, code))
                rows.append(
                    {"Area": self.catalogue.area_name(code), "href": self._page_of(code), **cells}
                )
            rows, unassessed = scorecard.without_unassessed(rows, "area")
            caption = f"{kpi['short_name']}: England and each region"
            parts.append(scorecard.table(rows, caption, unassessed))
        compared = [self._scorecard_row(kpi) for kpi in measures.itertuples()]
        parts.append(
            blocks.table(
                pd.DataFrame(compared),
                "Every KPI for England and each NHS England region compared, latest period",
                note="(above) or (below): outside the 99.8% funnel limits when the regions are "
                "compared; 'Better when' says which direction is good.",
            )
        )
        return blocks.join(parts)

    @section
    def commitments(self) -> Block:
        """The objectives' latest ratings by their leads, the commitments (met or not, from
        the KPIs with targets) and each programme's status at its projects' latest update."""
        parts = [blocks.heading("Ratings, commitments and programmes")]
        parts.append(self._ratings_table())
        parts.append(self._commitments_table())
        parts.append(self._programmes_table())
        return blocks.join(parts)

    def _ratings_table(self) -> Block:
        rows = []
        for objective, latest in self.lead_ratings:
            rows.append(
                {
                    "Objective": objective.short_name,
                    "Latest rating": str(latest["rag"]).capitalize()
                    if latest is not None
                    else "no update yet",
                    "Quarter": latest["quarter"] if latest is not None else formatting.NO_DATA,
                }
            )
        if not rows:
            return blocks.paragraph("No objective is rated by its lead.")
        return blocks.table(
            pd.DataFrame(rows), "Objectives: latest rating by their leads", national=True
        )

    def _commitments_table(self) -> Block:
        rows = []
        for _, kpi in of_kind(self.catalogue.kpis, Kind.STAFF).iterrows():
            figures = commitment_figures(self.mart, kpi)
            if figures is None or figures["target"] is None:
                continue
            latest = figures["latest"]
            gained = formatting.change(latest["fte"] - figures["start"], "FTE")
            rows.append(
                {
                    "Commitment": kpi["short_name"],
                    "Latest": f"{formatting.fte(latest['fte'])} FTE in {latest['month']}",
                    "Since baseline": f"{gained} since {figures['baseline_month']}",
                    "Commitment asks": f"{formatting.plain(float(kpi['target']))} more "
                    f"({formatting.fte(figures['target'])} FTE)",
                    "Met": "met" if figures["met"] else "not yet met",
                }
            )
        if not rows:
            return blocks.paragraph("No KPI with a target has figures for England yet.")
        return blocks.table(
            pd.DataFrame(rows), "Commitments, England: latest against target", national=True
        )

    def _programmes_table(self) -> Block:
        projects, rows = latest_project_status(self.mart), []
        for programme in self.catalogue.programmes.itertuples():
            mine = projects[projects["programme"] == programme.programme_id]
            rag = mine["rag"].value_counts()
            rows.append(
                {
                    "Programme": programme.name,
                    "Projects": str(len(mine)),
                    "Green": str(rag.get("green", 0)),
                    "Amber": str(rag.get("amber", 0)),
                    "Red": str(rag.get("red", 0)),
                    "Latest milestone missed": str(
                        int((mine["milestone_status"] == "missed").sum())
                    ),
                }
            )
        if not rows:
            return blocks.paragraph("No programme is recorded.")
        return blocks.table(
            pd.DataFrame(rows),
            "Programmes: projects by RAG rating at their latest update",
            national=True,
        )

    @section
    def reports(self) -> Block:
        """Links to every report, grouped, each with its build state in words."""
        parts = [blocks.heading("Reports")]
        words = {
            "stale": "failed in the latest build; this page is from an earlier build",
            "failed": "failed in the latest build; no page",
            "missing": "not built yet",
            "outdated": "built from older data or code; not rebuilt in the latest build",
        }
        for group, members in self.statuses.groupby("group", sort=False):
            items = []
            for row in members.itertuples():
                link = (
                    blocks.escape(row.label)
                    if row.state in ("failed", "missing")
                    else f'<a href="{blocks.escape(row.output)}">{blocks.escape(row.label)}</a>'
                )
                note = (
                    f' <span class="status-{row.state}">({words[row.state]})</span>'
                    if (row.state in words)
                    else ""
                )
                items.append(f"<li>{link}{note}</li>")
            parts.append(blocks.heading(group, 3))
            parts.append(Block(f"<ul>{''.join(items)}</ul>", "\n".join(members["label"])))
        return blocks.join(parts)

    # ------------------------------------------------------------------ helpers
    def _scorecard_row(self, kpi) -> dict:
        period = kpis.latest_period(self.mart, kpi.kpi_id)
        england = kpis.trend(self.mart, kpi.kpi_id).iloc[-1]
        regions = kpis.compare(self.mart, self.catalogue, kpi.kpi_id, period, "region")
        row = {
            "KPI": kpi.descriptor,
            "Period": period,
            "Better when": {"higher": "higher", "lower": "lower"}.get(kpi.improvement, "-"),
            "England": formatting.percent(england["value"]),
        }
        for region in regions.itertuples():
            row[region.area] = formatting.percent(region.value) + _MARKS.get(region.outlier, "")
        return row

    def _page_of(self, code: str) -> str | None:
        """The built page of an area's report, relative to the index (None without one)."""
        for job in self.jobs:
            if code in job.parameters.values() and (self.folder / job.output).is_file():
                return job.output
        return None

    def _periods(self) -> str:
        periods = self.mart.proportions["period"]
        months = self.mart.workforce["month"]
        return (
            f"annual measures {periods.min()} to {periods.max()}; workforce "
            f"{months.min()} to {months.max()}"
        )


__all__ = ["IndexReport", "index_report"]
