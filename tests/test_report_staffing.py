"""Staff in post: a steady rise is described as one and charted as its monthly change,
with limits recalculated only at a recorded change point, so colours agree with words."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from heenb.figures.commitments import commitment_figures
from heenb.report.area import area_report
from heenb.report.staffing import monthly_change_spc, rising_steadily


def staff_kpis(catalogue):
    return catalogue.kpis[catalogue.kpis["rule"] == "staff_fte"]


def test_a_steady_climb_with_noise_is_rising_steadily_and_flat_noise_is_not():
    noise = np.random.default_rng(1).normal(0, 5, 72)
    assert rising_steadily(pd.Series(20_000 + 10 * np.arange(72) + noise))
    assert not rising_steadily(pd.Series(20_000 + noise))


def test_each_staff_kpi_has_a_recorded_change_point_with_its_reason(catalogue):
    points = catalogue.change_points
    for kpi in staff_kpis(catalogue).itertuples():
        mine = points[points["kpi_id"] == kpi.kpi_id]
        assert len(mine) >= 1 and mine["reason"].str.len().min() > 20


def test_most_monthly_changes_of_england_midwives_are_common_cause(catalogue, mart):
    """One set of limits on a six-year climb made every point special cause (72 of 72)."""
    for _, kpi in staff_kpis(catalogue).iterrows():
        series = commitment_figures(mart, kpi)["series"]
        assert rising_steadily(series["fte"])
        result, _ = monthly_change_spc(catalogue, kpi, series)
        assert result.points["section"].max() == 1  # recalculated at the change point only
        assert (result.points["special_cause"] != "").mean() < 0.5


@pytest.mark.slow
def test_every_rising_staff_series_on_an_area_page_is_described_and_charted_as_one(catalogue, mart):
    for code in ["Y56", "EM", "Y60"]:
        report = area_report(code)
        block = report.workforce()
        alts = re.findall(r'alt="([^"]*)"', block.markup)
        for _, kpi in staff_kpis(catalogue).iterrows():
            series = commitment_figures(mart, kpi, code)["series"]
            name = kpi["short_name"]
            steady = rising_steadily(series["fte"])
            assert (
                f"{name} in {report.area['name']} has been rising steadily since" in block.text
            ) == steady
            monthly = any(
                a.startswith("XmR chart of Monthly change in") and name.lower()[:10] in a.lower()
                for a in alts
            )
            assert monthly == steady


def test_a_recorded_change_is_named_as_a_reason_not_claimed_as_a_finding(catalogue, mart):
    """The page said "... of 2021: a sustained change in the rate of growth" and then
    "common cause variation: no significant change": the reason asserted what the chart did
    not show. The reason names the event; the verdict speaks of the latest month's change."""
    claims = re.compile(r"sustained|significant(ly)? (rise|change|increase)", re.IGNORECASE)
    for reason in catalogue.change_points["reason"]:
        assert not claims.search(reason), reason
    from heenb.report.staffing import staff_trend

    for _, kpi in staff_kpis(catalogue).iterrows():
        series = commitment_figures(mart, kpi)["series"]
        text = staff_trend(catalogue, kpi, series, "England", level=False).text
        result, _ = monthly_change_spc(catalogue, kpi, series)
        verdict = result.variation_text
        assert f"the latest month's change shows {verdict[:1].lower()}{verdict[1:]}." in text
