"""Published statistics by declaration: data/published/sources.yml read as it says, against
answers worked out here independently from the files themselves."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from heenb import paths
from heenb.data.catalogue import load_catalogue
from heenb.data.published import load_sources, published_dir
from heenb.errors import PublishedSourceError
from heenb.figures import rates
from heenb.pprime import laney_limits

PUBLISHED = paths.PROJECT_ROOT / "data" / "published"
REGIONS = ["Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"]


@pytest.fixture(scope="module")
def source():
    return next(iter(load_sources(PUBLISHED).values()))


@pytest.fixture(scope="module")
def kpi():
    rows = load_catalogue().kpis
    return rows[rows["rule"] == "ratio_of_sums"].iloc[0]


def test_no_module_of_heenb_names_a_published_source():
    """Sources, measures and publications are declared, never coded."""
    for path in (paths.PROJECT_ROOT / "heenb").rglob("*.py"):
        assert "sickness" not in path.read_text(encoding="utf-8").lower(), path


def test_the_published_files_are_copied_with_their_licence_and_attribution():
    readme = (PUBLISHED / "README.md").read_text(encoding="utf-8")
    assert "Open Government Licence v3.0" in readme
    for path in PUBLISHED.iterdir():
        if path.suffix in (".csv", ".xlsx"):
            assert path.name in readme


def test_englands_published_rate_for_january_2023_is_read_as_published(source, kpi):
    england = rates.series(kpi, "england", "ENG").set_index("period")
    assert england.loc["2023-01", "value"] == pytest.approx(0.0532)
    assert england.loc["2009-04", "value"] == pytest.approx(0.0397)
    assert "January 2023 (published 25 May 2023)" in england.loc["2023-01", "publication"]


def test_a_month_with_only_organisations_parts_is_their_ratio_of_sums(kpi):
    """March 2025 gives organisations' FTE days only: England's rate is the sum of days
    lost over the sum of days available, and each region's likewise."""
    lost, available = 0.0, 0.0
    by_region: dict[str, list[float]] = {}
    with open(PUBLISHED / "nhs-sickness-absence-2025-03.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lost += float(row["FTE_DAYS_LOST"])
            available += float(row["FTE_DAYS_AVAILABLE"])
            parts = by_region.setdefault(row["NHSE_REGION_CODE"], [0.0, 0.0])
            parts[0] += float(row["FTE_DAYS_LOST"])
            parts[1] += float(row["FTE_DAYS_AVAILABLE"])
    england = rates.series(kpi, "england", "ENG").set_index("period")
    assert england.loc["2025-03", "value"] == pytest.approx(lost / available, rel=1e-12)
    london = rates.series(kpi, "region", "Y56").set_index("period")
    assert london.loc["2025-03", "value"] == pytest.approx(
        by_region["Y56"][0] / by_region["Y56"][1], rel=1e-12
    )


def test_the_geography_comes_from_the_publication():
    systems = load_catalogue().integrated_care_systems
    assert len(systems) == 42
    assert set(systems["region_code"]) == set(REGIONS)
    assert load_catalogue().ics("QKK")["name"] == "South East London ICS"


def _independent_xmr(values: np.ndarray, starts: list[int]):
    """Mean and limits of each section, from the textbook: mean +/- 2.66 mean moving range,
    moving ranges within the section only."""
    means, lows, highs = [], [], []
    bounds = [0, *starts, len(values)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        part = values[a:b]
        mean = part.mean()
        mr = np.abs(np.diff(part)).mean()
        means += [mean] * len(part)
        lows += [mean - 2.66 * mr] * len(part)
        highs += [mean + 2.66 * mr] * len(part)
    return np.array(means), np.array(lows), np.array(highs)


@pytest.mark.parametrize("region", REGIONS)
def test_the_region_spc_matches_an_independent_xmr_month_by_month(kpi, region):
    rows = rates.series(kpi, "region", region)
    run = rows[rows["period"] <= "2023-01"].reset_index(drop=True)
    assert run["period"].iloc[0] == "2009-04" and len(run) == 166
    result = rates.xmr_of(load_catalogue(), kpi, run).points
    start = int(run.index[run["period"] == "2020-04"][0])  # kpi_change_points.csv
    mean, low, high = _independent_xmr(run["value"].to_numpy(), [start])
    np.testing.assert_allclose(result["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(result["lower"], low, rtol=1e-9)
    np.testing.assert_allclose(result["upper"], high, rtol=1e-9)


def test_the_gap_between_publications_takes_no_moving_range_and_the_limits_go_on(kpi):
    rows = rates.series(kpi, "england", "ENG")
    assert rates.gap_starts(rows["period"]) == [len(rows) - 1]
    points = rates.xmr_of(load_catalogue(), kpi, rows).points
    assert pd.isna(points["moving_range"].iloc[-1])
    assert points["mean"].iloc[-1] == points["mean"].iloc[-2]  # April 2020's limits go on
    assert rates.monthly_run(rows)["period"].iloc[-1] == "2023-01"


def test_laney_p_prime_agrees_with_a_hand_computation():
    num = np.array([50.0, 80.0, 30.0, 200.0])
    den = np.array([1000.0, 1500.0, 900.0, 3000.0])
    p = num.sum() / den.sum()
    z = (num / den - p) / np.sqrt(p * (1 - p) / den)
    order = np.argsort(den)
    sigma_z = np.abs(np.diff(z[order])).mean() / 1.128
    limits = laney_limits(num, den)
    assert limits.attrs["sigma_z"] == pytest.approx(sigma_z)
    upper = p + 3.090232 * np.sqrt(p * (1 - p) / den) * sigma_z
    np.testing.assert_allclose(limits["upper998"], upper)
    assert limits["target"].iloc[0] == pytest.approx(p)


# ---------------------------------------------------------------------- clear errors
def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "published"
    shutil.copytree(PUBLISHED, folder)
    return folder


def test_a_figure_that_is_not_a_number_is_named_by_file_row_and_column(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "nhs-sickness-absence-2025-03.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[-1] = "n/a"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PublishedSourceError) as caught:
        next(iter(load_sources(folder).values())).table()
    message = str(caught.value)
    assert "nhs-sickness-absence-2025-03.csv, row 4, column 'SICKNESS_ABSENCE_RATE_PERCENT'" in (
        message
    )
    assert "'n/a' is not a number" in message and "\n" not in message


def test_a_declaration_naming_a_missing_column_or_sheet_is_one_line(tmp_path):
    folder = _copy(tmp_path)
    declared = folder / "sources.yml"
    text = declared.read_text(encoding="utf-8")
    declared.write_text(text.replace("sheet: Table 4", "sheet: Table 9"), encoding="utf-8")
    with pytest.raises(PublishedSourceError) as caught:
        next(iter(load_sources(folder).values())).table()
    assert "sheet 'Table 9'" in str(caught.value) and "sources.yml" in str(caught.value)
    declared.write_text(text.replace("ORG_TYPE", "ORGANISATION_TYPE"), encoding="utf-8")
    with pytest.raises(PublishedSourceError, match="no column 'ORGANISATION_TYPE'"):
        next(iter(load_sources(folder).values())).table()


def test_an_unknown_key_in_a_declaration_is_refused(tmp_path):
    folder = _copy(tmp_path)
    declared = folder / "sources.yml"
    declared.write_text(
        declared.read_text(encoding="utf-8").replace("    periodicity: month",
                                                     "    periodicty: month"),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(PublishedSourceError, match="unknown key"):
        load_sources(folder)


def test_the_published_folder_is_data_published_unless_set(monkeypatch, tmp_path):
    assert published_dir() == PUBLISHED
    monkeypatch.setenv("HEENB_PUBLISHED", str(tmp_path))
    assert published_dir() == tmp_path and load_sources() == {}


# ---------------------------------------------------------------------- by declaration only
NEW_SOURCE = """
  - name: staff_leavers
    title: Staff leaving their organisation (a test publication)
    publisher: A test publisher
    licence: Open Government Licence v3.0
    periodicity: month
    values:
      leavers: {description: FTE who left, unit: FTE, people: false}
      staff: {description: FTE in post, unit: FTE, people: false}
      rate: {description: leaver rate, unit: "%", rate_of: [leavers, staff]}
    tables:
      - file: leavers.csv
        publication: Leavers, test edition
        periods: {column: MONTH, format: "%Y-%m"}
        areas:
          region: [REGION, REGION_NAME]
          ics: [ICS, ICS_NAME]
          organisation: [ORG, ORG_NAME]
        figures: {leavers: LEAVERS, staff: STAFF}
"""
NEW_KPI = (
    "leaver-rate,restoration-recovery,supporting,Staff leaving as a share of staff in post,"
    "Leaver rate (test),rate,staff_leavers,ratio_of_sums,leavers,staff,,monthly,lower,%,,,,,"
    "FTE in post,A test publication\n"
)
PLAN = """reports:
  - {name: objective, title: Objectives, notebook: notebooks/objective.ipynb,
     parameter: objective, values: [restoration-recovery], check: objective,
     output: "objective/{objective}.html", sources: [arcp_outcomes, nets_responses,
     workforce_fte, kpi_updates, demographics, programme_projects, programme_updates,
     staff_leavers]}
  - {name: area, title: Areas, notebook: notebooks/region.ipynb, parameter: area,
     values: [Y56], check: area, output: "area/{area}.html", links: true,
     sources: [arcp_outcomes, nets_responses, workforce_fte, programme_projects,
     programme_updates, ppi_activities, staff_leavers]}
  - {name: ics, title: ICSs, notebook: notebooks/ics.ipynb, parameter: ics, values: [QKK],
     check: ics, sources: [staff_leavers], output: "ics/{ics}.html", links: true}
"""


@pytest.mark.slow
def test_a_new_source_measure_and_pages_need_only_declarations(tmp_path):
    """A new published file, its entry in sources.yml, a kpis.csv row and a plan: the real
    engine builds the measure onto the objective, region and ICS pages; no Python."""
    import os
    import subprocess
    import sys

    published = _copy(tmp_path)
    with open(published / "sources.yml", "a", encoding="utf-8") as declared:
        declared.write(NEW_SOURCE)
    rows = ["MONTH,REGION,REGION_NAME,ICS,ICS_NAME,ORG,ORG_NAME,LEAVERS,STAFF"]
    for month in pd.period_range("2023-01", "2024-06", freq="M"):
        for i, (org, name) in enumerate([("RJ1", "Guy's"), ("RJZ", "King's"), ("RJ2", "L&G")]):
            rows.append(f"{month},Y56,London,QKK,South East London,{org},{name},"
                        f"{10 + i + month.month % 3},{1000 + 100 * i}")  # fmt: skip
    (published / "leavers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    reference = tmp_path / "reference"
    shutil.copytree(paths.REFERENCE_DIR, reference)
    with open(reference / "kpis.csv", "a", encoding="utf-8") as kpis:
        kpis.write(NEW_KPI)
    plan = tmp_path / "reports.yml"
    plan.write_text(PLAN, encoding="utf-8")
    env = os.environ | {"HEENB_PUBLISHED": str(published)}
    out = tmp_path / "out"
    build = subprocess.run(
        [str(Path(sys.executable).with_name("heenb")), "build", "--plan", str(plan), "--reference",
         str(reference), "--out", str(out), "--workers", "1"],
        capture_output=True, text=True, env=env, cwd=paths.PROJECT_ROOT,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    for page in ("objective/restoration-recovery.html", "area/Y56.html", "ics/QKK.html"):
        text = (out / page).read_text(encoding="utf-8")
        assert "Leaver rate (test)" in text, page
        assert "Leavers, test edition" in text, page
    ics = (out / "ics/QKK.html").read_text(encoding="utf-8")
    assert "published statistics only: leavers.csv" in ics
    assert "Demonstration data" not in ics and "demonstration data" not in ics
    objective = (out / "objective/restoration-recovery.html").read_text(encoding="utf-8")
    assert "Demonstration data" in objective and "published official statistics" in objective


def test_a_breakdown_table_is_read_group_by_group_as_the_workbook_holds_it(kpi):
    """Table 2 (England by staff group, months across): each group's January 2023 rate is
    the workbook's cell, read here with openpyxl directly; notes under the table are no
    group."""
    import openpyxl

    sheet = openpyxl.load_workbook(
        PUBLISHED / "nhs-sickness-absence-rates-january-2023.xlsx", read_only=True
    )["Table 2"]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(c).replace("\n", " ") if c else "" for c in rows[2]]
    column = header.index("January 2023")
    expected = {r[0]: r[column] for r in rows[3:] if r[0] and isinstance(r[column], float)}
    groups = rates.by_breakdown(load_catalogue(), kpi, "england", "ENG").set_index("group")
    assert set(groups.index) == set(expected)
    for group, value in expected.items():
        assert groups.loc[group, "value"] == pytest.approx(value / 100)


def test_names_from_a_publication_are_shown_as_text(tmp_path, monkeypatch):
    """A publication's organisation names reach pages escaped, as data always does."""
    from heenb.report.rates import measure_section

    folder = _copy(tmp_path)
    path = folder / "nhs-sickness-absence-2025-03.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Guy's and St Thomas' NHS Foundation Trust",
                                 "<script>alert(1)</script>"), encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("HEENB_PUBLISHED", str(folder))
    rows = load_catalogue().kpis
    kpi = rows[rows["rule"] == "ratio_of_sums"].iloc[0]
    markup = measure_section(load_catalogue(), kpi, "ics", "QKK", "South East London ICS").markup
    assert "<script>" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup


def test_a_funnel_of_every_organisation_names_them_and_its_labels_do_not_collide():
    """The analyst's funnel over the March 2025 file: p' limits, the unit named from the
    group column (not "ORG NAMEs"), and no outlier label drawn over another."""
    from heenb.charts.funnel import funnel_chart
    from heenb.pprime import laney_curves

    march = pd.read_csv(PUBLISHED / "nhs-sickness-absence-2025-03.csv")
    limits = laney_limits(march, numerator="FTE_DAYS_LOST", denominator="FTE_DAYS_AVAILABLE",
                          group="ORG_NAME")  # fmt: skip
    chart = funnel_chart(limits, laney_curves(limits), title="Sickness absence, March 2025",
                         value_label="sickness absence rate", improvement="lower")  # fmt: skip
    assert f"{len(march)} organisations" in chart.alt_text
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(chart.figure)
    canvas.draw()  # the renderer places the labels
    renderer = canvas.get_renderer()
    figure = chart.figure
    labels = [t for t in figure.axes[0].texts if t.get_text() in set(limits.index)]
    assert len(labels) == (limits["outlier"] != "").sum() > 5
    # The text's own box (an annotation's extent would include its leading line).
    boxes = [Text.get_window_extent(t, renderer) for t in labels]
    overlapping = [
        (labels[i].get_text(), labels[j].get_text())
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]
    assert not overlapping


def test_validate_reads_the_published_sources_and_names_a_bad_cell(tmp_path, monkeypatch, capsys):
    from heenb.cli import main

    assert main(["validate"]) == 0
    assert "sickness_absence (published, 2 file(s) in published/): read as declared" in (
        capsys.readouterr().out
    )
    folder = _copy(tmp_path)
    path = folder / "nhs-sickness-absence-2025-03.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",3.19\n", ",3.19%\n", 1), "utf-8")
    monkeypatch.setenv("HEENB_PUBLISHED", str(folder))
    assert main(["validate"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "nhs-sickness-absence-2025-03.csv, row 2, column 'SICKNESS_ABSENCE_RATE_PERCENT'" in err
