"""Reports say "no data", with the reason, where an area has none; they do not crash."""

from __future__ import annotations

import pandas as pd
import pytest

from heenb.report.area import area_report
from heenb.report.objective import objective_report

AREA_SECTIONS = ["headline", "scorecard", "trends", "programmes", "involvement", "workforce"]


def _drop(folder, name: str, keep) -> None:
    path = folder / f"{name}.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table[keep(table)].to_csv(path, index=False)


@pytest.mark.slow
def test_a_local_office_without_survey_responses_shows_no_data(data_copy, monkeypatch, tmp_path):
    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    _drop(data_copy, "nets_responses", lambda t: t["local_office"] != "TV")
    report = area_report("TV", data_copy)
    for section in AREA_SECTIONS:
        getattr(report, section)()
    scorecard = report.scorecard_table.set_index("kpi_id")
    assert scorecard.loc["nets-overall-satisfaction", "Value"] == "no data"
    assert "none for this area" in scorecard.loc["nets-overall-satisfaction", "95% interval"]
    assert scorecard.loc["arcp-extension-share", "Value"].endswith("%")


@pytest.mark.slow
def test_an_objective_report_survives_an_area_missing_its_latest_year(
    data_copy, monkeypatch, tmp_path
):
    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    _drop(data_copy, "arcp_outcomes",
          lambda t: ~((t["local_office"] == "WX") & (t["year"] == "2024")))  # fmt: skip
    report = objective_report("restoration-recovery", data_copy)
    comparison = report.comparison()
    assert "Wessex" not in report.comparison_table("local_office")["area"].tolist()
    assert "Regions and local offices compared" in comparison.text


@pytest.mark.slow
def test_the_latest_change_names_the_periods_it_compares(data_copy, monkeypatch, tmp_path):
    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    _drop(data_copy, "arcp_outcomes",
          lambda t: ~((t["local_office"] == "NW") & (t["year"] == "2024")))  # fmt: skip
    scorecard = area_report("NW", data_copy).scorecard_table.set_index("kpi_id")
    assert scorecard.loc["arcp-extension-share", "Value"] == "no data"
    judged = area_report("NW", data_copy).scores["arcp-extension-share"]
    assert (judged.change["to_period"], judged.change["from_period"]) == ("2023", "2022")


def test_a_project_with_no_update_yet_is_shown_as_such(data_copy, monkeypatch, tmp_path):
    from heenb.report.programme import programme_report

    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    projects = pd.read_csv(data_copy / "programme_projects.csv", dtype=str)
    depended_on = projects.loc[projects["depends_on"].notna(), "depends_on"].iloc[0]
    _drop(data_copy, "programme_updates", lambda t: t["project_id"] != depended_on)
    report = programme_report("em-innovation", data_copy)
    for section in ("headline", "status", "milestones", "strands", "interdependencies"):
        getattr(report, section)()
    assert "1 without an update yet" in report.summary()
    assert "No update" in report.interdependencies().text


def test_a_programme_whose_projects_have_no_updates_still_reports(data_copy, monkeypatch, tmp_path):
    from heenb.report.programme import programme_report

    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    projects = pd.read_csv(data_copy / "programme_projects.csv", dtype=str)
    ids = set(projects.loc[projects["programme"] == "putting-people-first", "project_id"])
    _drop(data_copy, "programme_updates", lambda t: ~t["project_id"].isin(ids))
    report = programme_report("putting-people-first", data_copy)
    assert "5 projects; 5 without an update yet." in report.headline().text
