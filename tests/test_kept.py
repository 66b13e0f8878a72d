"""Comparisons and published figures kept on the mart (:mod:`heenb.figures.kept`): worked
out once per mart, and never read for another mart, another catalogue, or changed by the
page that reads them."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from heenb.data.catalogue import LOCAL_OFFICE, STP
from heenb.figures import kpis
from heenb.figures import providers as provider_figures

KPI = "nets-theme-satisfaction"  # in the small demo data, 23 STPs and 13 offices shown


def fresh(mart):
    """The same data as ``mart``, as another mart (another snapshot): nothing kept."""
    return dataclasses.replace(mart, derived={})


def stp_comparison(mart, catalogue):
    period = kpis.latest_period(mart, KPI)
    return provider_figures.compare_stps(mart, catalogue, KPI, period)


def office_comparison(mart, catalogue):
    period = kpis.latest_period(mart, KPI)
    return kpis.compare(mart, catalogue, KPI, period, LOCAL_OFFICE)


def providers_published(mart, catalogue):
    period = kpis.latest_period(mart, KPI)
    return provider_figures.protected_counts(mart, catalogue, KPI, period)


COMPARISONS = [
    pytest.param(stp_comparison, provider_figures, "_compare_stps", id="STPs"),
    pytest.param(office_comparison, kpis, "_compare", id="local offices"),
    pytest.param(providers_published, provider_figures, "_protected_counts", id="providers"),
]


def counted(monkeypatch, module, name: str) -> list:
    """Calls of ``module.name`` (the function that works a comparison out), recorded."""
    calls, original = [], getattr(module, name)

    def recorded(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, recorded)
    return calls


@pytest.mark.parametrize(("compare", "module", "name"), COMPARISONS)
def test_a_comparison_is_worked_out_once_per_mart(mart, catalogue, monkeypatch, compare, module,
                                                  name):  # fmt: skip
    mart = fresh(mart)
    calls = counted(monkeypatch, module, name)
    first, second = compare(mart, catalogue), compare(mart, catalogue)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, second)
    assert first.attrs == second.attrs
    assert "tau2" in first.attrs or first.attrs["dispersion"]  # a funnel, or its dispersion


@pytest.mark.parametrize(("compare", "module", "name"), COMPARISONS)
def test_a_page_that_changes_its_comparison_changes_no_other_pages(mart, catalogue, compare,
                                                                   module, name):  # fmt: skip
    mart = fresh(mart)
    before = compare(mart, catalogue).copy()
    mine = compare(mart, catalogue)
    mine.loc[:, "outlier"] = "changed"
    mine.attrs["centre"] = -1.0
    mine.attrs.get("dispersion", {}).clear()
    again = compare(mart, catalogue)
    pd.testing.assert_frame_equal(again, before)
    assert again.attrs == before.attrs


@pytest.mark.parametrize(("compare", "module", "name"), COMPARISONS)
def test_another_data_snapshot_or_catalogue_never_reads_kept_figures(
    mart, catalogue, monkeypatch, compare, module, name
):
    mart = fresh(mart)
    kept = compare(mart, catalogue)
    calls = counted(monkeypatch, module, name)
    # Another snapshot: half as many satisfied in the latest period, everywhere.
    period = kpis.latest_period(mart, KPI)
    table = mart.proportions.copy()
    at = (table["measure"] == KPI) & (table["period"] == period)
    table.loc[at, "numerator"] //= 2
    changed = dataclasses.replace(mart, proportions=table, derived={})
    other = compare(changed, catalogue)
    assert len(calls) == 1
    assert not other["value"].equals(kept["value"])
    # The same data with another catalogue (loaded again) is worked out again too.
    again = dataclasses.replace(catalogue)
    pd.testing.assert_frame_equal(compare(mart, again), kept)
    assert len(calls) == 2


def test_pages_of_one_kernel_read_the_figures_each_would_read_alone(mart, catalogue):
    """Two STP pages in one warm kernel (one mart): the second page's scores are those it
    has when built first, in a kernel of its own."""
    from heenb.report.common import Inputs
    from heenb.report.stp import StpReport

    stps = list(provider_figures.at_level(
        provider_figures.protected_counts(mart, catalogue, KPI, kpis.latest_period(mart, KPI)),
        STP,
    )["area_code"][:2])  # fmt: skip
    shared = fresh(mart)

    def scores(stp, inputs_mart):
        report = StpReport(stp, Inputs(catalogue, inputs_mart), {"stp": stp, "data": None})
        return report.scores

    scores(stps[0], shared)
    after, alone = scores(stps[1], shared), scores(stps[1], fresh(mart))
    assert after.keys() == alone.keys()
    for kpi, score in after.items():
        assert (score.standing, score.change) == (alone[kpi].standing, alone[kpi].change)
        pd.testing.assert_frame_equal(score.peers, alone[kpi].peers)


def test_figures_of_the_mart_alone_are_kept_across_catalogues_and_never_across_marts(
    mart, catalogue
):
    mart = fresh(mart)
    rows = kpis.measure_rows(mart, KPI)
    mine = provider_figures.provider_measures(catalogue, mart)
    assert set(mart.derived) == {(None, "measure_rows", KPI, "all"),
                                 (id(catalogue), "provider_measures")}  # fmt: skip
    again = dataclasses.replace(catalogue)  # the catalogue loaded again
    pd.testing.assert_frame_equal(provider_figures.provider_measures(again, mart), mine)
    assert set(mart.derived) == {(None, "measure_rows", KPI, "all"),
                                 (id(again), "provider_measures")}  # fmt: skip
    pd.testing.assert_frame_equal(kpis.measure_rows(mart, KPI), rows)
    changed = dataclasses.replace(mart, proportions=mart.proportions.iloc[:10], derived={})
    assert len(kpis.measure_rows(changed, KPI)) <= 10 < len(rows)


def test_an_areas_trend_is_worked_out_once_per_mart_and_stays_as_made(mart, monkeypatch):
    mart = fresh(mart)
    calls = counted(monkeypatch, kpis, "_trend")
    england = kpis.trend(mart, KPI)
    england.loc[:, "value"] = -1.0  # one page's change to its own table
    again = kpis.trend(mart, KPI)
    assert len(calls) == 1 and (again["value"].dropna() >= 0).all()
    table = mart.proportions.copy()
    table.loc[table["measure"] == KPI, "numerator"] //= 2
    changed = dataclasses.replace(mart, proportions=table, derived={})
    assert not kpis.trend(changed, KPI)["value"].equals(again["value"])
    assert len(calls) == 2
    assert kpis.latest_period(changed, KPI) == kpis.latest_period(mart, KPI)
    assert kpis.england_value(changed, KPI, kpis.latest_period(mart, KPI)) < kpis.england_value(
        mart, KPI, kpis.latest_period(mart, KPI)
    )
