"""Charts for reports: funnel plot, area comparison, trends and small multiples.

Each chart is checked for what a reader relies on: the alt text names the right
areas with the right numbers, the data table has the rows drawn, a withheld
figure never appears, missing values leave gaps, and bad input is refused with
an error that names the argument.
"""

from __future__ import annotations

import enum

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from heenb import funnel
from heenb.charts.compare import comparison_chart
from heenb.charts.figure import MDC_COLOURS, NHS_COLOURS, Chart
from heenb.charts.format import format_change, format_value
from heenb.charts.funnel import funnel_chart
from heenb.charts.trend import LINE_STYLES, describe_line, small_multiples, trend_chart
from heenb.errors import ArgumentError

OFFICES = [
    "North East",
    "East Midlands",
    "Kent, Surrey and Sussex",
    "Wessex",
    "South West",
    "North West",
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def limits() -> pd.DataFrame:
    """NETS overall experience by local office, as heenb.funnel.proportion_limits gives it
    without overdispersion: East Midlands is low and Kent, Surrey and Sussex high."""
    numerator = [1540, 2000, 2821, 1717, 2368, 3590]
    denominator = [1800, 2500, 3100, 2000, 2800, 4200]
    target = 0.8558536585365853
    table = pd.DataFrame(
        {
            "numerator": numerator,
            "denominator": denominator,
            "proportion": np.divide(numerator, denominator),
            "target": target,
            "lower95": [0.8393, 0.8418, 0.8433, 0.8401, 0.8426, 0.8451],
            "upper95": [0.8717, 0.8693, 0.868, 0.8709, 0.8686, 0.8663],
            "lower998": [0.8293, 0.8335, 0.8358, 0.8308, 0.8347, 0.8387],
            "upper998": [0.8805, 0.8769, 0.8748, 0.8793, 0.8757, 0.8722],
            "z": [-0.036, -7.4212, 9.4365, 0.3382, -1.506, -0.2011],
            "outlier": ["", "low", "high", "", "", ""],
        },
        index=pd.Index(OFFICES),
    )
    table.attrs.update(phi=7.7058, tau2=0.0, target=target, overdispersion=False)
    return table


@pytest.fixture
def within(limits) -> pd.DataFrame:
    """The same offices with overdispersion allowed for: every office within the limits."""
    table = limits.copy()
    table["outlier"] = ""
    table["z"] = [-0.01, -2.52, 2.91, 0.13, -0.49, -0.05]
    table.attrs.update(limits.attrs, tau2=0.000767, overdispersion=True)
    return table


@pytest.fixture
def offices() -> pd.DataFrame:
    """Overall experience by local office with Wilson intervals; South London withheld."""
    return pd.DataFrame(
        {
            "area": [
                "North East",
                "North West",
                "East Midlands",
                "West Midlands",
                "South London",
                "Thames Valley",
            ],
            "value": [0.861, 0.872, 0.800, 0.855, 0.0275, 0.849],
            "lower": [0.850, 0.865, 0.784, 0.841, 0.010, 0.835],
            "upper": [0.872, 0.879, 0.815, 0.868, 0.075, 0.862],
            "withheld": [False, False, False, False, True, False],
        }
    )


@pytest.fixture
def nets_trend() -> pd.DataFrame:
    """NETS overall experience 2021-2024: England (published), Midlands, East Midlands."""
    periods = ["2021", "2022", "2023", "2024"]
    values = {
        "England": [0.8419, 0.8480, 0.8530, 0.8700],
        "Midlands": [0.8350, 0.8400, 0.8490, 0.8660],
        "East Midlands": [0.8300, np.nan, 0.8600, 0.8550],
    }
    rows = [
        {
            "period": period,
            "line": line,
            "value": value,
            "lower": value - 0.006,
            "upper": value + 0.006,
        }
        for line, series in values.items()
        for period, value in zip(periods, series, strict=True)
    ]
    return pd.DataFrame(rows)


def _texts(chart: Chart) -> list[str]:
    """Every piece of text drawn on the chart's axes and figure."""
    texts = [t.get_text() for t in chart.figure.texts]
    for ax in chart.figure.axes:
        texts += [t.get_text() for t in ax.texts]
        texts += [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return texts


def _is_png(chart: Chart) -> bool:
    return chart.png_bytes().startswith(b"\x89PNG")


# --------------------------------------------------------------------------- formatting


def test_a_proportion_is_shown_in_per_cent_to_one_decimal_place():
    assert format_value(0.8419, "%") == "84.2%"


def test_other_units_get_thousands_separators():
    assert format_value(21636, "FTE") == "21,636 FTE"
    assert format_value(3460, "") == "3,460"


def test_a_change_in_a_proportion_is_given_in_points():
    assert format_change(0.870 - 0.8419, "%") == "up 2.8 points"
    assert format_change(-0.01, "%") == "down 1.0 points"
    assert format_change(0.0001, "%") == "no change"


# --------------------------------------------------------------------------- funnel


def _funnel(limits, **kwargs) -> Chart:
    return funnel_chart(
        limits,
        title="Overall educational experience, 2024",
        value_label="learners rating their experience good or better",
        denominator_label="Number of respondents",
        **kwargs,
    )


def test_funnel_alt_text_names_each_outlier_and_its_side(limits):
    alt = _funnel(limits).alt_text
    assert "for 6 areas against the England rate of 85.6%" in alt
    assert (
        "2 areas lie outside the 99.8% limits: Kent, Surrey and Sussex (high), "
        "East Midlands (low)." in alt
    )


def test_funnel_alt_text_says_when_all_areas_are_within_the_limits(within):
    alt = _funnel(within).alt_text
    assert "All 6 areas lie within the 99.8% limits." in alt


def test_funnel_alt_text_mentions_the_overdispersion_adjustment(limits, within):
    assert "overdispersion" in _funnel(within).alt_text
    assert "overdispersion" not in _funnel(limits).alt_text


def test_funnel_outliers_are_labelled_and_shown_by_marker_as_well_as_colour(limits):
    chart = _funnel(limits)
    texts = _texts(chart)
    assert "Kent, Surrey and Sussex" in texts
    assert "East Midlands" in texts
    assert "North East" not in texts  # within the limits: not labelled
    assert any("triangle up" in t for t in texts)
    assert any("triangle down" in t for t in texts)
    markers = {c.get_label() for c in chart.figure.axes[0].collections}
    assert len(markers) == 3  # one scatter (one marker shape) per status


def test_funnel_outliers_can_be_left_unlabelled(limits):
    assert "East Midlands" not in _texts(_funnel(limits, label_outliers=False))


def test_funnel_data_has_one_row_per_area_in_per_cent(limits):
    data = _funnel(limits).data
    assert data["area"].tolist() == OFFICES
    east_midlands = data.set_index("area").loc["East Midlands"]
    assert east_midlands["proportion"] == 80.0
    assert east_midlands["outlier"] == "low"
    assert east_midlands["denominator"] == 2500


def test_funnel_chart_renders_to_png(limits):
    assert _is_png(_funnel(limits))


def test_funnel_draws_the_curves_it_is_given(limits):
    curves = funnel.limit_curves(limits.attrs["target"], 0.0, (1000.0, 5000.0), points=200)
    chart = _funnel(limits, curves=curves)
    lines = [line for line in chart.figure.axes[0].lines if len(line.get_xdata()) == 200]
    assert len(lines) == 4
    assert max(lines[0].get_xdata()) == pytest.approx(5000)


def test_funnel_takes_proportion_limits_output_directly():
    limits = funnel.proportion_limits(
        [1540, 2000, 2821, 1717, 2368, 3590],
        [1800, 2500, 3100, 2000, 2800, 4200],
        overdispersion=False,
        labels=OFFICES,
    )
    assert "East Midlands (low)" in _funnel(limits).alt_text


def _point_colours(chart: Chart) -> dict[str, tuple]:
    """Legend label -> RGBA face colour of each scatter of points."""
    return {
        c.get_label(): tuple(c.get_facecolor()[0])
        for c in chart.figure.axes[0].collections
        if len(c.get_facecolor())
    }


def _colour_of(chart: Chart, words: str) -> tuple:
    return next(colour for label, colour in _point_colours(chart).items() if words in label)


def test_funnel_colours_a_high_outlier_by_what_it_means(limits):
    higher = _funnel(limits, improvement="higher")
    lower = _funnel(limits, improvement="lower")
    # Kent, Surrey and Sussex lies above the limit: better when higher is better.
    assert _colour_of(higher, "above") == to_rgba(MDC_COLOURS["improvement"])
    assert _colour_of(lower, "above") == to_rgba(MDC_COLOURS["concern"])
    assert _colour_of(higher, "above") != _colour_of(lower, "above")
    assert _colour_of(higher, "below") == to_rgba(MDC_COLOURS["concern"])
    assert _colour_of(higher, "Within limits") == to_rgba(MDC_COLOURS[""])


def test_funnel_legend_says_better_and_worse_in_words_with_different_markers(limits):
    chart = _funnel(limits, improvement="higher")
    labels = set(_point_colours(chart))
    assert labels == {
        "Within limits (circle)",
        "Better than expected: above the 99.8% limit (triangle up)",
        "Worse than expected: below the 99.8% limit (triangle down)",
    }
    markers = {c.get_paths()[0].vertices.tobytes() for c in chart.figure.axes[0].collections}
    assert len(markers) == 3  # colour is never the only difference


def test_funnel_alt_text_names_the_better_and_worse_units(limits):
    higher = _funnel(limits, improvement="higher").alt_text
    assert "Worse than expected (below the 99.8% limit): East Midlands." in higher
    assert "Better than expected (above the 99.8% limit): Kent, Surrey and Sussex." in higher
    lower = _funnel(limits, improvement="lower").alt_text
    assert "Worse than expected (above the 99.8% limit): Kent, Surrey and Sussex." in lower
    assert "Better than expected (below the 99.8% limit): East Midlands." in lower


def test_funnel_alt_text_says_none_is_better_or_worse_when_all_are_within(within):
    alt = _funnel(within, improvement="higher").alt_text
    assert "All 6 areas lie within the 99.8% limits: none is better or worse than expected." in alt


def test_funnel_with_no_better_direction_draws_outliers_in_purple(limits):
    chart = _funnel(limits, improvement="neither")
    assert _colour_of(chart, "Above the 99.8% limit") == to_rgba(MDC_COLOURS["neither"])
    assert _colour_of(chart, "Below the 99.8% limit") == to_rgba(MDC_COLOURS["neither"])
    assert "better" not in " ".join(_point_colours(chart)).lower()
    assert "Neither direction is better" in chart.alt_text


def test_funnel_highlight_says_whether_the_area_is_better_or_worse(limits):
    alt = _funnel(limits, improvement="higher", highlight="East Midlands").alt_text
    assert "Worse than expected (below the 99.8% limit): East Midlands (highlighted, 80.0%)." in alt
    alt = _funnel(limits, improvement="higher", highlight="Wessex").alt_text
    assert "Wessex (highlighted): 85.9%, within the limits." in alt


def test_funnel_without_an_improvement_direction_colours_by_side_as_before(limits):
    chart = _funnel(limits)
    assert _colour_of(chart, "Above") == to_rgba(NHS_COLOURS["dark_red"])
    assert _colour_of(chart, "Below") == to_rgba(NHS_COLOURS["aqua_green"])


def test_funnel_takes_the_direction_as_an_enum_member(limits):
    class Direction(enum.Enum):
        LOWER = "lower"

    chart = _funnel(limits, improvement=Direction.LOWER)
    assert _colour_of(chart, "above") == to_rgba(MDC_COLOURS["concern"])


def test_funnel_refuses_an_unknown_improvement_direction(limits):
    with pytest.raises(ArgumentError, match="improvement must be 'higher', 'lower' or 'neither'"):
        _funnel(limits, improvement="up")


def test_funnel_draws_the_limits_of_the_method_that_judged_the_units():
    # Harrogate's 0 of 190 at about 2%: within the exact limits, below the arcsine ones.
    counts = ([0, 41, 39, 20, 40], [190, 2000, 2000, 1000, 2000])
    names = ["Harrogate", "Leeds", "York", "Bradford", "Hull"]
    exact = funnel.proportion_limits(*counts, labels=names)
    arcsine = funnel.proportion_limits(*counts, labels=names, method="arcsine")
    assert "All 5 areas lie within" in _funnel(exact, improvement="higher").alt_text
    assert "Harrogate (low)" in _funnel(arcsine).alt_text
    lowest = {
        name: min(line.get_ydata()[0] for line in _funnel(table).figure.axes[0].lines[1:])
        for name, table in (("exact", exact), ("arcsine", arcsine))
    }
    assert lowest["exact"] == 0.0 < lowest["arcsine"]


def test_funnel_refuses_an_empty_table(limits):
    with pytest.raises(ArgumentError, match="limits is empty"):
        _funnel(limits.iloc[0:0])


def test_funnel_refuses_a_table_without_limits(limits):
    with pytest.raises(ArgumentError, match="limits has no column 'upper998'"):
        _funnel(limits.drop(columns="upper998"))


# --------------------------------------------------------------------------- comparison


def _compare(table, **kwargs) -> Chart:
    return comparison_chart(
        table,
        title="Overall educational experience by local office, 2024",
        value_label="learners rating their experience good or better",
        **kwargs,
    )


def test_comparison_alt_text_names_the_highest_and_lowest_areas(offices):
    alt = _compare(offices).alt_text
    assert "Highest: North West at 87.2%; lowest: East Midlands at 80.0%." in alt


def test_comparison_alt_text_counts_intervals_that_exclude_england(offices):
    alt = _compare(offices, reference=0.853).alt_text
    assert "The England value is 85.3%; 2 of 5 intervals exclude it" in alt
    assert "North West (above); East Midlands (below)." in alt


def test_comparison_data_is_sorted_highest_first_with_withheld_last(offices):
    data = _compare(offices, reference=0.853).data
    assert data["area"].tolist() == [
        "North West",
        "North East",
        "West Midlands",
        "Thames Valley",
        "East Midlands",
        "South London",
    ]
    assert data["value"].iloc[0] == 87.2


def test_a_withheld_area_never_shows_its_value(offices):
    chart = _compare(offices, reference=0.853)
    south_london = chart.data.set_index("area").loc["South London"]
    assert south_london[["value", "lower", "upper"]].isna().all()
    assert bool(south_london["withheld"])
    assert "2.8%" not in chart.alt_text and "2.7%" not in chart.alt_text
    assert "withheld to protect confidentiality: South London" in chart.alt_text
    texts = _texts(chart)
    assert "withheld" in texts
    assert not any("2.8" in t or "2.7" in t for t in texts)
    assert chart.figure.axes[0].get_yticklabels()[-1].get_text() == "South London"


def test_comparison_accepts_withheld_figures_as_missing_values(offices):
    protected = offices.astype({"value": "Float64", "lower": "Float64", "upper": "Float64"})
    protected.loc[protected["withheld"], ["value", "lower", "upper"]] = pd.NA
    chart = _compare(protected.drop(columns="withheld"))
    assert "1 area has no data: South London." in chart.alt_text
    assert _is_png(chart)


def test_comparison_draws_the_reference_line_labelled(offices):
    chart = _compare(offices, reference=0.853)
    assert "England 85.3%" in _texts(chart)
    assert _is_png(chart)


def test_comparison_refuses_an_empty_table():
    empty = pd.DataFrame(columns=["area", "value", "lower", "upper"])
    with pytest.raises(ArgumentError, match="table is empty"):
        _compare(empty)


def test_comparison_refuses_text_for_a_value(offices):
    with pytest.raises(ArgumentError, match="'value' of table must hold numbers"):
        _compare(offices.assign(value="high"))


# --------------------------------------------------------------------------- trend


def _trend(series, **kwargs) -> Chart:
    return trend_chart(
        series,
        title="Overall educational experience",
        value_label="learners rating their experience good or better",
        **kwargs,
    )


def test_trend_alt_text_gives_first_and_latest_value_and_the_change(nets_trend):
    alt = _trend(nets_trend).alt_text
    assert "England: 84.2% in 2021 to 87.0% in 2024, up 2.8 points" in alt
    assert "Midlands: 83.5% in 2021 to 86.6% in 2024, up 3.1 points" in alt


def test_a_missing_value_leaves_a_gap_and_is_reported(nets_trend):
    chart = _trend(nets_trend)
    east_midlands = next(
        line for line in chart.figure.axes[0].lines if line.get_label() == "East Midlands"
    )
    assert np.isnan(east_midlands.get_ydata()[1])
    assert "No data for East Midlands in 2022." in chart.alt_text
    assert "East Midlands: 83.0% in 2021 to 85.5% in 2024, up 2.5 points, peaking" in (
        describe_line(
            "East Midlands", [2021, 2022, 2023, 2024], np.array([0.83, np.nan, 0.86, 0.855]), "%"
        )
    )
    assert _is_png(chart)


def test_a_line_whose_latest_value_is_missing_is_described_to_its_last_value(nets_trend):
    series = nets_trend.copy()
    series.loc[(series["line"] == "Midlands") & (series["period"] == "2024"), "value"] = np.nan
    chart = _trend(series)
    assert "Midlands: 83.5% in 2021 to 84.9% in 2023, up 1.4 points" in chart.alt_text
    assert "Midlands 84.9% (2023)" in _texts(chart)


def test_trend_lines_differ_by_style_and_marker_and_are_labelled_at_their_ends(nets_trend):
    chart = _trend(nets_trend)
    lines = [line for line in chart.figure.axes[0].lines if not line.get_label().startswith("_")]
    assert len({line.get_linestyle() for line in lines}) == 3
    assert len({line.get_marker() for line in lines}) == 3
    texts = _texts(chart)
    assert "England 87.0%" in texts
    assert "East Midlands 85.5%" in texts


def test_trend_target_is_drawn_and_described(nets_trend):
    chart = _trend(nets_trend, target=0.9)
    assert "The target is 90.0%." in chart.alt_text
    assert "Target (90.0%)" in _texts(chart)


def test_trend_data_has_a_row_per_line_and_period_in_per_cent(nets_trend):
    data = _trend(nets_trend).data
    assert len(data) == 12
    england_2021 = data[(data["line"] == "England") & (data["period"] == "2021")]
    assert england_2021["value"].item() == 84.2


def test_trend_in_a_count_unit_uses_thousands_separators():
    series = pd.DataFrame(
        {"period": ["2009", "2014", "2019"], "line": "England", "value": [18959, 20838, 21636]}
    )
    chart = trend_chart(series, title="Midwives", value_label="midwives", unit="FTE")
    assert "England: 18,959 FTE in 2009 to 21,636 FTE in 2019, up 2,677 FTE" in chart.alt_text
    assert chart.figure.axes[0].get_ylabel() == "Midwives (FTE)"


def test_a_line_that_starts_later_than_the_next_keeps_the_axis_in_time_order():
    """ARCP outcomes 10.1 and 10.2 exist from 2020; drawn first beside a line from 2017, the
    axis read 2020 ... 2024, 2017, 2018, 2019 when periods were taken as they came."""
    series = pd.DataFrame({
        "period": ["2020", "2021", "2017", "2018", "2019", "2020", "2021"],
        "line": ["New"] * 2 + ["Old"] * 5,
        "value": [0.13, 0.16, 0.09, 0.09, 0.09, 0.09, 0.09],
    })  # fmt: skip
    chart = trend_chart(series, title="Outcomes", value_label="share")
    labels = [tick.get_text() for tick in chart.figure.axes[0].get_xticklabels()]
    assert labels == ["2017", "2018", "2019", "2020", "2021"]
    assert "2017 to 2021" in chart.alt_text


def test_a_monthly_trend_labels_at_most_8_months_the_latest_among_them():
    """72 months labelled one by one overlapped into a black bar; yearly charts keep them all."""
    months = [f"{year}-{month:02d}" for year in range(2019, 2025) for month in range(1, 13)]
    series = pd.DataFrame({"period": months, "line": "England", "value": range(72)})
    chart = trend_chart(series, title="Midwives", value_label="midwives", unit="FTE")
    labels = [tick.get_text() for tick in chart.figure.axes[0].get_xticklabels()]
    assert 6 <= len(labels) <= 8 and labels[-1] == "2024-12"
    assert "2019-01 to 2024-12" in chart.alt_text
    yearly = series.iloc[:8].assign(period=[str(year) for year in range(2017, 2025)])
    chart = trend_chart(yearly, title="Midwives", value_label="midwives", unit="FTE")
    assert len(chart.figure.axes[0].get_xticklabels()) == 8


def test_trend_without_bands_draws_lines_only(nets_trend):
    chart = _trend(nets_trend.drop(columns=["lower", "upper"]))
    assert "shaded" not in chart.alt_text
    assert _is_png(chart)


def test_trend_refuses_an_empty_series():
    with pytest.raises(ArgumentError, match="series is empty"):
        _trend(pd.DataFrame(columns=["period", "line", "value"]))


def test_trend_refuses_half_a_band(nets_trend):
    with pytest.raises(ArgumentError, match="'lower' column but no 'upper'"):
        _trend(nets_trend.drop(columns="upper"))


def test_trend_refuses_two_values_for_one_line_and_period(nets_trend):
    with pytest.raises(ArgumentError, match="more than one row"):
        _trend(pd.concat([nets_trend, nets_trend.iloc[[0]]]))


def test_more_lines_than_styles_reuse_the_styles():
    series = pd.DataFrame(
        {
            "period": "2024",
            "line": [f"Office {i}" for i in range(len(LINE_STYLES) + 1)],
            "value": 0.85,
        }
    )
    assert _is_png(_trend(series))


# --------------------------------------------------------------------------- small multiples


@pytest.fixture
def themes(nets_trend) -> pd.DataFrame:
    """Four NETS themes, each with the three lines of ``nets_trend`` shifted."""
    shifts = {
        "Overall experience": 0.0,
        "Induction": -0.01,
        "Clinical supervision": 0.02,
        "Facilities": -0.05,
    }
    parts = [
        nets_trend.assign(
            kpi=kpi,
            value=nets_trend["value"] + shift,
            lower=nets_trend["lower"] + shift,
            upper=nets_trend["upper"] + shift,
        )
        for kpi, shift in shifts.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _multiples(series, **kwargs) -> Chart:
    return small_multiples(
        series,
        title="NETS themes",
        panels_column="kpi",
        value_label="learners answering positively",
        **kwargs,
    )


def test_small_multiples_draws_one_panel_per_kpi(themes):
    chart = _multiples(themes)
    assert [ax.get_title(loc="left") for ax in chart.figure.axes] == [
        "Overall experience",
        "Induction",
        "Clinical supervision",
        "Facilities",
    ]
    assert _is_png(chart)


def test_small_multiples_alt_text_describes_each_panel(themes):
    alt = _multiples(themes).alt_text
    assert "one panel per kpi (4 panels)" in alt
    assert "Lines: England, Midlands, East Midlands." in alt
    assert "Overall experience: England: 84.2% in 2021 to 87.0% in 2024, up 2.8 points" in alt
    assert len(alt) <= 300 and alt.endswith("Figures are in the data table.")


def test_small_multiples_data_keeps_the_panel_column(themes):
    data = _multiples(themes).data
    assert len(data) == 48
    assert list(data.columns[:3]) == ["kpi", "period", "line"]


def test_small_multiples_refuses_a_bad_number_of_columns(themes):
    with pytest.raises(ArgumentError, match="ncols"):
        _multiples(themes, ncols=0)


def test_small_multiples_refuses_a_missing_panel_column(nets_trend):
    with pytest.raises(ArgumentError, match="series has no column 'kpi'"):
        _multiples(nets_trend)


def test_end_labels_of_lines_that_finish_close_together_do_not_overlap(nets_trend):
    series = nets_trend.copy()
    series.loc[series["period"] == "2024", "value"] = [0.870, 0.869, 0.8695]
    chart = _trend(series)
    heights = sorted(t.get_position()[1] for t in chart.figure.axes[0].texts)
    assert len(heights) == 3
    assert min(np.diff(heights)) > 0.1  # per cent points, at this chart's scale


def test_a_line_that_peaks_between_its_ends_says_where():
    from heenb.charts.trend import describe_line

    years = ["2019", "2020", "2021", "2022"]
    text = describe_line("England", years, np.array([0.0, 0.131, 0.159, 0.02]), "%")
    assert text == "England: 0.0% in 2019 to 2.0% in 2022, up 2.0 points, peaking at 15.9% in 2021"


def test_a_steady_line_names_no_turning_point():
    from heenb.charts.trend import describe_line

    text = describe_line("England", ["2021", "2022", "2023"], np.array([0.8, 0.85, 0.9]), "%")
    assert "peaking" not in text and "lowest" not in text


def test_alt_text_keeps_to_its_limit_and_says_where_the_figures_are():
    from heenb.charts import alt

    sentences = ["A chart of something.", "x" * 250 + ".", "Short finding."]
    text = alt.fit(sentences, limit=100)
    assert text == "A chart of something. Short finding. Figures are in the data table."
    assert alt.fit(["One.", "Two."]) == "One. Two."
    assert len(alt.fit(["word " * 100])) <= alt.LIMIT
