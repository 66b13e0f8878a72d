"""Funnel plots for proportions (Spiegelhalter 2005, as FunnelPlotR), checked by hand."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from heenb.errors import ArgumentError
from heenb.funnel import (
    binomial_tails,
    exact_outlier,
    limit_curves,
    limits_at,
    proportion_limits,
)

# Thirteen HEE local offices: learners rating their overall educational
# experience good or better out of NETS respondents (realistic, not published).
# West Midlands is unusually low and Thames Valley unusually high.
OFFICES = [
    ("North East", 1583, 1820),
    ("Yorkshire and the Humber", 2873, 3410),
    ("North West", 4254, 4960),
    ("East Midlands", 2040, 2350),
    ("West Midlands", 2540, 3180),
    ("East of England", 2232, 2610),
    ("North Central and East London", 1860, 2240),
    ("North West London", 1293, 1490),
    ("South London", 2103, 2470),
    ("Kent, Surrey and Sussex", 2405, 2790),
    ("Thames Valley", 1230, 1310),
    ("Wessex", 1380, 1650),
    ("South West", 2948, 3390),
]
NAMES = [name for name, _, _ in OFFICES]
NUMERATORS = [num for _, num, _ in OFFICES]
DENOMINATORS = [den for _, _, den in OFFICES]


# --------------------------------------------------------------------------- by hand


def quantile_type7(values, q):
    """R's default quantile: linear interpolation between order statistics."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    below = math.floor(h)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (h - below) * (ordered[above] - ordered[below])


def funnel_by_hand(numerators, denominators, adjust=True):
    """Spiegelhalter's method step by step, in plain Python."""
    k = len(numerators)
    target = sum(numerators) / sum(denominators)
    centre = math.asin(math.sqrt(target))
    s = [1 / (2 * math.sqrt(n)) for n in denominators]
    z = [
        (math.asin(math.sqrt(r / n)) - centre) / s_i
        for r, n, s_i in zip(numerators, denominators, s, strict=True)
    ]
    low, high = quantile_type7(z, 0.1), quantile_type7(z, 0.9)
    winsorised = []
    for value in z:
        if value < low:
            value = low
        elif value > high:
            value = high
        winsorised.append(value)
    phi = sum(value * value for value in winsorised) / k
    tau2 = 0.0
    if adjust and phi > 1:
        w = [1 / (s_i * s_i) for s_i in s]
        tau2 = max(0.0, (k * phi - (k - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    rows = []
    for r, n, s_i, z_i in zip(numerators, denominators, s, z, strict=True):
        se = math.sqrt(s_i * s_i + tau2)
        row = {"numerator": r, "denominator": n, "proportion": r / n, "target": target}
        for name, z_alpha in (("95", 1.959964), ("998", 3.090232)):
            for side, sign in (("lower", -1), ("upper", 1)):
                angle = min(max(centre + sign * z_alpha * se, 0.0), math.pi / 2)
                row[side + name] = math.sin(angle) ** 2
        row["z"] = z_i * s_i / se
        row["outlier"] = "high" if row["z"] > 3.090232 else "low" if row["z"] < -3.090232 else ""
        rows.append(row)
    return rows, phi, tau2


@pytest.fixture(scope="module")
def funnel():
    return proportion_limits(NUMERATORS, DENOMINATORS, labels=NAMES)


@pytest.fixture(scope="module")
def by_hand():
    return funnel_by_hand(NUMERATORS, DENOMINATORS)


NUMBER_COLUMNS = [
    "numerator",
    "denominator",
    "proportion",
    "target",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "z",
]


@pytest.mark.parametrize("column", NUMBER_COLUMNS)
def test_every_column_agrees_with_the_calculation_by_hand(funnel, by_hand, column):
    rows, _, _ = by_hand
    for name, row in zip(NAMES, rows, strict=True):
        assert funnel.loc[name, column] == pytest.approx(row[column], abs=1e-6)


def test_outlier_flags_agree_with_the_calculation_by_hand(funnel, by_hand):
    rows, _, _ = by_hand
    assert list(funnel["outlier"]) == [row["outlier"] for row in rows]


def test_phi_agrees_with_the_calculation_by_hand(funnel, by_hand):
    assert funnel.attrs["phi"] == pytest.approx(by_hand[1], abs=1e-6, rel=1e-9)


def test_tau2_agrees_with_the_calculation_by_hand(funnel, by_hand):
    assert funnel.attrs["tau2"] == pytest.approx(by_hand[2], abs=1e-12, rel=1e-9)


def test_these_offices_vary_more_than_chance_so_the_limits_are_widened(funnel):
    assert funnel.attrs["phi"] > 1
    assert funnel.attrs["tau2"] > 0
    assert funnel.attrs["overdispersion"] is True


def test_the_target_is_all_positives_over_all_respondents(funnel):
    assert funnel.attrs["target"] == pytest.approx(sum(NUMERATORS) / sum(DENOMINATORS))
    assert (funnel["target"] == funnel.attrs["target"]).all()


def test_the_rows_are_labelled_by_local_office(funnel):
    assert list(funnel.index) == NAMES


# --------------------------------------------------------------------------- outliers


def test_an_unusually_high_office_is_flagged_high(funnel):
    assert funnel.loc["Thames Valley", "outlier"] == "high"
    assert funnel.loc["Thames Valley", "proportion"] > funnel.loc["Thames Valley", "upper998"]


def test_an_unusually_low_office_is_flagged_low(funnel):
    assert funnel.loc["West Midlands", "outlier"] == "low"
    assert funnel.loc["West Midlands", "proportion"] < funnel.loc["West Midlands", "lower998"]


def test_an_office_is_an_outlier_exactly_when_it_lies_outside_the_998_limits(funnel):
    outside = (funnel["proportion"] > funnel["upper998"]) | (
        funnel["proportion"] < funnel["lower998"]
    )
    assert ((funnel["outlier"] != "") == outside).all()


def test_the_outlier_z_score_uses_the_adjusted_standard_error(funnel):
    unadjusted = proportion_limits(NUMERATORS, DENOMINATORS, labels=NAMES, overdispersion=False)
    ratio = unadjusted["z"] / funnel["z"]
    s = 1 / (2 * funnel["denominator"] ** 0.5)
    expected = (s**2 + funnel.attrs["tau2"]) ** 0.5 / s
    assert ratio.tolist() == pytest.approx(expected.tolist(), rel=1e-12)


def test_an_office_outside_the_plain_limits_can_be_inside_the_widened_ones(funnel):
    unadjusted = proportion_limits(NUMERATORS, DENOMINATORS, labels=NAMES, overdispersion=False)
    ncel = "North Central and East London"
    assert unadjusted.loc[ncel, "proportion"] < unadjusted.loc[ncel, "lower95"]
    assert funnel.loc[ncel, "proportion"] > funnel.loc[ncel, "lower95"]


# --------------------------------------------------------------------------- no overdispersion


STEADY = (
    [850, 851, 849, 852, 848, 850, 851, 849, 850, 850],
    [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
)


def test_offices_varying_no_more_than_chance_have_phi_at_most_one_and_tau2_zero():
    steady = proportion_limits(*STEADY)
    assert steady.attrs["phi"] <= 1
    assert steady.attrs["tau2"] == 0
    assert steady.attrs["overdispersion"] is False


def test_without_overdispersion_the_arcsine_method_gives_the_plain_binomial_arcsine_limits():
    steady = proportion_limits(*STEADY, method="arcsine")
    rows, _, _ = funnel_by_hand(*STEADY)
    assert steady["upper95"].tolist() == pytest.approx([r["upper95"] for r in rows], abs=1e-12)
    target = sum(STEADY[0]) / sum(STEADY[1])
    expected = math.sin(math.asin(math.sqrt(target)) + 1.959964 / (2 * math.sqrt(1000))) ** 2
    assert steady["upper95"].iloc[0] == pytest.approx(expected, abs=1e-12)


def test_switching_the_adjustment_off_keeps_phi_but_sets_tau2_to_zero(funnel):
    plain = proportion_limits(NUMERATORS, DENOMINATORS, overdispersion=False, method="arcsine")
    assert plain.attrs["phi"] == pytest.approx(funnel.attrs["phi"])
    assert plain.attrs["tau2"] == 0
    assert plain.attrs["overdispersion"] is False
    rows, _, _ = funnel_by_hand(NUMERATORS, DENOMINATORS, adjust=False)
    assert plain["lower998"].tolist() == pytest.approx([r["lower998"] for r in rows], abs=1e-12)


# --------------------------------------------------------------------------- shape of the funnel


def test_limits_narrow_as_the_denominator_grows():
    curves = limit_curves(0.85, 0.0, (10, 50_000))
    for column in ("upper95", "upper998"):
        assert curves[column].is_monotonic_decreasing
    for column in ("lower95", "lower998"):
        assert curves[column].is_monotonic_increasing
    assert (curves["lower998"] <= curves["lower95"]).all()
    assert (curves["upper95"] <= curves["upper998"]).all()


def test_limit_curves_agree_with_each_offices_limits(funnel):
    attrs = funnel.attrs
    for name in ("Thames Valley", "North West"):
        n = funnel.loc[name, "denominator"]
        curve = limit_curves(attrs["target"], attrs["tau2"], (n, n * 2), points=2).iloc[0]
        for column in ("lower95", "upper95", "lower998", "upper998"):
            assert curve[column] == pytest.approx(funnel.loc[name, column], abs=1e-12)


def test_limit_curves_span_the_range_asked_for():
    curves = limit_curves(0.5, 0.001, (20, 2000), points=50)
    assert len(curves) == 50
    assert curves["denominator"].iloc[0] == pytest.approx(20)
    assert curves["denominator"].iloc[-1] == pytest.approx(2000)
    assert list(curves.columns) == ["denominator", "lower95", "upper95", "lower998", "upper998"]


def test_limits_stop_at_one_instead_of_folding_back_for_small_offices():
    curves = limit_curves(0.98, 0.0, (1, 10), points=10)
    assert curves["upper998"].iloc[0] == 1.0
    assert curves["upper998"].is_monotonic_decreasing


def test_limits_stop_at_zero_for_a_rare_event():
    curves = limit_curves(0.02, 0.0, (1, 10), points=10)
    assert curves["lower998"].iloc[0] == 0.0
    assert curves["lower998"].is_monotonic_increasing


def test_with_extra_between_office_variance_the_funnel_does_not_close_completely():
    curves = limit_curves(0.85, 0.0003, (100, 10_000_000))
    width = curves["upper95"].iloc[-1] - curves["lower95"].iloc[-1]
    # 2 x 1.959964 x sqrt(tau2) on the angle scale, times d(sin^2)/d(angle) = 0.714
    assert width == pytest.approx(2 * 1.959964 * 0.0003**0.5 * 0.714, rel=0.01)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [
        ([5], [10], "at least 2 units"),
        ([5, 5], [10, 0], "denominator is 0 at position 1"),
        ([5, 5], [10, -10], "denominator is negative"),
        ([5, 11], [10, 10], r"numerator \(11\) is larger than denominator \(10\)"),
        ([5, float("nan")], [10, 10], "numerator is missing"),
        ([5, 6, 7], [10, 10], "numerator has 3 values but denominator has 2"),
        (["a", "b"], [10, 10], "numbers"),
    ],
)
def test_impossible_inputs_are_refused_with_a_clear_message(numerator, denominator, message):
    with pytest.raises(ArgumentError, match=message):
        proportion_limits(numerator, denominator)


def test_a_bad_row_is_named_by_its_label():
    with pytest.raises(ArgumentError, match="'Wessex'"):
        proportion_limits(
            pd.Series([5, 12], index=["Thames Valley", "Wessex"]),
            pd.Series([10, 10], index=["Thames Valley", "Wessex"]),
        )


def test_labels_must_match_the_number_of_units():
    with pytest.raises(ArgumentError, match="labels has 1 values"):
        proportion_limits([1, 2], [10, 10], labels=["only one"])


@pytest.mark.parametrize(
    ("target", "tau2", "denominators_range", "points", "argument"),
    [
        (1.2, 0.0, (1, 10), 10, "target"),
        (0.5, -0.1, (1, 10), 10, "tau2"),
        (0.5, 0.0, (0, 10), 10, "denominators_range"),
        (0.5, 0.0, (100, 10), 10, "denominators_range"),
        (0.5, 0.0, (1, 10), 1, "points"),
    ],
)
def test_limit_curves_refuse_bad_arguments(target, tau2, denominators_range, points, argument):
    with pytest.raises(ArgumentError, match=argument):
        limit_curves(target, tau2, denominators_range, points)


def test_limits_at_each_denominator_are_the_curves_limits_there(funnel):
    tau2 = float(funnel.attrs["tau2"])
    target = float(funnel.attrs["target"])
    at = limits_at(target, tau2, funnel["denominator"])
    for n, row in zip(funnel["denominator"], at.itertuples(), strict=True):
        curve = limit_curves(target, tau2, (float(n), float(n)), points=2).iloc[0]
        for column in ("lower95", "upper95", "lower998", "upper998"):
            assert getattr(row, column) == pytest.approx(curve[column], abs=1e-12)


@pytest.mark.parametrize("denominators", [[0, 10], [float("nan")], [[1, 2]], [-5]])
def test_limits_at_refuses_denominators_that_are_not_positive_numbers(denominators):
    with pytest.raises(ArgumentError, match="denominators must be numbers greater than 0"):
        limits_at(0.5, 0.0, denominators)


# --------------------------------------------------------------------------- exact binomial


def binomial_by_hand(k, n, p):
    """P(X <= k) and P(X >= k) in exact rational arithmetic."""
    p = Fraction(p)
    terms = [math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(n + 1)]
    return float(sum(terms[: k + 1])), float(sum(terms[k:]))


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(0, 1, 0.5), (3, 10, 0.5), (0, 190, 0.02), (7, 60, 0.835), (59, 60, 0.835), (25, 25, 0.835),
     (12, 40, 0.013), (1, 2, 0.999), (30, 75, 0.4)],
)  # fmt: skip
def test_binomial_tails_agree_with_exact_rational_arithmetic(k, n, p):
    lower, upper = binomial_tails(k, n, p)
    expected_lower, expected_upper = binomial_by_hand(k, n, p)
    assert float(lower) == pytest.approx(expected_lower, rel=1e-12)
    assert float(upper) == pytest.approx(expected_upper, rel=1e-12)


def test_binomial_tails_known_values():
    lower, upper = binomial_tails([0, 0, 25, 60, 40], [190, 2000, 25, 60, 100],
                                  [0.02, 0.02, 0.835, 0.835, 0.5])  # fmt: skip
    # P(X = 0) = 0.98^n; P(X = n) = 0.835^n; R's pbinom(40, 100, 0.5) = 0.02844397.
    assert lower[:2].tolist() == pytest.approx([0.98**190, 0.98**2000], rel=1e-12)
    assert lower[0] == pytest.approx(0.021526, abs=1e-6)  # "a zero happens 2.2% of the time"
    assert upper[2:4].tolist() == pytest.approx([0.835**25, 0.835**60], rel=1e-12)
    assert lower[4] == pytest.approx(0.028443966820490392, rel=1e-12)
    assert upper[0] == 1.0 and lower[2] == 1.0


def test_binomial_tails_are_vectorised_and_keep_the_shape_given():
    k = np.array([[0, 1], [2, 3]])
    lower, upper = binomial_tails(k, 3, 0.5)
    assert lower.shape == upper.shape == (2, 2)
    assert lower.ravel().tolist() == pytest.approx([1 / 8, 4 / 8, 7 / 8, 1])
    assert upper.ravel().tolist() == pytest.approx([1, 7 / 8, 4 / 8, 1 / 8])


def test_binomial_tails_at_a_probability_of_zero_or_one():
    lower, upper = binomial_tails([0, 1, 0, 5], [5, 5, 5, 5], [0.0, 0.0, 1.0, 1.0])
    assert lower.tolist() == [1.0, 1.0, 0.0, 1.0]
    assert upper.tolist() == [1.0, 0.0, 1.0, 1.0]


def test_binomial_tails_keep_small_tails_of_large_units():
    # 4,000 of 5,000 at 85%: about 9.9 standard deviations below the mean.
    lower, upper = binomial_tails(4000, 5000, 0.85)
    assert 0 < float(lower) < 1e-20
    assert float(upper) == 1.0


# The known answers of issue 17, two-sided 99.8%.
KNOWN_ANSWERS = [
    (0, 190, 0.02, ""),  # Harrogate: a zero happens by chance 2.2% of the time
    (0, 2000, 0.02, "low"),
    (25, 25, 0.835, ""),  # all of 25 happens by chance 1.1% of the time
    (60, 60, 0.835, "high"),
]


@pytest.mark.parametrize(("k", "n", "centre", "verdict"), KNOWN_ANSWERS)
def test_exact_outlier_known_answers(k, n, centre, verdict):
    assert exact_outlier(k, n, centre).tolist() == verdict


def test_exact_outlier_takes_arrays_of_units():
    k, n, centre, verdicts = zip(*KNOWN_ANSWERS, strict=True)
    assert exact_outlier(list(k), list(n), list(centre)).tolist() == list(verdicts)
    assert exact_outlier(np.array([0, 0]), np.array([190, 2000]), 0.02).tolist() == ["", "low"]


def test_the_arcsine_z_score_flags_a_zero_that_chance_explains():
    z = (0 - math.asin(math.sqrt(0.02))) * 2 * math.sqrt(190)
    assert z == pytest.approx(-3.91, abs=0.005)  # beyond -3.090232: flagged by the arcsine rule


def test_exact_outlier_at_95_per_cent_uses_the_2_5_per_cent_tails():
    # 0 of 190 at 2%: P(X = 0) = 0.0215 < 0.025, so outside the 95% limits.
    assert exact_outlier(0, 190, 0.02, level=0.95).tolist() == "low"
    assert exact_outlier(0, 170, 0.02, level=0.95).tolist() == ""  # 0.98^170 = 0.032


def test_with_overdispersion_a_unit_is_flagged_only_beyond_both_rules():
    # Widened arcsine limits keep a unit chance alone could not explain...
    assert exact_outlier(0, 2000, 0.02, tau2=0.01).tolist() == ""
    # ...and the exact tail vetoes a flag the widened arcsine z-score alone would give.
    assert exact_outlier(0, 190, 0.02, tau2=1e-6).tolist() == ""
    assert exact_outlier(0, 2000, 0.02, tau2=1e-6).tolist() == "low"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"level": 1.5}, "level"), ({"tau2": -1.0}, "tau2"), ({"n": 0}, "n must be greater")],
)
def test_exact_outlier_refuses_bad_arguments(kwargs, message):
    arguments = {"k": 0, "n": 10, "centre": 0.5, **kwargs}
    with pytest.raises(ArgumentError, match=message):
        exact_outlier(**arguments)


# Harrogate among four larger trusts near England's 2.0% (ARCP outcomes 10.1 and 10.2).
TRUSTS = (["Harrogate", "Leeds", "York", "Bradford", "Hull"], [0, 41, 39, 20, 40],
          [190, 2000, 2000, 1000, 2000])  # fmt: skip


def test_a_zero_that_chance_explains_is_not_an_outlier_by_default():
    names, numerators, denominators = TRUSTS
    limits = proportion_limits(numerators, denominators, labels=names)
    assert limits.attrs["method"] == "exact" and limits.method == "exact"
    assert limits.loc["Harrogate", "outlier"] == ""
    assert limits.loc["Harrogate", "z"] < -3.090232  # the arcsine z-score is kept
    assert limits.loc["Harrogate", "lower998"] == 0.0  # nothing of 190 lies below


def test_the_arcsine_method_is_kept_by_name_and_flags_that_zero():
    names, numerators, denominators = TRUSTS
    limits = proportion_limits(numerators, denominators, labels=names, method="arcsine")
    assert limits.attrs["method"] == "arcsine"
    assert limits.loc["Harrogate", "outlier"] == "low"
    assert limits.loc["Harrogate", "proportion"] < limits.loc["Harrogate", "lower998"]


def test_the_exact_limits_lie_where_the_exact_verdict_changes():
    # At 2% and n = 2000 the lower limit lies between the last count flagged and the next.
    at = limits_at(0.02, 0.0, [2000]).iloc[0]
    counts = np.arange(0, 80)
    low = exact_outlier(counts, 2000, 0.02) == "low"
    high = exact_outlier(counts, 2000, 0.02) == "high"
    assert (counts / 2000 < at["lower998"]).tolist() == low.tolist()
    assert (counts / 2000 > at["upper998"]).tolist() == high.tolist()
    assert low.any() and high.any()


def test_exact_limits_are_close_to_the_arcsine_ones_for_a_large_unit():
    exact = limits_at(0.85, 0.0, [1000, 5000])
    arcsine = limits_at(0.85, 0.0, [1000, 5000], method="arcsine")
    for column in ("lower95", "upper95", "lower998", "upper998"):
        assert np.abs(exact[column] - arcsine[column]).max() < 2 / 1000


@pytest.mark.parametrize("overdispersion", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_unit_is_an_outlier_exactly_when_outside_the_exact_998_limits(seed, overdispersion):
    rng = np.random.default_rng(seed)
    denominators = rng.integers(5, 400, size=40)
    rates = np.clip(rng.normal(0.1, 0.05 if overdispersion else 0.0, size=40), 0, 1)
    numerators = rng.binomial(denominators, rates)
    numerators[:3] = [0, denominators[1], 0]  # zeros and an all
    limits = proportion_limits(numerators, denominators, overdispersion=overdispersion)
    outside = np.where(
        limits["proportion"] > limits["upper998"],
        "high",
        np.where(limits["proportion"] < limits["lower998"], "low", ""),
    )
    assert limits["outlier"].tolist() == outside.tolist()
    recheck = exact_outlier(numerators, denominators, limits.target, tau2=limits.tau2)
    assert limits["outlier"].tolist() == recheck.tolist()


def test_recentred_limits_and_verdicts_agree_about_another_centre(funnel):
    # What report code does to recentre on England's rate: limits_at and exact_outlier.
    tau2, centre = funnel.tau2, 0.84
    at = limits_at(centre, tau2, funnel["denominator"])
    verdict = exact_outlier(funnel["numerator"], funnel["denominator"], centre, tau2=tau2)
    proportion = funnel["proportion"].to_numpy()
    outside = np.where(
        proportion > at["upper998"], "high", np.where(proportion < at["lower998"], "low", "")
    )
    assert verdict.tolist() == outside.tolist()


def test_the_exact_method_refuses_counts_that_are_not_whole_numbers():
    with pytest.raises(ArgumentError, match="method='arcsine'"):
        proportion_limits([1.5, 2], [10, 10])
    assert proportion_limits([1.5, 2], [10, 10], method="arcsine")["outlier"].tolist() == ["", ""]


def test_an_unknown_method_is_refused():
    with pytest.raises(ArgumentError, match="method must be 'exact'"):
        proportion_limits([1, 2], [10, 10], method="normal")
    with pytest.raises(ArgumentError, match="method must be 'exact'"):
        limit_curves(0.5, 0.0, (10, 20), method="wilson")


def test_at_a_centre_of_zero_or_one_any_other_count_is_an_outlier():
    assert exact_outlier([0, 1, 10, 9], [10, 10, 10, 10], [0.0, 0.0, 1.0, 1.0]).tolist() == [
        "",
        "high",
        "",
        "low",
    ]
    zero, one = limits_at(0.0, 0.0, [10]).iloc[0], limits_at(1.0, 0.0, [10]).iloc[0]
    assert zero["lower998"] == 0.0 and 0.0 < zero["upper998"] < 0.1
    assert 0.9 < one["lower998"] < 1.0 and one["upper998"] == 1.0
