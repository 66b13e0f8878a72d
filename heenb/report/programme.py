"""The programme report: one programme's projects, milestones and progress.

``notebooks/programme.ipynb`` calls :func:`programme_report` and shows one
section per cell. Every programme gets the status, milestone and project
sections; the East Midlands innovation programme adds its strands and the
interdependencies between projects, and Putting People First adds patient and
public involvement activity.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from heenb.report import blocks, involvement
from heenb.report.blocks import Block
from heenb.report.common import Inputs, Report, section
from heenb.report.narrative import NO_UPDATE, latest_project_status, project_rows

#: Quarters of involvement activity a programme report shows.
QUARTERS_SHOWN = 8

SOURCES = [
    "Programme projects (programme_projects.csv)",
    "Periodic project updates (programme_updates.csv)",
    "Patient and public involvement activities (ppi_activities.csv)",
]


def programme_report(programme: str, data=None) -> ProgrammeReport:
    """The report for one programme (a ``programme_id`` from the catalogue); an unknown one
    raises ParameterError listing the valid ones."""
    return ProgrammeReport.for_value(programme, data)


class ProgrammeReport(Report):
    """Sections of one programme's report, in reading order."""

    sections = (
        "headline",
        "status",
        "milestones",
        "strands",
        "interdependencies",
        "involvement",
        "data_quality_notes",
    )
    page_type = "programme"

    parameter = "programme"

    sources = SOURCES

    def __init__(self, programme: str, inputs: Inputs, parameters: dict):
        super().__init__(inputs, parameters)
        self.programme = self.catalogue.programme(programme)
        self.code = programme

    @cached_property
    def projects(self) -> pd.DataFrame:
        """The programme's projects, each with its latest update (one row per project)."""
        latest = latest_project_status(self.mart)
        return latest[latest["programme"] == self.code].reset_index(drop=True)

    @cached_property
    def updates(self) -> pd.DataFrame:
        """Every periodic update of the programme's projects."""
        updates = self.mart.programme_updates
        return updates[updates["project_id"].isin(self.projects["project_id"])]

    # ------------------------------------------------------------------ sections
    @section
    def headline(self) -> Block:
        objectives = self.catalogue.objectives.set_index("objective_id")["short_name"]
        office = self.programme["local_office_code"]
        facts = {
            "Programme": self.programme["name"],
            "Serves": "; ".join(objectives[o] for o in self.programme["objective_ids"]),
            "Where": self.catalogue.area_name(office) if office else "National",
            "About": self.programme["description"],
        }
        return self.opening(self.programme["name"], facts)

    def findings(self) -> list[str]:
        """Ratings and milestones at the latest update, the change since the previous
        quarter, the stages reached, and contradictory records."""
        points = [self.summary()]
        updates = self.updates
        quarters = sorted(updates["quarter"].unique())
        if len(quarters) >= 2:
            now, before = (updates[updates["quarter"] == q] for q in quarters[-2:][::-1])
            counts = [int((rows["rag"] == "red").sum()) for rows in (now, before)]
            points.append(
                f"Since {quarters[-2]}: {counts[0]} projects rated red in {quarters[-1]} "
                f"against {counts[1]} in {quarters[-2]}."
            )
        if stages := self.stage_counts():
            points.append("Stages at the latest update: " + stages + ".")
        if len(issues := self.data_quality()):
            points.append(
                f"{len(issues)} project record(s) contradict themselves (a stage of "
                "implementation or later with a project initiation document not yet approved); "
                "see the data quality notes."
            )
        return points

    def stage_counts(self) -> str:
        """How many projects are at each stage, most common first ("7 of 27 early adoption")."""
        updated = self.projects[self.projects["rag"] != NO_UPDATE["rag"]]
        if updated.empty:
            return ""
        counts = updated["stage"].value_counts()
        return ", ".join(
            f"{n} of {len(updated)} {stage.replace('-', ' ')}" for stage, n in counts.items()
        )

    def data_quality(self) -> pd.DataFrame:
        """Projects whose latest stage is implementation or later while their project
        initiation document (PID) is still draft or submitted: records that contradict
        each other, for the owner to correct."""
        order = self.catalogue.codes["project_stages"]
        stages = order[order["kind"] == "stage"].set_index("value")["order"].astype(int)
        late = self.projects["stage"].map(stages).fillna(0) >= stages["implementation"]
        return self.projects[late & (self.projects["pid_status"] != "approved")]

    @section
    def data_quality_notes(self) -> Block:
        """Contradictory project records, listed for correction."""
        issues = self.data_quality()
        if issues.empty:
            return Block()
        rows = pd.DataFrame(
            {
                "Project": issues["project"],
                "Stage": issues["stage"].str.replace("-", " ").str.capitalize(),
                "PID": issues["pid_status"].str.capitalize(),
                "Latest update": issues["quarter"],
            }
        )
        return (
            blocks.heading("Data quality notes")
            + blocks.paragraph(
                f"{len(issues)} project(s) report a stage of implementation or later while "
                "their project initiation document is not approved. One of the two records "
                "is likely out of date; the figures above use them as recorded."
            )
            + blocks.table(rows, "Projects whose stage and PID status contradict each other")
        )

    def summary(self) -> str:
        projects = self.projects
        if projects.empty:
            return "This programme has no projects in the data."
        updated = projects[projects["rag"] != NO_UPDATE["rag"]]
        rag = updated["rag"].value_counts()
        missed = int((updated["milestone_status"] == "missed").sum())
        text = f"{len(projects)} projects; {len(projects) - len(updated)} without an update yet."
        if updated.empty:
            return text
        stages = updated["stage"].value_counts()
        stage, most = stages.index[0].replace("-", " "), int(stages.iloc[0])
        share = "Most projects are" if most > len(updated) / 2 else "The most common stage is"
        where = f"at the {stage} stage" if most > len(updated) / 2 else stage
        return (
            f"{text} At the latest updates ({updated['quarter'].max()}): "
            + ", ".join(f"{rag.get(r, 0)} {r}" for r in ("green", "amber", "red"))
            + f"; {missed} missed their latest milestone. {share} {where} "
            f"({most} of {len(updated)})."
        )

    @section
    def status(self) -> Block:
        """RAG ratings and adoption stages over time."""
        heading = blocks.heading("Progress over time")
        if self.updates.empty:
            return heading + blocks.no_data("progress", "no periodic update has been received")
        rag = self.updates.pivot_table(
            index="quarter", columns="rag", values="project_id", aggfunc="count", fill_value=0
        ).reindex(columns=["green", "amber", "red"], fill_value=0)
        stages = self.updates.pivot_table(
            index="quarter", columns="stage", values="project_id", aggfunc="count", fill_value=0
        )
        order = self.catalogue.codes["project_stages"]
        order = [s for s in order.loc[order["kind"] == "stage", "value"] if s in stages.columns]
        table = pd.concat([rag, stages[order]], axis=1).reset_index()
        table.columns = ["Quarter", "Green", "Amber", "Red"] + [
            s.replace("-", " ").capitalize() for s in order
        ]
        return heading + blocks.table(
            table, "Projects by RAG rating and adoption stage, each quarter"
        )

    @section
    def milestones(self) -> Block:
        """Milestones missed or due at the latest update."""
        heading = blocks.heading("Milestones due and missed")
        open_ = self.projects[self.projects["milestone_status"].isin(["missed", "due"])]
        if open_.empty:
            return heading + blocks.paragraph("Every project met its latest milestone.")
        open_ = open_.sort_values(["milestone_status", "milestone_due"], ascending=[False, True])
        return heading + blocks.table(
            project_rows(self.catalogue, open_),
            "Projects whose latest milestone was missed (first) or is due",
        )

    @section
    def strands(self) -> Block:
        """Projects grouped by strand, with their latest periodic update."""
        strands = self.catalogue.strands[self.catalogue.strands["programme_id"] == self.code]
        heading = blocks.heading("Strands and projects" if len(strands) else "Projects")
        if self.projects.empty:
            return heading + blocks.no_data("projects", "the programme has no projects")
        if strands.empty:
            return heading + self._project_table(self.projects, "Projects at their latest update")
        parts = [heading]
        if (strands["name_status"] == "illustrative").any():
            parts.append(blocks.paragraph(
                "The source documents give the number of strands but not their names; the "
                "names here are illustrative."
            ))  # fmt: skip
        for strand in strands.itertuples():
            mine = self.projects[self.projects["strand"] == strand.strand_id]
            parts.append(blocks.heading(f"{strand.strand_id}: {strand.name}", 3))
            parts.append(self._project_table(mine, f"Projects in strand {strand.strand_id}"))
        return blocks.join(parts)

    @section
    def interdependencies(self) -> Block:
        """Which projects depend on which, and where a dependency is at risk."""
        heading = blocks.heading("Interdependencies")
        by_id = self.projects.set_index("project_id")
        rows = []
        for project in self.projects.itertuples():
            for other in filter(None, (d.strip() for d in project.depends_on.split(";"))):
                if other in by_id.index:
                    rows.append({
                        "Project": project.project,
                        "Depends on": by_id.loc[other, "project"],
                        "Its RAG": by_id.loc[other, "rag"].capitalize(),
                        "At risk": "yes" if by_id.loc[other, "rag"] == "red" else "no",
                    })  # fmt: skip
        if not rows:
            return heading + blocks.paragraph("No project records a dependency on another.")
        table = pd.DataFrame(rows)
        at_risk = int((table["At risk"] == "yes").sum())
        return (
            heading
            + blocks.paragraph(
                f"{len(table)} dependencies between projects; {at_risk} on a project rated red."
            )
            + blocks.table(table, "Dependencies between projects, with the latest RAG rating")
        )

    @section
    def involvement(self) -> Block:
        """Involvement activity by type and quarter (the last eight), where the programme runs.

        Each year's quarters are protected together with that year's figure on
        the area's page (:func:`heenb.report.involvement.quarters_within_years`),
        so no withheld quarter can be worked out by combining the two pages.
        """
        if self.programme["reports_involvement"] != "True":
            return Block()
        office = self.programme["local_office_code"]
        rows = self.mart.ppi_activities
        rows = rows[rows["local_office"] == office] if office else rows
        heading = blocks.heading("Patient and public involvement activity")
        if rows.empty:
            return heading + blocks.no_data("involvement activity", "none recorded")
        where = self.catalogue.area_name(office) if office else "England"
        quarters = sorted(rows["quarter"].unique())[-QUARTERS_SHOWN:]
        counts = involvement.quarters_within_years(self.catalogue, rows, quarters)
        span = f"{quarters[0]} to {quarters[-1]}"
        title = f"Involvement activities by type and quarter, {where}"
        return (
            heading
            + involvement.chart(counts, title, totals=False)
            + involvement.table(
                counts,
                f"Involvement activities by type, {span}, {where}",
                note=involvement.PARTS_NOTE,
            )
        )

    def _project_table(self, projects: pd.DataFrame, caption: str) -> Block:
        if projects.empty:
            return blocks.paragraph("No projects.")
        rows = project_rows(self.catalogue, projects).assign(
            **{"Latest update text": projects["narrative"].to_numpy()}
        )
        return blocks.table(rows, caption)
