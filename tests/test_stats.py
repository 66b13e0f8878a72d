"""Proportions and rates: Wilson intervals, rates over groups, change between years."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heenb.errors import ArgumentError
from heenb.stats import Proportion, aggregate, rate_table, wilson, year_on_year

# --------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("k", "n", "lower", "upper"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3
        # (Wilson score interval without continuity correction), 95%.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe_1998_published_values(k, n, lower, upper):
    lo, hi = wilson(k, n)
    assert (round(lo, 4), round(hi, 4)) == (lower, upper)


def test_wilson_interval_of_none_of_them_starts_at_exactly_zero():
    assert wilson(0, 20)[0] == 0.0


def test_wilson_interval_of_all_of_them_ends_at_exactly_one():
    assert wilson(29, 29)[1] == 1.0


def test_wilson_interval_with_no_one_asked_is_unknown():
    lo, hi = wilson(0, 0)
    assert math.isnan(lo) and math.isnan(hi)


def test_a_99_percent_interval_is_wider_than_a_95_percent_one():
    lo95, hi95 = wilson(81, 263, level=0.95)
    lo99, hi99 = wilson(81, 263, level=0.99)
    assert lo99 < lo95 and hi99 > hi95


def test_wilson_on_arrays_returns_arrays_of_the_same_shape():
    lo, hi = wilson(np.array([[1, 2], [3, 4]]), np.array([[10, 10], [10, 10]]))
    assert lo.shape == hi.shape == (2, 2)
    assert lo[0, 1] == pytest.approx(wilson(2, 10)[0])


def test_wilson_on_series_keeps_the_index():
    k = pd.Series([5, 0], index=["Wessex", "Thames Valley"])
    n = pd.Series([50, 0], index=["Wessex", "Thames Valley"])
    lo, hi = wilson(k, n)
    assert list(lo.index) == ["Wessex", "Thames Valley"]
    assert lo["Wessex"] == pytest.approx(wilson(5, 50)[0])
    assert math.isnan(hi["Thames Valley"])


#: Wilson intervals from an independent implementation: scipy 1.17.1,
#: ``binomtest(k, n).proportion_ci(0.95, method="wilson")``.
SCIPY_WILSON = {
    (0, 7): (0.0, 0.35433043506668743),
    (3, 7): (0.1582198552514697, 0.7495416354723428),
    (420, 500): (0.8052918208363085, 0.8695236276498359),
    (37000, 38000): (0.9720262639632349, 0.9752463963284368),
}


@pytest.mark.parametrize(("k", "n"), list(SCIPY_WILSON))
def test_wilson_agrees_with_scipy(k, n):
    assert wilson(k, n) == pytest.approx(SCIPY_WILSON[(k, n)], abs=1e-12)


@pytest.mark.parametrize(
    ("k", "n", "message"),
    [
        (-1, 10, "k is negative"),
        (3, -10, "n is negative"),
        (11, 10, "k (11) is larger than n (10)"),
        (float("nan"), 10, "k is missing"),
        (3, float("nan"), "n is missing"),
    ],
)
def test_wilson_rejects_impossible_counts(k, n, message):
    with pytest.raises(ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        wilson(k, n)


@pytest.mark.parametrize("level", [0, 1, 95, -0.5, float("nan")])
def test_wilson_rejects_a_level_outside_zero_to_one(level):
    with pytest.raises(ArgumentError, match="level"):
        wilson(5, 10, level=level)


def test_wilson_names_the_row_of_a_bad_count():
    k = pd.Series([5, 12], index=["Wessex", "South West"])
    n = pd.Series([10, 10], index=["Wessex", "South West"])
    with pytest.raises(ArgumentError, match="'South West'"):
        wilson(k, n)


def test_wilson_refuses_series_with_different_indexes():
    with pytest.raises(ArgumentError, match="different indexes"):
        wilson(pd.Series([1], index=["a"]), pd.Series([2], index=["b"]))


# --------------------------------------------------------------------------- Proportion


def test_proportions_add_by_summing_counts_not_averaging_percentages():
    total = Proportion(30, 40) + Proportion(10, 60)
    assert (total.numerator, total.denominator, total.value) == (40, 100, 0.4)


def test_a_proportion_cannot_have_more_successes_than_people():
    with pytest.raises(ArgumentError, match="numerator"):
        Proportion(5, 4)


def test_a_proportion_gives_its_wilson_interval():
    assert Proportion(81, 263).interval() == wilson(81, 263)


# --------------------------------------------------------------------------- rate_table


def _offices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "local_office": [
                "Kent, Surrey and Sussex",
                "Thames Valley",
                "Wessex",
                "North West London",
                "South London",
            ],
            "year": [2023, 2023, 2023, 2023, 2023],
            "numerator": [30, 10, 5, 100, 50],
            "denominator": [40, 60, 5, 200, 50],
        },
        index=["KSS", "TV", "WX", "NWL", "SL"],
    )


REGIONS = pd.Series(
    {
        "Kent, Surrey and Sussex": "South East",
        "Thames Valley": "South East",
        "Wessex": "South East",
        "North West London": "London",
        "South London": "London",
    },
    name="region",
)


def test_a_groups_rate_is_its_summed_numerator_over_its_summed_denominator():
    df = _offices().assign(group=["a", "a", "b", "b", "b"])
    table = rate_table(df, "group")
    assert table.loc["a", "value"] == pytest.approx(40 / 100)  # not (75% + 16.7%) / 2
    assert table.loc["b", "value"] == pytest.approx(155 / 255)


def test_rate_table_gives_the_wilson_interval_of_each_group():
    table = rate_table(_offices().assign(group="all"), "group")
    expected = wilson(195, 355)
    assert (table.loc["all", "lower"], table.loc["all", "upper"]) == pytest.approx(expected)


def test_rate_table_keeps_the_source_column_names():
    df = _offices().rename(columns={"numerator": "positive", "denominator": "responses"})
    table = rate_table(df, "year", numerator="positive", denominator="responses")
    assert list(table.columns) == ["positive", "responses", "value", "lower", "upper"]


def test_rate_table_names_the_row_where_the_numerator_exceeds_the_denominator():
    df = _offices()
    df.loc["WX", "numerator"] = 6
    with pytest.raises(ArgumentError, match=r"column 'numerator' \(6\).*row 'WX'"):
        rate_table(df, "year")


def test_rate_table_names_the_row_of_a_negative_count():
    df = _offices()
    df.loc["TV", "denominator"] = -60
    with pytest.raises(ArgumentError, match="column 'denominator' is negative at row 'TV'"):
        rate_table(df, "year")


def test_rate_table_names_the_row_of_a_missing_count():
    df = _offices().astype({"numerator": float})
    df.loc["SL", "numerator"] = np.nan
    with pytest.raises(ArgumentError, match="column 'numerator' is missing.*row 'SL'"):
        rate_table(df, "year")


def test_rate_table_refuses_a_group_with_nobody_in_it():
    df = pd.DataFrame({"g": ["a", "b"], "numerator": [0, 1], "denominator": [0, 2]})
    with pytest.raises(ArgumentError, match=r"'denominator' \(summed\) is 0 at row 'a'"):
        rate_table(df, "g")


def test_rate_table_names_a_missing_column():
    with pytest.raises(ArgumentError, match="no column 'responses'"):
        rate_table(_offices(), "year", denominator="responses")


# --------------------------------------------------------------------------- aggregate


def test_a_region_is_the_sum_of_its_local_offices():
    regions = aggregate(_offices(), REGIONS)
    assert regions.loc["South East", "numerator"] == 45
    assert regions.loc["South East", "denominator"] == 105
    assert regions.loc["London", "value"] == pytest.approx(150 / 250)


def test_aggregate_keeps_years_apart_when_asked():
    df = pd.concat([_offices(), _offices().assign(year=2024)])
    regions = aggregate(df, REGIONS, by="year")
    assert regions.loc[("London", 2024), "denominator"] == 250


def test_aggregate_refuses_a_local_office_missing_from_the_mapping():
    with pytest.raises(ArgumentError, match="no area for unit.*Wessex"):
        aggregate(_offices(), REGIONS.drop("Wessex"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 5000), st.integers(1, 5000)),
        min_size=1,
        max_size=13,
    )
)
@pytest.mark.slow
def test_region_rate_equals_summed_numerators_over_summed_denominators(offices):
    rows = [
        (f"LO{i}", f"R{region}", min(num, den), den) for i, (region, num, den) in enumerate(offices)
    ]
    df = pd.DataFrame(rows, columns=["local_office", "region", "numerator", "denominator"])
    mapping = df.set_index("local_office")["region"]
    regions = aggregate(df.drop(columns="region"), mapping)
    for region, members in df.groupby("region"):
        expected = members["numerator"].sum() / members["denominator"].sum()
        assert regions.loc[region, "value"] == pytest.approx(expected, rel=1e-12)
        assert regions.loc[region, "numerator"] == members["numerator"].sum()


# --------------------------------------------------------------------------- year on year


def _pearson_chi_squared(x1, n1, x2, n2) -> float:
    """Pearson's chi-squared of the 2x2 table, no continuity correction, by hand."""
    observed = [[x1, n1 - x1], [x2, n2 - x2]]
    total = n1 + n2
    columns = [x1 + x2, total - x1 - x2]
    chi2 = 0.0
    for row, size in zip(observed, (n1, n2), strict=True):
        for cell, column in zip(row, columns, strict=True):
            expected = size * column / total
            chi2 += (cell - expected) ** 2 / expected
    return chi2


NETS = pd.DataFrame(
    # NETS overall educational experience positive, England (published 84.19% in
    # 2021 and 85.30% in 2023); respondent numbers are of the published order.
    {"year": [2021, 2023], "numerator": [31996, 33351], "denominator": [38004, 39098]}
)


def test_year_on_year_z_squared_is_pearsons_chi_squared():
    change = year_on_year(NETS).iloc[0]
    assert change["z"] ** 2 == pytest.approx(_pearson_chi_squared(31996, 38004, 33351, 39098))


def test_year_on_year_p_value_is_two_sided_normal():
    change = year_on_year(NETS).iloc[0]
    assert change["p_value"] == pytest.approx(math.erfc(abs(change["z"]) / math.sqrt(2)))


def test_a_rise_from_84_to_85_percent_of_38000_learners_is_significant():
    change = year_on_year(NETS).iloc[0]
    assert change["change"] == pytest.approx(33351 / 39098 - 31996 / 38004)
    assert change["z"] > 0
    assert bool(change["significant"])


def test_a_small_change_in_a_small_local_office_is_not_significant():
    small = pd.DataFrame({"year": [2022, 2023], "numerator": [80, 85], "denominator": [100, 100]})
    assert not year_on_year(small).iloc[0]["significant"]


def test_year_on_year_agrees_with_scipy_chi_squared():
    # scipy 1.17.1: chi2_contingency([[31996, 6008], [33351, 5747]], correction=False).pvalue
    expected = 1.8165633302460308e-05
    assert year_on_year(NETS).iloc[0]["p_value"] == pytest.approx(expected, rel=1e-9)


def test_year_on_year_compares_each_year_with_the_one_before_within_each_region():
    table = pd.DataFrame(
        {
            "region": ["London"] * 3 + ["Midlands"] * 2,
            "year": [2023, 2021, 2022, 2022, 2023],
            "numerator": [90, 80, 85, 40, 45],
            "denominator": [100] * 5,
        }
    )
    out = year_on_year(table, by="region")
    pairs = list(zip(out["region"], out["previous_year"], out["year"], strict=True))
    assert pairs == [("London", 2021, 2022), ("London", 2022, 2023), ("Midlands", 2022, 2023)]
    assert out["previous_year"].dtype == out["year"].dtype


def test_year_on_year_sums_rows_of_the_same_year_first():
    table = pd.DataFrame(
        {"year": [2022, 2022, 2023], "numerator": [10, 30, 60], "denominator": [50, 50, 100]}
    )
    out = year_on_year(table).iloc[0]
    assert out["previous_value"] == pytest.approx(0.4)


def test_no_change_between_two_years_of_all_positive_is_not_significant():
    table = pd.DataFrame({"year": [2022, 2023], "numerator": [50, 70], "denominator": [50, 70]})
    out = year_on_year(table).iloc[0]
    assert (out["z"], out["p_value"], out["significant"]) == (0.0, 1.0, False)


def test_year_on_year_refuses_a_year_with_no_respondents():
    table = pd.DataFrame({"year": [2022, 2023], "numerator": [5, 0], "denominator": [10, 0]})
    with pytest.raises(ArgumentError, match="is 0 at row 2023"):
        year_on_year(table)


def test_year_on_year_names_a_missing_period_column():
    with pytest.raises(ArgumentError, match="no column 'period'"):
        year_on_year(NETS, period="period")
