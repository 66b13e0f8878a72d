"""The analyst's interface: data frames in, tidy results out, charts you can keep."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import matplotlib.dates as mdates
import nbformat
import numpy as np
import pandas as pd
import pytest
from matplotlib.dates import ConciseDateFormatter

import heenb
from heenb import funnel
from heenb.charts.figure import TextFormatter
from heenb.charts.funnel import funnel_chart
from heenb.charts.xmr import xmr_chart
from heenb.checks import missing_dates
from heenb.disclosure import (
    protect,
    protected_percentage,
    protected_proportion,
    protected_rates,
    suppress,
)
from heenb.errors import ArgumentError
from heenb.spc import XmrFacets, xmr
from heenb.stats import wilson

PACKAGE = Path(heenb.__file__).parent


def test_no_private_name_is_imported_across_modules():
    crossings = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("heenb"):
                crossings += [
                    f"{path.relative_to(PACKAGE.parent)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert not crossings, "private names imported across modules: " + "; ".join(crossings)


# --- SPC from a data frame ---------------------------------------------------------------

LEVEL = [10, 12] * 8 + [22, 20] * 8  # 32 months: a step up at month 17
MONTHS = pd.date_range("2022-01-01", periods=len(LEVEL), freq="MS")


def _frame(values=LEVEL, months=MONTHS, **columns) -> pd.DataFrame:
    return pd.DataFrame({"month": months, "rate": values, **columns})


def test_xmr_takes_a_data_frame_and_names_its_columns():
    result = xmr(_frame(), value="rate", date="month")
    assert list(result.points.columns[:2]) == ["month", "value"]
    assert result.points["month"].tolist() == list(MONTHS)
    series = xmr(pd.Series(LEVEL)).points
    assert result.points["special_cause"].tolist() == series["special_cause"].tolist()
    assert result.date == "month"


def test_rows_and_a_date_index_are_sorted_by_date():
    shuffled = _frame().sample(frac=1, random_state=3)
    assert xmr(shuffled, value="rate", date="month").points["value"].tolist() == LEVEL
    series = pd.Series(LEVEL, index=MONTHS).sample(frac=1, random_state=3)
    points = xmr(series).points
    assert points.index.equals(MONTHS) and points["value"].tolist() == LEVEL


def test_an_allowed_gap_takes_no_moving_range_across_it_and_the_limits_go_on():
    """A moving range across a missing month is false: it is left out of the points and of
    the mean moving range, by frame and by series alike."""
    gappy = _frame().drop(index=[4, 5, 20]).reset_index(drop=True)
    values = gappy["rate"].to_numpy()
    ranges = np.abs(np.diff(values))
    kept = np.delete(ranges, [3, 17])  # the ranges ending at the first month after each gap
    for result in (
        xmr(gappy, value="rate", date="month", gaps="allow"),
        xmr(pd.Series(values, index=pd.DatetimeIndex(gappy["month"])), gaps="allow"),
    ):
        points = result.points.reset_index(drop=True)
        assert points["moving_range"].isna().tolist() == [i in (0, 4, 18) for i in range(29)]
        assert points["section"].nunique() == 1
        assert points["upper"].iloc[0] == pytest.approx(values.mean() + 2.66 * kept.mean())


def test_missing_months_are_refused_naming_them_unless_allowed():
    gappy = _frame().drop(index=[4, 5, 20])
    with pytest.raises(ArgumentError) as error:
        xmr(gappy, value="rate", date="month")
    message = str(error.value)
    assert "column 'month' has no row for 2022-05-01, 2022-06-01, 2023-09-01" in message
    assert "gaps='allow'" in message
    assert len(xmr(gappy, value="rate", date="month", gaps="allow").points) == 29
    with pytest.raises(ArgumentError, match=r"no row for 2022-03"):
        xmr(
            pd.Series(
                [1.0, 2, 3, 4],
                index=pd.PeriodIndex(["2022-01", "2022-02", "2022-04", "2022-05"], freq="M"),
            )
        )


def test_recalculation_is_given_as_a_date_of_the_data():
    result = xmr(_frame(), value="rate", date="month", recalculate_at=["2023-05-01"])
    points = result.points
    assert points["section"].tolist() == [0] * 16 + [1] * 16
    assert points["mean"].iloc[0] == 11 and points["mean"].iloc[-1] == 21
    with pytest.raises(ArgumentError, match=r"recalculate_at date '2023-05-15' is not a date"):
        xmr(_frame(), value="rate", date="month", recalculate_at=["2023-05-15"])
    series = pd.Series(LEVEL, index=pd.period_range("2022-01", periods=32, freq="M"))
    by_date = xmr(series, recalculate_at=["2023-05"]).points["section"]
    assert by_date.tolist() == xmr(series, recalculate_at=[16]).points["section"].tolist()
    assert by_date.tolist() == points["section"].tolist()


def test_a_shift_spanning_a_recalculation_is_not_flagged_across_it():
    values = list(LEVEL)
    values[13:16] = [11.5] * 3
    values[16:19] = [21.5] * 3
    frame = _frame(values)
    within = xmr(frame, value="rate", date="month", recalculate_at=[MONTHS[16]])
    assert set(within.points["special_cause"]) == {""}
    across = xmr(
        frame, value="rate", date="month", recalculate_at=[MONTHS[16]], rules_across_periods=True
    )
    assert (across.points["special_cause"] != "").sum() == 6


def _facets() -> pd.DataFrame:
    north = _frame(region="North")
    south = _frame([v * 2 for v in LEVEL], region="South", goal=30.0)
    north["goal"] = 15.0
    return pd.concat([south, north]).sample(frac=1, random_state=1)


def test_facets_give_one_chart_each_with_their_own_targets():
    result = xmr(_facets(), value="rate", date="month", facet="region", target={"North": 15})
    assert isinstance(result, XmrFacets) and set(result) == {"North", "South"}
    assert result["North"].target == 15 and result["South"].target is None
    assert result["North"].assurance is not None and result["South"].assurance is None
    points = result.points
    assert list(points.columns[:3]) == ["region", "month", "value"]
    assert len(points) == 64
    by_column = xmr(_facets(), value="rate", date="month", facet="region", target="goal")
    assert by_column["South"].target == 30 and by_column["North"].target == 15
    with pytest.raises(ArgumentError, match=r"no facet 'West'"):
        result["West"]


def test_summary_has_one_row_per_facet_and_period():
    result = xmr(
        _facets(),
        value="rate",
        date="month",
        facet="region",
        target={"North": 15, "South": 30},
        recalculate_at=["2023-05-01"],
    )
    summary = result.summary().set_index(["region", "period"])
    assert len(summary) == 4
    north = summary.loc[("North", 1)]
    assert north["points"] == 16 and north["mean"] == 21
    assert north["start"] == pd.Timestamp("2023-05-01") and north["end"] == MONTHS[-1]
    assert north["variation"] == "common_cause" and north["assurance"] == "pass"
    assert pd.isna(summary.loc[("North", 0), "assurance"])
    assert {"lower", "upper", "common_cause", "improvement", "concern"} <= set(summary.columns)
    single = xmr(LEVEL).summary()
    assert len(single) == 1 and single.loc[0, "points"] == 32


def test_frame_arguments_are_checked_by_name():
    with pytest.raises(ArgumentError, match=r"value='rates' is not a column"):
        xmr(_frame(), value="rates", date="month")
    with pytest.raises(ArgumentError, match=r"value must name the column"):
        xmr(_frame(), date="month")
    with pytest.raises(ArgumentError, match=r"values must be a pandas DataFrame"):
        xmr(LEVEL, value="rate")
    with pytest.raises(ArgumentError, match=r"'month' has 2022-01-01 more than once"):
        xmr(pd.concat([_frame(), _frame()]), value="rate", date="month")
    with pytest.raises(ArgumentError, match=r"column 'rate' \(value\) has no value at row 3"):
        xmr(_frame([*LEVEL[:3], None, *LEVEL[4:]]), value="rate", date="month")
    with pytest.raises(ArgumentError, match=r"row 2 holds 'soon', which is not a date"):
        xmr(_frame(months=[*MONTHS[:2], "soon", *MONTHS[3:]]), value="rate", date="month")


def test_a_dated_result_is_drawn_on_a_real_date_axis():
    result = xmr(_frame(), value="rate", date="month", recalculate_at=["2023-05-01"], target=15)
    chart = xmr_chart(result, title="Retention", value_label="Rate")
    axes = chart.figure.axes[0]
    assert isinstance(axes.xaxis.get_major_formatter(), TextFormatter)
    assert isinstance(axes.xaxis.get_major_formatter().inner, ConciseDateFormatter)
    low, high = axes.get_xlim()
    assert low < mdates.date2num(MONTHS[0]) < mdates.date2num(MONTHS[-1]) < high
    assert chart.alt_text.startswith("XmR chart of Retention from Jan 2022 to Aug 2024, 32 points")
    assert chart.data["period"].iloc[16] == "May 2023"


def test_facets_are_drawn_one_panel_each_with_their_meaning_in_words():
    result = xmr(_facets(), value="rate", date="month", facet="region", target={"North": 15})
    chart = xmr_chart(result, title="Retention", value_label="Rate")
    panels = [axes for axes in chart.figure.axes if axes.get_title(loc="left")]
    assert [axes.get_title(loc="left").split(":")[0] for axes in panels] == ["North", "South"]
    assert "North: latest value 20 in Aug 2024" in chart.alt_text
    assert "South: latest value 40 in Aug 2024" in chart.alt_text
    assert chart.data.columns[0] == "region" and len(chart.data) == 64
    assert "Target 15" in [text.get_text() for text in panels[0].texts]
    untargeted = xmr_chart(result, title="Retention", value_label="Rate", target=None)
    assert "consistently" not in untargeted.alt_text
    with pytest.raises(ArgumentError, match="period_labels cannot be given for facets"):
        xmr_chart(result, title="T", value_label="V", period_labels=["a"])


def test_results_show_their_summary_in_jupyterlab():
    result = xmr(_facets(), value="rate", date="month", facet="region")
    assert "<table" in result._repr_html_() and "North" in result._repr_html_()
    single = result["North"]._repr_html_()
    assert single.startswith("<p>Special cause variation: improvement") and "<table" in single


# --- funnel plots from a data frame ------------------------------------------------------

TRUSTS = pd.DataFrame(
    {
        "trust": ["Alder", "Birch", "Cedar", "Damson", "Elm", "Fir", "Gorse", "Hazel"],
        "good": [40, 300, 90, 80, 95, 88, 70, 85],
        "asked": [100, 400, 100, 100, 100, 100, 100, 100],
    }
)


def test_funnel_takes_a_data_frame_with_a_group_column():
    limits = funnel.proportion_limits(TRUSTS, numerator="good", denominator="asked", group="trust")
    plain = funnel.proportion_limits(TRUSTS["good"], TRUSTS["asked"], labels=TRUSTS["trust"])
    assert limits.index.name == "trust" and list(limits.index) == list(TRUSTS["trust"])
    pd.testing.assert_frame_equal(pd.DataFrame(limits), pd.DataFrame(plain), check_names=False)
    assert limits.reset_index().columns[0] == "trust"
    assert limits.phi == pytest.approx(limits.attrs["phi"]) and limits.phi > 1
    assert limits.tau2 == limits.attrs["tau2"] > 0
    assert limits.target == pytest.approx(TRUSTS["good"].sum() / TRUSTS["asked"].sum())


def test_funnel_outliers_and_summary():
    limits = funnel.proportion_limits(
        TRUSTS, numerator="good", denominator="asked", group="trust", overdispersion=False
    )
    outliers = limits.outliers()
    expected = limits[limits["outlier"] != ""].sort_values("z", ascending=False)
    assert list(outliers.index) == list(expected.index)
    assert set(outliers["outside"]) <= {"high", "low"} and "Alder" in outliers.index
    assert len(limits.outliers("95")) >= len(outliers)
    summary = limits.summary()
    assert summary.loc[0, "units"] == 8 and summary.loc[0, "phi"] == limits.phi
    assert summary.loc[0, "below_998"] == (limits["outlier"] == "low").sum()
    assert not summary.loc[0, "overdispersion"]


def test_funnel_frame_arguments_are_checked_by_name():
    with pytest.raises(ArgumentError, match=r"numerator must name a column.*'goods'"):
        funnel.proportion_limits(TRUSTS, numerator="goods", denominator="asked")
    twice = pd.concat([TRUSTS, TRUSTS.iloc[:1]])
    with pytest.raises(ArgumentError, match=r"column 'trust' names unit 'Alder' more than once"):
        funnel.proportion_limits(twice, numerator="good", denominator="asked", group="trust")
    with pytest.raises(ArgumentError, match=r"group='trust' names a column"):
        funnel.proportion_limits([1, 2], [3, 4], group="trust")


def test_funnel_alt_text_names_the_units_as_the_group_column_does():
    limits = funnel.proportion_limits(TRUSTS, numerator="good", denominator="asked", group="trust")
    chart = funnel_chart(limits, title="T", value_label="good", reference_label="all trusts")
    assert "for 8 trusts against the all trusts rate" in chart.alt_text
    assert "areas" not in chart.alt_text
    named = funnel_chart(limits, title="T", value_label="good", unit_name=("deanery", "deaneries"))
    assert "for 8 deaneries" in named.alt_text


# --- disclosure chains -------------------------------------------------------------------

LONG = pd.DataFrame(
    {
        "area": ["England", "London", "Midlands", "North", "England", "London"],
        "year": [2023, 2023, 2023, 2023, 2024, 2024],
        "rated_good": [12, 5, 12, 0, 1234, 6],
        "asked": [40, 40, 40, 40, 2002, 7],
    }
)
ENGLAND_ROWS = (LONG["area"] == "England").to_numpy()


def test_rates_can_be_computed_from_the_output_of_protect():
    protected = protect(LONG, "area", ["rated_good", "asked"])
    percent = protected_percentage(protected["rated_good"], protected["asked"])
    assert percent.tolist()[:4] == [30.0, pd.NA, 25.0, 0.0]
    assert percent.iloc[4] == pytest.approx(100 * 1234 / 2002) and percent.isna().iloc[5]
    same = protected_percentage(LONG["rated_good"], LONG["asked"], national=ENGLAND_ROWS)
    pd.testing.assert_series_equal(percent, same)


def test_national_rows_are_marked_per_row_not_for_the_whole_series():
    shown = suppress(LONG["rated_good"], national=ENGLAND_ROWS)
    assert shown.tolist() == [12, pd.NA, 10, 0, 1234, pd.NA]
    with_column = LONG.assign(england=ENGLAND_ROWS)
    by_column = protect(with_column, columns="rated_good", national="england")
    assert by_column["rated_good"].tolist() == shown.tolist()
    with pytest.raises(ArgumentError, match=r"one True/False per row \(6 rows\)"):
        suppress(LONG["rated_good"], national=[True, False])


def test_protected_rates_and_intervals_come_from_the_protected_counts():
    rates = protected_rates(LONG, "rated_good", "asked", national=ENGLAND_ROWS)
    assert rates["rated_good"].tolist() == [12, pd.NA, 10, 0, 1234, pd.NA]
    assert rates["asked"].tolist() == [40, 40, 40, 40, 2002, pd.NA]
    assert rates["value"].iloc[2] == 0.25 and rates["value"].iloc[0] == 0.3
    lower, upper = wilson(10, 40)
    assert rates.loc[2, "lower"] == pytest.approx(lower) and rates.loc[2, "upper"] == upper
    assert rates["withheld"].tolist() == [False, True, False, False, False, True]
    assert rates[["value", "lower", "upper"]].iloc[[1, 5]].isna().all().all()
    chained = protected_rates(protect(LONG, "area", ["rated_good", "asked"]), "rated_good", "asked")
    pd.testing.assert_frame_equal(chained, rates)


def test_one_unit_convention_fractions_with_percentage_as_its_name_says():
    fraction = protected_proportion([12], [40], national=True)
    lower, upper = wilson(12, 40)
    assert fraction.name == "proportion" and lower < fraction.iloc[0] == 0.3 < upper < 1
    assert protected_percentage([12], [40], national=True).iloc[0] == 100 * fraction.iloc[0]


def test_missing_raw_counts_say_how_to_pass_protected_ones():
    gappy = pd.Series([5, None, 12], dtype="Int64")
    with pytest.raises(ArgumentError, match=r"missing \(NaN\) at row 1\. If these counts are"):
        protected_percentage(gappy, pd.Series([40, 40, 40]))
    assert protected_percentage(gappy, pd.Series([40, 40, 40]), protected=True).isna().iloc[1]


# --- the guide notebook ------------------------------------------------------------------


def test_the_guide_notebook_is_output_free_and_run_by_the_suite():
    root = PACKAGE.parent
    guide = nbformat.read(root / "docs" / "guide.ipynb", as_version=4)
    assert all(cell.get("outputs", []) == [] for cell in guide.cells if cell.cell_type == "code")
    assert "guide-data.csv" in "".join(cell.source for cell in guide.cells)
    assert (root / "docs" / "guide-data.csv").exists()
    settings = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert "docs/guide.ipynb" in settings["tool"]["pytest"]["ini_options"]["testpaths"]


@pytest.mark.parametrize(
    ("dates", "missing"),
    [
        (pd.to_datetime(["2024-01-31", "2024-02-29", "2024-04-30"]), ["2024-03-31"]),
        (pd.to_datetime(["2024-01-15", "2024-02-15", "2024-03-15"]), []),
        (pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-22"]), ["2024-01-15"]),
        (pd.to_datetime(["2024-01-01", "2024-04-01", "2024-10-01"]), ["2024-07-01"]),
        (pd.Index([2019, 2020, 2022, 2023]), [2021]),
        (pd.PeriodIndex(["2024Q1", "2024Q2", "2024Q4"], freq="Q"), ["2024Q3"]),
    ],
)
def test_missing_periods_are_found_by_the_step_of_the_dates(dates, missing):
    found = [str(d.date()) if isinstance(d, pd.Timestamp) else str(d) for d in missing_dates(dates)]
    assert found == [str(m) for m in missing]


def test_protect_without_national_rows_protects_every_row():
    from heenb import disclosure

    table = pd.DataFrame({"trust": ["A", "B", "England"], "n": [3, 12, 15], "d": [9, 40, 49]})
    protected = disclosure.protect(table, columns=["n", "d"])
    assert protected["n"].isna().tolist() == [True, False, False]
    assert protected["n"].tolist()[1:] == [10, 15]  # every row rounded, England's too
    with pytest.raises(ArgumentError, match="not both"):
        disclosure.protect(table, "trust", columns=["n"], national=[False, False, True])


def test_a_recalculation_one_facet_cannot_take_is_left_out_for_it_alone_with_a_note():
    """An organisation that closed before April 2020 no longer stops every facet's chart."""
    months = pd.date_range("2019-01-01", periods=30, freq="MS")
    long = pd.DataFrame({"month": months, "rate": np.linspace(0.1, 0.2, 30), "org": "Open"})
    closed = pd.DataFrame({"month": months[:12], "rate": np.linspace(0.1, 0.2, 12), "org": "Shut"})
    result = xmr(pd.concat([long, closed]), value="rate", date="month", facet="org",
                 recalculate_at=["2020-04-01"])  # fmt: skip
    assert result["Open"].points["section"].nunique() == 2
    assert result["Shut"].points["section"].nunique() == 1
    assert len(result.notes) == 1 and "facet 'Shut'" in result.notes[0]
    assert "Not recalculated at 2020-04-01" in result._repr_html_()


def test_many_facets_are_drawn_in_a_grid_and_the_alt_text_covers_every_one():
    from heenb.charts import xmr_chart

    months = pd.date_range("2019-01-01", periods=24, freq="MS")
    frames = []
    for i in range(7):
        values = np.r_[np.full(16, 0.1), np.full(8, 0.1)] + (np.arange(24) % 3) * 0.001
        if i == 6:
            values[-1] = 0.2  # a single point beyond the limits: special cause
        frames.append(pd.DataFrame({"month": months, "rate": values, "area": f"Area {i}"}))
    result = xmr(pd.concat(frames), value="rate", date="month", facet="area", improvement="lower")
    chart = xmr_chart(result, title="Rates", value_label="rate", unit="%")
    visible = [ax for ax in chart.figure.axes if ax.get_visible()]
    assert len(visible) == 7 and len({round(ax.get_position().x0, 2) for ax in visible}) == 2
    assert "special cause of concern in Area 6" in chart.alt_text
    assert "common cause variation in 6" in chart.alt_text
