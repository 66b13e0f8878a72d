"""Missing periods: found inside each series, drawn as a break, named in words.

Dropping one year of a source must not make a chart join the years either side
as neighbours, nor an alt text or a report's data notes pass over it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heenb.charts.trend import small_multiples, trend_chart
from heenb.data.gaps import Gap, complete_periods, find_gaps, gaps_note, raw_gaps
from heenb.data.mart import load_mart
from heenb.data.validate import read_raw
from heenb.report.common import data_notes, load_inputs

# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("periods", "complete"),
    [
        (["2017", "2018", "2020"], ["2017", "2018", "2019", "2020"]),
        ([2019, 2021], [2019, 2020, 2021]),
        (["2023-11", "2024-02"], ["2023-11", "2023-12", "2024-01", "2024-02"]),
        (["2021-Q3", "2022-Q2"], ["2021-Q3", "2021-Q4", "2022-Q1", "2022-Q2"]),
        (["2021", "2019"], ["2021", "2019"]),  # not ascending: left as given
        (["Q1", "Q3"], ["Q1", "Q3"]),  # not periods
    ],
)
def test_missing_periods_are_put_back_only_in_ascending_periods(periods, complete):
    assert complete_periods(periods) == complete


def test_find_gaps_reports_a_whole_table_gap_once_and_a_series_gap_by_its_series():
    table = pd.DataFrame(
        {
            "area": ["A"] * 4 + ["B"] * 3,
            "year": [2017, 2018, 2019, 2021, 2017, 2018, 2021],
        }
    )
    gaps = find_gaps(table, "file.csv", "year", "year", ["area"])
    assert gaps == [
        Gap("file.csv", (), ("2020",), "2017", "2021"),
        Gap("file.csv", (("area", "B"),), ("2019",), "2017", "2021"),
    ]


def test_a_series_that_starts_late_has_no_gap():
    table = pd.DataFrame({"area": ["A", "A", "B"], "quarter": ["2021-Q1", "2021-Q2", "2021-Q2"]})
    assert find_gaps(table, "f", "quarter", "quarter", ["area"]) == []


def test_raw_gaps_of_the_demo_data_are_none_and_find_a_dropped_year(demo_dir):
    tables = read_raw(demo_dir)
    assert raw_gaps(tables) == []
    workforce = tables["workforce_fte"]
    tables["workforce_fte"] = workforce[workforce["month"] != "2020-06"]
    (gap,) = raw_gaps(tables)
    assert (gap.source, gap.series, gap.missing) == ("workforce_fte.csv", (), ("2020-06",))


# --------------------------------------------------------------------------- charts


def arcp_like(missing=("2020",)):
    years = [str(y) for y in range(2017, 2025) if str(y) not in missing]
    return pd.DataFrame(
        {
            "period": years * 2,
            "line": ["England"] * len(years) + ["Midlands"] * len(years),
            "value": np.linspace(0.05, 0.09, len(years) * 2),
        }
    )


def test_the_trend_chart_breaks_its_lines_at_a_missing_year():
    chart = trend_chart(arcp_like(), title="ARCP", value_label="Outcomes 10.1 and 10.2")
    ax = chart.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()][2:5] == ["2019", "2020", "2021"]
    for line in ax.lines[:2]:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert len(y) == 8 and np.isnan(y[3]) and not np.isnan(y[[2, 4]]).any()


def test_the_trend_alt_text_names_the_missing_year():
    chart = trend_chart(arcp_like(), title="ARCP", value_label="Outcomes 10.1 and 10.2")
    assert "Line chart of Outcomes 10.1 and 10.2, 2017 to 2024 (no data for 2020)" in (
        chart.alt_text
    )
    assert "England:" in chart.alt_text and "(no data for 2020)." in chart.alt_text


def test_small_multiples_break_and_name_a_missing_year_too():
    chart = small_multiples(
        arcp_like().assign(KPI="ARCP"), title="t", panels_column="KPI", value_label="v"
    )
    y = np.asarray(chart.figure.axes[0].lines[0].get_ydata(), dtype=float)
    assert np.isnan(y[3])
    assert "2017 to 2024 (no data for 2020)" in chart.alt_text


def test_a_chart_without_gaps_says_nothing_of_them():
    chart = trend_chart(arcp_like(missing=()), title="ARCP", value_label="v")
    assert "no data" not in chart.alt_text


# --------------------------------------------------------------------------- data notes


@pytest.fixture
def arcp_without_2020(data_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    path = data_copy / "arcp_outcomes.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table[table["year"] != "2020"].to_csv(path, index=False)
    return data_copy


def test_gaps_note_names_the_missing_year_of_each_measure(arcp_without_2020):
    note = gaps_note(load_mart(arcp_without_2020))
    assert "charts break their lines there" in note
    assert "measures (area_code 'ENG', measure 'arcp-covid-share'): 2020" in note


def test_the_data_notes_of_a_report_say_which_periods_are_missing(arcp_without_2020):
    notes = data_notes(load_inputs(arcp_without_2020), {}, ["ARCP outcomes"])
    assert "Missing periods" in notes.markup
    assert "arcp-extension-share" in notes.markup


def test_the_data_notes_of_complete_data_have_no_missing_periods(demo_dir):
    assert gaps_note(load_mart(demo_dir)) == ""
    assert "Missing periods" not in data_notes(load_inputs(demo_dir), {}, ["x"]).markup
