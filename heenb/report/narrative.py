"""Narrative evidence: KPI updates with their ratings, and programme project status."""

from __future__ import annotations

import pandas as pd

from heenb.data.catalogue import Catalogue
from heenb.data.mart import Mart
from heenb.report import blocks
from heenb.report.blocks import Block


def _updates(mart: Mart, objective: str) -> pd.DataFrame:
    updates = mart.kpi_updates
    return updates[updates["objective"] == objective].sort_values("quarter")


def latest_update(mart: Mart, objective: str, with_history: bool = True) -> Block:
    """The latest quarterly update in full, with its ratings (and the rating history)."""
    rows = _updates(mart, objective)
    if rows.empty:
        return blocks.no_data("KPI updates", "no quarterly update has been received")
    latest = rows.iloc[-1]
    return blocks.definition_list(
        {
            "Quarter": latest["quarter"],
            "RAG rating": latest["rag"].capitalize(),
            "Assurance": latest["assurance"].capitalize() or "Not rated",
            "Update": latest["narrative"],
        }
    ) + (ratings_history(mart, objective, heading=False) if with_history else Block())


def ratings_history(mart: Mart, objective: str, heading: bool = True) -> Block:
    """The RAG and assurance rating of every quarterly update, newest first."""
    rows = _updates(mart, objective)
    if rows.empty:
        return blocks.no_data("rating history", "no quarterly update has been received")
    table = pd.DataFrame(
        {
            "Quarter": rows["quarter"],
            "RAG rating": rows["rag"].str.capitalize(),
            "Assurance": rows["assurance"].str.capitalize().replace("", "Not rated"),
            "Update": rows["narrative"],
        }
    ).iloc[::-1]
    counts = rows["rag"].value_counts()
    summary = blocks.paragraph(
        f"{len(rows)} quarterly updates from {rows['quarter'].iloc[0]} to "
        f"{rows['quarter'].iloc[-1]}: "
        + ", ".join(f"{counts.get(r, 0)} {r}" for r in ("green", "amber", "red"))
        + "."
    )
    caption = "Quarterly updates and their ratings, newest first"
    return (
        (blocks.heading("Rating history", 3) if heading else Block())
        + summary
        + blocks.table(table, caption)
    )


#: What a project with no periodic update yet shows in place of one.
NO_UPDATE = {
    "quarter": "none yet", "stage": "no update", "rag": "no update", "milestone": "none",
    "milestone_due": "none", "milestone_status": "no update",
    "narrative": "No periodic update received yet.",
}  # fmt: skip


def latest_project_status(mart: Mart) -> pd.DataFrame:
    """Each project with its latest update: one row per project.

    A project with no update yet keeps its row, with the :data:`NO_UPDATE` words.
    """
    updates = mart.programme_updates.sort_values(["project_id", "quarter"])
    latest = updates.groupby("project_id", as_index=False).tail(1)
    merged = mart.programme_projects.merge(latest, on="project_id", how="left")
    return merged.fillna(NO_UPDATE)


def programme_status(
    catalogue: Catalogue,
    mart: Mart,
    objective: str | None = None,
    local_offices: list[str] | None = None,
) -> Block:
    """Programmes (for an objective, or with projects in some local offices) and their status."""
    programmes = catalogue.programmes
    if objective is not None:
        programmes = programmes[programmes["objective_ids"].map(lambda ids: objective in ids)]
    projects = latest_project_status(mart)
    if local_offices is not None:
        projects = projects[projects["local_office"].isin(local_offices)]
        programmes = programmes[programmes["programme_id"].isin(projects["programme"])]
    if programmes.empty:
        return blocks.paragraph("No programme has projects here.")
    parts = []
    for programme in programmes.itertuples():
        mine = projects[projects["programme"] == programme.programme_id]
        rag = mine["rag"].value_counts()
        missed = int((mine["milestone_status"] == "missed").sum())
        parts.append(blocks.heading(programme.name, 3))
        parts.append(blocks.paragraph(programme.description))
        parts.append(
            blocks.paragraph(
                f"{len(mine)} project(s): "
                + ", ".join(f"{rag.get(r, 0)} {r}" for r in ("green", "amber", "red"))
                + f" at the latest update; {missed} with the latest milestone missed."
            )
        )
        if not mine.empty:
            parts.append(
                blocks.table(
                    project_rows(catalogue, mine),
                    f"{programme.name}: projects at their latest update",
                )
            )
    return blocks.join(parts)


def project_rows(catalogue: Catalogue, projects: pd.DataFrame) -> pd.DataFrame:
    """Projects as display rows."""
    offices = catalogue.local_offices.set_index("local_office_code")["name"]
    return pd.DataFrame(
        {
            "Project": projects["project"],
            "Local office": projects["local_office"].map(offices),
            "PID": projects["pid_status"].str.capitalize(),
            "Stage": projects["stage"].str.replace("-", " ").str.capitalize(),
            "RAG": projects["rag"].str.capitalize(),
            "Milestone": projects["milestone"] + " (due " + projects["milestone_due"] + ")",
            "Milestone status": projects["milestone_status"].str.capitalize(),
            "Latest update": projects["quarter"],
        }
    )
