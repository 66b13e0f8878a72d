"""heenb.spc: Making Data Count conformance, point by point, then each rule on its own.

The conformance data is NHS England's Making Data Count scenario file, copied into
tests/fixtures/mdc_xmr (see SOURCE.md there). Each scenario's settings follow from
its name, as that file's README describes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heenb.errors import ArgumentError
from heenb.spc import xmr

FIXTURE = Path(__file__).parent / "fixtures" / "mdc_xmr" / "test-data.csv"
CAUSE_OF_COLOUR = {"grey": "", "blue": "improvement", "orange": "concern", "purple": "neither"}
#: One point of one scenario is filed under a misspelt scenario name.
MISFILED = {
    "Summary icons - variation - High is good2": "Summary icons - variation - High is good 2"
}
#: The file's one documented anomaly: point 15 (value 27) is marked blue, but no MDC
#: rule makes it special cause: it is the first fall after an increasing trend, and
#: inside the two-sigma lines. Scenario, 1-based point, what the file says, what the
#: rules give.
ANOMALY = ("Special cause conflict - High is good", 15, "improvement", "")


def _load_scenarios() -> dict[str, pd.DataFrame]:
    data = pd.read_csv(FIXTURE, encoding="utf-8-sig")  # the file starts with a BOM
    data["Metric"] = data["Metric"].replace(MISFILED)
    data["Date"] = pd.to_datetime(data["Date"], format="%d/%m/%Y")
    return {
        name: rows.sort_values("Date", kind="stable").reset_index(drop=True)
        for name, rows in data.groupby("Metric", sort=False)
    }


SCENARIOS = _load_scenarios()


def _settings(name: str) -> dict:
    """The xmr() arguments a scenario assumes, from its name (README table)."""
    if "low is good" in name.lower():
        improvement = "lower"
    elif "Neither" in name:
        improvement = "neither"
    else:
        improvement = "higher"
    arguments = {"improvement": improvement}
    recalculated = name.startswith("Special cause crossing recalculations - ")
    if recalculated or "Recalculations - Recalculated" in name:
        arguments["recalculate_at"] = (15,)  # points 16-30 are the second section
        # MDC's Single Chart Tool runs the rules across a recalculation; heenb's default
        # runs them within each period, as NHSRplotthedots (test_rules_stay_within_...).
        arguments["rules_across_periods"] = True
    if "Baselines - Recalculated" in name:
        arguments["baseline"] = 15
    return arguments


def _run(name: str):
    return xmr(SCENARIOS[name]["Value"], **_settings(name))


def _expected_causes(name: str) -> list[str]:
    """The file's colours as special causes, with the documented anomaly set to what
    the rules give (test_documented_anomaly checks the file and the rules there)."""
    expected = SCENARIOS[name]["Colour"].map(CAUSE_OF_COLOUR).tolist()
    scenario, point, _, rules_give = ANOMALY
    if name == scenario:
        expected[point - 1] = rules_give
    return expected


def _flagged(result) -> dict[int, str]:
    """Special cause points as {position: cause}."""
    causes = result.points["special_cause"]
    return {position: cause for position, cause in enumerate(causes) if cause}


# --- the conformance file ------------------------------------------------------------


def test_fixture_is_read_as_published():
    raw = FIXTURE.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert len(SCENARIOS) == 35
    assert sum(len(rows) for rows in SCENARIOS.values()) == 765


def test_misfiled_point_rejoins_its_scenario():
    rows = SCENARIOS["Summary icons - variation - High is good 2"]
    assert len(rows) == 18
    assert rows["Date"].diff().dropna().eq(pd.Timedelta(days=1)).all()
    assert rows.loc[13, "Value"] == 32


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_point_by_point(name):
    got = _run(name).points["special_cause"].tolist()
    expected = _expected_causes(name)
    wrong = [
        f"point {i + 1}: expected {e or 'common cause'!r}, got {g or 'common cause'!r}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True))
        if e != g
    ]
    assert not wrong, f"{name}: " + "; ".join(wrong)


def test_documented_anomaly():
    name, point, file_says, rules_give = ANOMALY
    rows = SCENARIOS[name]
    assert CAUSE_OF_COLOUR[rows.loc[point - 1, "Colour"]] == file_says
    result = _run(name)
    here = result.points.iloc[point - 1]
    assert here["value"] == 27
    assert here["special_cause"] == rules_give and here["rule"] == ""
    # Why no rule fires: the point falls from the one before, ending the increasing
    # trend, and lies inside the two-sigma lines.
    assert here["value"] < result.points.iloc[point - 2]["value"]
    assert abs(here["value"] - here["mean"]) < 2 * here["sigma"]


def test_process_limits_15_match_published_figures():
    latest = _run("Process limits - 15").points.iloc[-1]
    assert round(latest["mean"], 2) == 23.20
    assert round(latest["lower"], 2) == 8.76
    assert round(latest["upper"], 2) == 37.64


def _assurance_from_limits(values: pd.Series, improvement: str, target) -> str | None:
    """The assurance icon worked out here from the limits, independently of heenb.spc."""
    if target is None:
        return None
    centre = values.mean()
    spread = 2.66 * values.diff().abs().mean()
    lower, upper = centre - spread, centre + spread
    if lower < target < upper:
        return "hit_or_miss"
    always_above, always_below = target <= lower, target >= upper
    met = always_above if improvement == "higher" else always_below
    return "pass" if met else "fail"


@pytest.mark.parametrize(
    ("name", "target", "icon"),
    [
        ("Summary icons - assurance - high is good", 40, "fail"),
        ("Summary icons - assurance - high is good", 30, "hit_or_miss"),
        ("Summary icons - assurance - high is good", 10, "pass"),
        ("Summary icons - assurance - high is good", None, None),
        ("Summary icons - assurance - low is good", 40, "pass"),
        ("Summary icons - assurance - low is good", 30, "hit_or_miss"),
        ("Summary icons - assurance - low is good", 10, "fail"),
        ("Summary icons - assurance - low is good", None, None),
    ],
)
def test_assurance_icon(name, target, icon):
    values = SCENARIOS[name]["Value"]
    arguments = _settings(name)
    assert _assurance_from_limits(values, arguments["improvement"], target) == icon
    assert xmr(values, target=target, **arguments).assurance == icon


@pytest.mark.parametrize(
    ("name", "icon"),
    [
        ("Summary icons - variation - High is good", "improvement_high"),
        ("Summary icons - variation - Low is good", "concern_high"),
        ("Summary icons - variation - High is good 2", "common_cause"),
        ("Summary icons - variation - High is good 3", "concern_low"),
        ("Summary icons - variation - Low is good 3", "improvement_low"),
        ("Summary icons - variation - Neither", "neither_high"),
        ("Summary icons - variation - Neither2", "common_cause"),
        ("Summary icons - variation - Too few points", None),
    ],
)
def test_variation_icon(name, icon):
    assert _run(name).variation == icon


def test_too_few_points_scenario_has_no_limits_and_no_icons():
    result = xmr(SCENARIOS["Number of points - 12"]["Value"], target=30)
    assert result.points[["mean", "lower", "upper"]].isna().all().all()
    assert (result.variation, result.assurance) == (None, None)
    assert xmr(SCENARIOS["Number of points - 13"]["Value"]).variation == "common_cause"


# --- each rule on its own ------------------------------------------------------------

#: Alternating 10, 12: mean 11, sigma 1.77, limits 5.68 to 16.32, and no rule fires.
STEADY = [10, 12] * 10


def test_steady_series_is_common_cause():
    result = xmr(STEADY)
    assert _flagged(result) == {}
    assert result.variation == "common_cause"
    assert result.points["mean"].eq(11).all()
    assert np.allclose(result.points["upper"], 11 + 2.66 * 2)
    assert np.allclose(result.points["sigma"], 2.66 * 2 / 3)


@pytest.mark.parametrize(
    ("value", "improvement", "cause"),
    [
        (20, "higher", "improvement"),
        (20, "lower", "concern"),
        (2, "higher", "concern"),
        (2, "lower", "improvement"),
        (20, "neither", "neither"),
    ],
)
def test_single_point_beyond_a_limit(value, improvement, cause):
    values = STEADY.copy()
    values[9] = value
    result = xmr(values, improvement=improvement)
    assert _flagged(result) == {9: cause}
    assert result.points["rule"].iloc[9] == "single point"


#: Six points above the mean (positions 10-15), with a point below on each side.
SHIFT = [12, 10] * 5 + [11.6, 12, 11.6, 12, 11.6, 12] + [10, 12] * 2


def test_shift_of_six_points():
    result = xmr(SHIFT)
    assert _flagged(result) == dict.fromkeys(range(10, 16), "improvement")
    assert set(result.points["rule"].iloc[10:16]) == {"shift"}
    assert _flagged(xmr(SHIFT, shift=7)) == {}


def test_a_point_on_the_mean_breaks_a_shift():
    # Eight points above the mean but for position 13, which is on it (the mean is 11).
    values = [10, 12] * 5 + [12, 12, 12, 11, 12, 12, 12] + [8, 12] * 3
    result = xmr(values)
    assert result.points["mean"].iloc[13] == values[13]
    assert _flagged(result) == {}
    values[13] = 11.5
    assert _flagged(xmr(values)) == dict.fromkeys(range(9, 17), "improvement")


def test_trend_of_six_points_crossing_the_mean():
    values = [10, 12] * 5 + [9, 9.8, 10.6, 11.4, 12.2, 13] + [10, 12] * 2
    result = xmr(values)
    assert _flagged(result) == dict.fromkeys(range(10, 16), "improvement")
    assert set(result.points["rule"].iloc[10:16]) == {"trend"}
    assert _flagged(xmr(values, trend=7)) == {}
    falling = xmr(values[::-1])
    assert set(_flagged(falling).values()) == {"concern"}


def test_an_equal_value_breaks_a_trend():
    values = [10, 12] * 5 + [9, 9.8, 10.6, 10.6, 11.4, 12.2, 13] + [10, 12] * 2
    assert _flagged(xmr(values)) == {}


def test_two_in_three_beyond_two_sigma_flags_only_those_points():
    values = STEADY.copy()
    values[8:11] = [17, 12, 17]  # 17 is beyond two sigma but within the limit
    result = xmr(values)
    assert _flagged(result) == {8: "improvement", 10: "improvement"}
    assert result.points["rule"].iloc[8] == "two in three"


def test_two_in_three_needs_all_three_points_on_one_side():
    values = STEADY.copy()
    values[8:11] = [17, 10, 17]  # the middle point is below the mean
    result = xmr(values)
    beyond = result.points["value"] > result.points["mean"] + 2 * result.points["sigma"]
    assert beyond.sum() == 2
    assert _flagged(result) == {}


def test_beyond_the_limit_does_not_count_towards_two_in_three():
    values = [10, 12] * 15
    values[14:17] = [17, 12, 20]
    result = xmr(values)
    here, beyond_limit = result.points.iloc[14], result.points.iloc[16]
    assert here["mean"] + 2 * here["sigma"] < here["value"] <= here["upper"]
    assert beyond_limit["value"] > beyond_limit["upper"]
    assert _flagged(result) == {16: "improvement"}
    assert result.points["rule"].iloc[16] == "single point"


@pytest.mark.parametrize("improvement", ["higher", "lower"])
def test_conflict_shows_improvement(improvement):
    # Position 14 is beyond the upper limit and starts a falling trend: one rule
    # says improvement and the other concern, in either direction.
    values = [10, 12] * 7 + [30, 13, 12.5, 12, 11.5, 11] + [10, 12] * 2
    here = xmr(values, improvement=improvement).points.iloc[14]
    assert here["rule"] == "single point, trend"
    assert here["special_cause"] == "improvement"


def test_neither_marks_special_cause_without_judging_it():
    result = xmr(SHIFT, improvement="neither", target=5)
    assert set(_flagged(result).values()) == {"neither"}
    assert result.assurance is None
    assert "no improvement direction" in result.assurance_text


# --- sections: recalculation and baseline ----------------------------------------------

TWO_LEVELS = [12, 10] * 8 + [22, 20] * 8


def test_recalculation_gives_each_section_its_own_limits():
    points = xmr(TWO_LEVELS, recalculate_at=[16]).points
    assert points["mean"].iloc[:16].eq(11).all() and points["mean"].iloc[16:].eq(21).all()
    assert points["section"].tolist() == [0] * 16 + [1] * 16
    assert np.isnan(points["moving_range"].iloc[16])  # no moving range across the boundary
    assert np.allclose(points["sigma"], 2.66 * 2 / 3)
    assert set(points["special_cause"]) == {""}
    assert set(xmr(TWO_LEVELS).points["special_cause"]) == {"improvement", "concern"}


def test_rules_run_across_a_recalculation_as_mdc_when_asked():
    values = [10, 12] * 8 + [22, 20] * 8
    values[13:16] = [11.5] * 3  # above the first section's mean
    values[16:19] = [21.5] * 3  # above the second section's mean
    result = xmr(values, recalculate_at=[16], rules_across_periods=True)
    assert _flagged(result) == dict.fromkeys(range(13, 19), "improvement")


def test_rules_stay_within_each_period_as_nhsrplotthedots():
    values = [10, 12] * 8 + [22, 20] * 8
    values[13:16] = [11.5] * 3  # three above the first period's mean ...
    values[16:19] = [21.5] * 3  # ... and three above the second's: no shift of six in either
    assert _flagged(xmr(values, recalculate_at=[16])) == {}
    # A shift wholly inside one period is still found.
    values[10:13] = [11.5] * 3  # with the 12 at 9: seven above the mean
    assert _flagged(xmr(values, recalculate_at=[16])) == dict.fromkeys(range(9, 16), "improvement")


def test_short_latest_section_has_no_limits_or_icons():
    result = xmr(TWO_LEVELS, recalculate_at=[27], target=15)
    points = result.points
    assert points["upper"].iloc[27:].isna().all() and points["upper"].iloc[:27].notna().all()
    assert (result.variation, result.assurance, result.limit_points) == (None, None, 5)
    assert result.variation_text.startswith("Too few points for process limits (5 of 13)")


def test_baseline_extends_its_limits_and_ignores_recalculation():
    result = xmr(TWO_LEVELS, baseline=16)
    assert result.points["mean"].eq(11).all()
    assert _flagged(result) == dict.fromkeys(range(16, 32), "improvement")
    both = xmr(TWO_LEVELS, baseline=16, recalculate_at=[16])
    pd.testing.assert_frame_equal(both.points, result.points)


# --- NHS-R variant, short series, inputs ---------------------------------------------


def test_nhsr_screening_keeps_the_mean_and_narrows_sigma():
    values = STEADY.copy()
    values[10] = 40  # two moving ranges of 30, far above 3.267 x their mean
    plain = xmr(values).points
    screened = xmr(values, shift=7, trend=7, screen_moving_ranges=True).points
    assert screened["mean"].equals(plain["mean"])
    moving_ranges = np.abs(np.diff(values))
    kept = moving_ranges[moving_ranges <= 3.267 * moving_ranges.mean()]
    assert len(kept) == len(moving_ranges) - 2
    assert np.allclose(screened["sigma"], 2.66 / 3 * kept.mean())
    assert screened["sigma"].iloc[0] < plain["sigma"].iloc[0]


def test_fewer_than_min_points_has_no_limits_and_no_flags():
    rising = list(range(12))  # a trend, were there enough points
    result = xmr(rising, target=5)
    assert result.points[["mean", "sigma", "lower", "upper"]].isna().all().all()
    assert _flagged(result) == {}
    assert (result.variation, result.assurance) == (None, None)
    assert result.variation_text == (
        "Too few points for process limits (12 of 13): variation not assessed"
    )
    assert result.assurance_text == "Assurance: not assessed, too few points for process limits"
    assert xmr(rising, min_points=12).variation == "improvement_high"


def test_accepts_list_array_and_series_keeping_the_index():
    index = pd.period_range("2022-01", periods=len(STEADY), freq="M")
    expected = xmr(pd.Series(STEADY, index=index)).points
    assert expected.index.equals(index)
    for values in (STEADY, tuple(STEADY), np.array(STEADY), pd.Series(STEADY, dtype="Int64")):
        points = xmr(values).points
        assert points.index.equals(pd.RangeIndex(len(STEADY)))
        pd.testing.assert_frame_equal(points.set_axis(index), expected)


def test_points_columns():
    assert list(xmr(STEADY).points.columns) == [
        "value",
        "moving_range",
        "mean",
        "sigma",
        "lower",
        "upper",
        "section",
        "special_cause",
        "rule",
    ]


def test_texts_say_what_the_icons_mean():
    result = xmr(SHIFT, target=5)
    assert result.variation == "common_cause"
    assert result.variation_text == "Common cause variation: no significant change"
    assert result.assurance == "pass"
    assert result.assurance_text == "Assurance: the process will consistently meet the target"
    missed = result.with_target(11)
    assert missed.assurance_text == (
        "Assurance: the process will not reliably meet the target; "
        "it is inconsistently hit or missed"
    )
    assert result.with_target(None).assurance_text == "Assurance: not assessed, no target set"
    concern = xmr([10, 12] * 8 + [2])
    assert concern.variation_text == "Special cause variation: concern, due to lower values"


def test_a_few_thousand_points_take_milliseconds():
    values = np.random.default_rng(1).normal(50, 5, 5000)
    start = time.process_time()  # CPU time: the work done, however busy the machine is
    xmr(values, recalculate_at=[2000, 4000])
    assert time.process_time() - start < 0.25


# --- bad input -----------------------------------------------------------------------


def test_gaps_are_refused_naming_the_positions():
    with pytest.raises(ArgumentError, match=r"no value at 0-based positions 2, 5:"):
        xmr([1, 2, None, 4, 5, np.nan, 7])
    index = pd.period_range("2020", periods=3, freq="Y")
    with pytest.raises(ArgumentError, match=r"no value at 0-based position 1 \(2021\):"):
        xmr(pd.Series([1.0, np.nan, 3.0], index=index))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "values is empty"),
        ([1, "two", 3], r"values must be numbers; 0-based position 1 holds 'two' \(str\)"),
        ([1, True, 3], "values must be numbers"),
        (np.ones((3, 3)), "values must be a one-dimensional"),
        (5, "values must be a one-dimensional"),
        ("123", "values must be a one-dimensional"),
        ([1, np.inf], "values must be finite numbers; 0-based position 1 is infinite"),
    ],
)
def test_bad_values(values, message):
    with pytest.raises(ArgumentError, match=message):
        xmr(values)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"improvement": "up"}, r"improvement must be 'higher', 'lower' or 'neither'; got 'up'"),
        ({"shift": 1}, r"shift must be a whole number of points, 2 or more; got 1"),
        ({"trend": 2.5}, r"trend must be a whole number of points, 2 or more"),
        ({"min_points": 1}, r"min_points must be a whole number of points, 2 or more"),
        ({"recalculate_at": 10}, r"recalculate_at must be a sequence of increasing"),
        ({"recalculate_at": [0]}, r"positions from 1 to 19.*; got \[0\]"),
        ({"recalculate_at": [20]}, r"positions from 1 to 19.*; got \[20\]"),
        ({"recalculate_at": [12, 8]}, r"recalculate_at must hold increasing"),
        ({"recalculate_at": [8, 8]}, r"recalculate_at must hold increasing"),
        ({"baseline": 0}, r"baseline must be a whole number of points from 1 to 20"),
        ({"baseline": 21}, r"baseline must be a whole number of points from 1 to 20"),
        ({"target": "high"}, r"target must be a finite number, or None"),
        ({"target": float("nan")}, r"target must be a finite number"),
    ],
)
def test_bad_arguments_name_the_argument_and_what_is_valid(arguments, message):
    with pytest.raises(ArgumentError, match=message):
        xmr(STEADY, **arguments)


def test_argument_error_is_a_value_error():
    with pytest.raises(ValueError):
        xmr(STEADY, improvement="sideways")


# --- properties ----------------------------------------------------------------------

series = st.lists(st.integers(-1000, 1000), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(series)
def test_mirroring_values_and_direction_gives_the_same_causes(values):
    mirrored = [-value for value in values]
    higher = xmr(values, improvement="higher").points["special_cause"]
    lower = xmr(mirrored, improvement="lower").points["special_cause"]
    assert higher.tolist() == lower.tolist()


@settings(max_examples=150, deadline=None)
@given(series)
def test_flags_only_where_limits_exist_and_beyond_limits_always_flagged(values):
    points = xmr(values).points
    flagged = points["special_cause"] != ""
    assert not (flagged & points["mean"].isna()).any()
    assert flagged.eq(points["rule"] != "").all()
    beyond = (points["value"] > points["upper"]) | (points["value"] < points["lower"])
    assert flagged[beyond].all()
    assert (points["lower"] <= points["upper"]).where(points["mean"].notna(), True).all()


def test_assurance_is_not_judged_while_the_process_is_changing():
    rising = list(range(100, 140, 2))  # a steady climb: every late point is special cause
    result = xmr(rising, improvement="higher").with_target(120.0, stable_only=True)
    assert result.assurance is None
    assert "the process is changing" in result.assurance_text


def test_assurance_is_judged_as_mdc_does_when_the_latest_point_is_common_cause():
    steady = [30, 31, 29, 30, 32, 28, 30, 31, 29, 30, 31, 30, 29, 30]
    result = xmr(steady, improvement="higher").with_target(10.0, stable_only=True)
    assert result.assurance == "pass"
