"""KPI figures for reports: protected counts, rates, funnel comparison and trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heenb.data.mart import MART_TABLES, Mart
from heenb.figures.kpis import RATE_COLUMNS, compare, rates, trend
from heenb.funnel import proportion_limits


def counts(*pairs):
    return pd.DataFrame(pairs, columns=["numerator", "denominator"])


def shown(series):
    """Counts as published: None where withheld."""
    return [None if v is pd.NA else int(v) for v in series]


def fake_mart(rows):
    """A mart whose proportions are the given local office rows (measure 'm', period 2023)."""
    proportions = pd.DataFrame(
        [
            {"level": "local_office", "area_code": code, "measure": "m", "period": "2023",
             "breakdown": "all", "group": "all", "numerator": k, "denominator": n}
            for code, k, n in rows
        ]
    )  # fmt: skip
    tables = {name: pd.DataFrame() for name in MART_TABLES}
    tables["proportions"] = proportions
    return Mart(**tables, meta={})


# --------------------------------------------------------------------------- rates


def test_a_small_sub_national_numerator_withholds_the_count_and_the_rate():
    row = rates(counts((3, 40)), national=False).iloc[0]
    assert row["numerator"] is pd.NA
    assert row["denominator"] == 40
    assert np.isnan(row["value"]) and np.isnan(row["lower"]) and np.isnan(row["upper"])
    assert row["withheld"]


def test_a_small_sub_national_denominator_withholds_the_rate():
    row = rates(counts((0, 5)), national=False).iloc[0]
    assert row["numerator"] == 0  # 0 reveals nobody
    assert row["denominator"] is pd.NA
    assert np.isnan(row["value"])
    assert row["withheld"]


def test_a_sub_national_rate_is_computed_from_the_rounded_counts():
    row = rates(counts((12, 43)), national=False).iloc[0]
    assert (row["numerator"], row["denominator"]) == (10, 45)
    assert row["value"] == pytest.approx(10 / 45)
    assert row["lower"] < row["value"] < row["upper"]
    assert not row["withheld"]


def test_england_figures_are_not_suppressed_or_rounded():
    row = rates(counts((3, 7)), national=True).iloc[0]
    assert (row["numerator"], row["denominator"]) == (3, 7)
    assert row["value"] == pytest.approx(3 / 7)
    assert not row["withheld"]


def test_national_can_be_given_row_by_row():
    table = rates(counts((3, 43), (3, 43)), national=pd.Series([True, False]))
    assert shown(table["numerator"]) == [3, None]
    assert table["withheld"].tolist() == [False, True]


def test_rates_keep_the_other_columns_and_add_the_rate_columns():
    given = pd.DataFrame({"area_code": ["EM"], "numerator": [12], "denominator": [43]})
    table = rates(given, national=False)
    assert list(table.columns) == ["area_code", *RATE_COLUMNS]
    assert table["area_code"].tolist() == ["EM"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.integers(0, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
        min_size=1,
        max_size=12,
    )
)
def test_no_sub_national_count_between_1_and_7_is_ever_shown(pairs):
    table = rates(counts(*pairs), national=False)
    for column in ("numerator", "denominator"):
        values = table[column].dropna().astype(int)
        assert not values.between(1, 7).any()
        assert (values % 5 == 0).all()
    assert ((table["withheld"] | table["no_data"]) == table["value"].isna()).all()
    assert (table["withheld"] == (table["numerator"].isna() | table["denominator"].isna())).all()


def test_an_area_with_no_learners_has_no_data_rather_than_a_withheld_rate():
    table = rates(counts((0, 0)), national=False)
    assert table.loc[0, "no_data"] and not table.loc[0, "withheld"]
    assert table.loc[0, "numerator"] == 0 and table.loc[0, "denominator"] == 0


def test_no_sub_national_count_in_the_mart_is_shown_between_1_and_7(mart):
    proportions = mart.proportions
    table = rates(proportions, national=proportions["level"] == "national")
    sub_national = table[proportions["level"] != "national"]
    for column in ("numerator", "denominator"):
        assert not sub_national[column].dropna().astype(int).between(1, 7).any()
    assert proportions.loc[proportions["level"] != "national", "numerator"].between(1, 7).any()
    england = table[proportions["level"] == "national"]
    assert england["numerator"].astype(int).tolist() == (
        proportions.loc[proportions["level"] == "national", "numerator"].tolist()
    )


# --------------------------------------------------------------------------- compare


@pytest.fixture
def five_offices():
    return fake_mart(
        [("EM", 3, 50), ("WM", 40, 100), ("NE", 45, 100), ("NW", 60, 100), ("YH", 95, 100)]
    )


def test_compare_marks_an_area_with_a_small_count_withheld(five_offices, catalogue):
    table = compare(five_offices, catalogue, "m", "2023", "local_office").set_index("area_code")
    assert table.loc["EM", "outlier"] == "withheld"
    assert table.loc["EM", "withheld"]
    assert np.isnan(table.loc["EM", "value"])


def test_compare_gives_funnel_status_for_the_areas_shown(five_offices, catalogue):
    table = compare(five_offices, catalogue, "m", "2023", "local_office")
    table = table[table["area_code"] != "EM"].set_index("area_code")
    assert set(table["outlier"]) <= {"high", "low", ""}
    assert table[["lower998", "upper998"]].notna().all().all()
    expected = proportion_limits(
        [40, 45, 60, 95], [100, 100, 100, 100], labels=["WM", "NE", "NW", "YH"]
    )
    assert table.loc[["WM", "NE", "NW", "YH"], "outlier"].tolist() == expected["outlier"].tolist()
    assert table.loc["WM", "upper998"] == pytest.approx(expected.loc["WM", "upper998"])


def test_compare_names_each_area(five_offices, catalogue):
    table = compare(five_offices, catalogue, "m", "2023", "local_office")
    assert dict(zip(table["area_code"], table["area"], strict=True))["EM"] == "East Midlands"


def test_compare_with_one_area_shown_does_not_assess_outliers(catalogue):
    mart = fake_mart([("EM", 3, 50), ("WM", 40, 100)])
    table = compare(mart, catalogue, "m", "2023", "local_office").set_index("area_code")
    assert table.loc["WM", "outlier"] == "not assessed"
    assert table.loc["EM", "outlier"] == "withheld"


def test_compare_regions_in_the_mart_gives_every_region_a_status(mart, catalogue):
    table = compare(mart, catalogue, "nets-overall-satisfaction", "2023", "region")
    assert sorted(table["area_code"]) == ["Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"]
    assert set(table["outlier"]) <= {"high", "low", "", "withheld"}


def test_compare_local_offices_in_the_mart_marks_withheld_ones(mart, catalogue):
    periods = sorted(set(mart.proportions["period"]))
    tables = [
        compare(mart, catalogue, "arcp-covid-share", period, "local_office") for period in periods
    ]
    mixed = [t for t in tables if t["withheld"].any() and (~t["withheld"]).sum() >= 2]
    assert mixed, "the small demo data should have a year with withheld and shown offices"
    for table in mixed:
        assert (table.loc[table["withheld"], "outlier"] == "withheld").all()
        assert set(table.loc[~table["withheld"], "outlier"]) <= {"high", "low", ""}


# --------------------------------------------------------------------------- trend


def test_england_trend_has_one_row_per_period_oldest_first(mart):
    rows = mart.proportions[
        (mart.proportions["measure"] == "nets-overall-satisfaction")
        & (mart.proportions["breakdown"] == "all")
        & (mart.proportions["level"] == "national")
    ]
    table = trend(mart, "nets-overall-satisfaction")
    assert table["period"].tolist() == sorted(rows["period"])
    assert table["period"].is_unique
    by_period = rows.set_index("period")
    assert table["numerator"].astype(int).tolist() == (
        by_period.loc[table["period"], "numerator"].tolist()
    )
    assert not table["withheld"].any()


def test_a_local_office_trend_is_protected(mart):
    table = trend(mart, "arcp-covid-share", "EM")
    values = table["numerator"].dropna().astype(int)
    assert not values.between(1, 7).any()
    assert (values % 5 == 0).all()


def test_a_trend_for_an_area_without_data_is_empty(mart):
    table = trend(mart, "nets-overall-satisfaction", "NOWHERE")
    assert table.empty
    assert list(table.columns) == ["period", *RATE_COLUMNS, "not_applicable"]


# --------------------------------------------------------------------------- protected cache


def test_protected_figures_follow_a_changed_disclosure_rule_and_are_the_callers_to_change(
    monkeypatch,
):
    """Fails with the rule left out of the cache key: the notes would describe one rule and
    the figures follow another."""
    from heenb import disclosure
    from heenb.figures import kpis

    mart = fake_mart([("EM", 20, 100), ("WM", 40, 100)])
    assert not trend(mart, "m", "EM")["withheld"].any()
    stricter = disclosure.DisclosureRule(threshold=25, base=5, name="Test")
    monkeypatch.setattr(disclosure, "NHS_DIGITAL", stricter)
    assert trend(mart, "m", "EM")["withheld"].all()
    first = kpis.protected(mart, "m")
    first.loc[:, "withheld"] = False
    assert kpis.protected(mart, "m")["withheld"].any()
