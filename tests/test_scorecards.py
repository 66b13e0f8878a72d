"""Scorecards say what is good, bad or changed: latest value, change since the previous
period (better, worse or no significant change), MDC variation and assurance in words with
a symbol that has a text alternative; the index adds ratings, commitments and programmes."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from heenb.data.catalogue import load_catalogue
from heenb.figures import kpis
from heenb.plan import load_plan
from heenb.report.area import area_report
from heenb.report.national import index_report

CHANGE = re.compile(r"^(up|down) \d+\.\d points on \d{4}: (better|worse|no significant change)$")
NOT_ASSESSED = re.compile(r"^(no change on \d{4}: no significant change|not assessed: .+)$")


def _tables(block) -> dict[str, pd.DataFrame]:
    return {caption: frame for caption, frame in block.data.items()}


def _built_index(folder):
    for job in load_plan():
        path = folder / job.output
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<html></html>")
    return index_report(str(folder))


def test_the_index_scorecard_gives_each_area_change_variation_and_assurance(tmp_path):
    report = _built_index(tmp_path)
    catalogue = load_catalogue()
    block = report.scorecard()
    tables = [f for c, f in _tables(block).items() if c.endswith("England and each region")]
    assert len(tables) == len(report._measures())
    areas = ["England", *catalogue.regions["region_code"].map(catalogue.area_name)]
    seen = set()
    for frame in tables:
        assert list(frame["Area"]) == areas
        for text in frame["Change since previous period"]:
            assert CHANGE.match(text) or NOT_ASSESSED.match(text), text
            seen.add(text.rsplit(": ", 1)[-1])
        for column in ("Variation", "Assurance"):  # each cell says, or a sentence says why not
            assert (column in frame and all(frame[column].str.len() > 0)) or (
                f"{column} is not assessed for any area: " in frame.attrs["note"]
            )
    assert {"no significant change"} < seen  # better or worse somewhere too
    # every region links to its page; each symbol is hidden from screen readers and followed
    # by its words, so they are read once
    for code in catalogue.regions["region_code"]:
        assert f'href="area/{code}.html"' in block.markup
    hidden_symbol = r'<span class="heenb-mdc" aria-hidden="true">[^<]+</span> \w'
    symbols = re.findall(hidden_symbol, block.markup)
    columns = sum(c in ("Variation", "Assurance") for frame in tables for c in frame.columns)
    assert len(symbols) == len(areas) * columns
    assert "aria-label" not in re.sub(r'<div class="heenb-table"[^>]*>', "", block.markup)


@pytest.mark.slow
def test_too_few_points_for_mdc_are_said_in_words(tmp_path):
    frame = next(iter(_tables(_built_index(tmp_path).scorecard()).values()))
    assert "Variation" not in frame.columns  # no area could be assessed: one sentence says why
    assert re.search(
        r"Variation is not assessed for any area: [^.]*\d+ annual points, and Making Data Count "
        r"needs \d+ for process limits",
        frame.attrs["note"],
    )


def test_the_index_lists_ratings_commitments_and_programme_status(tmp_path):
    report = _built_index(tmp_path)
    tables = _tables(report.commitments())
    ratings = tables["Objectives: latest rating by their leads"]
    # Every objective: the lead of maternity or restoration rates it too, though its headline
    # is a figure (the index used to leave their ratings out, red or not).
    assert list(ratings["Objective"]) == list(report.catalogue.objectives["short_name"])
    assert set(ratings["Latest rating"]) <= {"Red", "Amber", "Green", "no update yet"}
    updates = report.mart.kpi_updates.sort_values("quarter").groupby("objective").last()
    adverse = updates[updates["rag"].isin(["red", "amber"])]
    names = report.catalogue.objectives.set_index("objective_id")["short_name"]
    flagged = [i.subject for i in report.attention_items if i.concern.startswith("rated ")]
    assert sorted(flagged) == sorted(names[adverse.index])
    commitments = tables["Commitments, England: latest against target"]
    targets = report.catalogue.kpis[report.catalogue.kpis["rule"] == "staff_fte"]
    assert list(commitments["Commitment"]) == list(targets["short_name"])
    assert set(commitments["Met"]) <= {"met", "not yet met"}
    programmes = tables["Programmes: projects by RAG rating at their latest update"]
    assert list(programmes["Programme"]) == list(report.catalogue.programmes["name"])
    counts = programmes[["Green", "Amber", "Red"]].astype(int).sum(axis=1)
    assert (counts <= programmes["Projects"].astype(int)).all()


def test_the_area_scorecard_says_what_changed_and_the_mdc_view(tmp_path):
    report = area_report("EM")
    block = report.scorecard()
    frame = _tables(block)["Every KPI for East Midlands: latest and change"]
    assert list(frame["KPI"]) == list(report.measures["short_name"])
    for text in frame["Change since previous period"]:
        assert CHANGE.match(text) or NOT_ASSESSED.match(text), text
    assert "Variation is not assessed for any KPI" in block.markup  # one sentence, no column


def test_a_withheld_latest_figure_gives_no_change_and_no_count(tmp_path):
    """Disclosure control: a change is never worked out across a withheld figure."""
    from heenb.figures.measure import Measure
    from heenb.figures.score import Score
    from heenb.report import scorecard

    catalogue = load_catalogue()
    kpi = catalogue.kpi("nets-overall-satisfaction")
    trend = pd.DataFrame(
        {
            "period": ["2022", "2023", "2024"],
            "numerator": pd.array([40, 45, pd.NA], dtype="Int64"),
            "denominator": pd.array([50, 50, pd.NA], dtype="Int64"),
            "value": [0.8, 0.9, float("nan")],
            "withheld": [False, False, True],
            "no_data": [False, False, False],
            "not_applicable": [False, False, False],
        }
    )
    judged = Score(Measure(kpi), "X", trend, None, catalogue)
    assert scorecard.change_cell(judged) == "not assessed: latest figure [c]"
    assert kpis.change(trend) is not None  # the older helper would have compared 2023 on 2022


def test_a_scorecard_column_nobody_could_assess_is_one_sentence_saying_why():
    """East Midlands' Variation and Assurance columns said only "not assessed: 7 annual
    points; Making Data Count needs 13 ..." and "not assessed, no target set", five rows each,
    and printed three lines a row."""
    block = area_report("EM").scorecard()
    frame = _tables(block)["Every KPI for East Midlands: latest and change"]
    assert "Variation" not in frame.columns and "Assurance" not in frame.columns
    note = frame.attrs["note"]
    assert note.startswith("Variation is not assessed for any KPI: ")
    assert "Assurance is not assessed for any KPI: " in note and "no target set" in note
    assert html.escape(note) in block.markup


def test_a_column_kept_when_one_row_is_assessed():
    from heenb.report import scorecard

    rows = [{"KPI": "A", "Variation": ("\u25cf", "common cause variation"),
             "Assurance": ("\u2013", "not assessed, no target set")},
            {"KPI": "B", "Variation": ("\u2013", "not assessed: 7 annual points; Making Data "
                                       "Count needs 13 for process limits"),
             "Assurance": ("\u2013", "not assessed, no target set")}]  # fmt: skip
    kept, why = scorecard.without_unassessed(rows, "KPI")
    assert [list(row) for row in kept] == [["KPI", "Variation"], ["KPI", "Variation"]]
    assert why == "Assurance is not assessed for any KPI: no target set."


def test_too_few_points_for_process_limits_are_said_once_as_a_range():
    from heenb.report import scorecard

    rows = [{"KPI": k, "Variation": ("\u2013", f"not assessed: {n} annual points; Making Data "
                                     "Count needs 13 for process limits")}
            for k, n in (("A", 7), ("B", 5), ("C", 8))]  # fmt: skip
    rows.append({"KPI": "D", "Variation": ("\u2013", "not assessed: withheld years break the "
                                           "series")})  # fmt: skip
    assert scorecard.without_unassessed(rows[:3], "KPI")[1] == (
        "Variation is not assessed for any KPI: 5 to 8 annual points, and Making Data Count "
        "needs 13 for process limits."
    )
    assert scorecard.without_unassessed(rows, "KPI")[1] == (
        "Variation is not assessed for any KPI: 5 to 8 annual points, and Making Data Count "
        "needs 13 for process limits (3 KPIs); withheld years break the series (1 KPI)."
    )
