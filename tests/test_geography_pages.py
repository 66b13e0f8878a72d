"""STP and HEE region pages: built through the real engine, protected across levels."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from heenb.data.catalogue import LOCAL_OFFICE, PROVIDER, STP
from heenb.errors import ParameterError
from heenb.figures import kpis
from heenb.figures import providers as provider_figures
from heenb.report.hee_region import hee_region_report
from heenb.report.stp import stp_report

CHESHIRE = "E54000008"


@pytest.fixture(scope="module")
def built(demo_dir, tmp_path_factory):
    from heenb.publish.engine import build

    out = tmp_path_factory.mktemp("geo")
    outcomes = build(data=demo_dir, out=out, only=f"stp/{CHESHIRE},hee_region/HEE-N", workers=1,
                     progress=lambda *_: None)  # fmt: skip
    assert not [o for o in outcomes if o.status == "failed"]
    return out


@pytest.mark.slow
def test_an_stp_page_built_by_the_engine_shows_title_scorecard_and_providers(built, catalogue):
    text = (built / "stp" / f"{CHESHIRE}.html").read_text()
    assert "<title>Cheshire and Merseyside STP" in text
    assert '<h1 id="cheshire-and-merseyside-stp">Cheshire and Merseyside STP</h1>' in text
    assert "Every provider-level KPI for Cheshire and Merseyside STP" in text
    assert "Each KPI by provider, Cheshire and Merseyside STP" in text
    for code in catalogue.providers_in(CHESHIRE):
        assert catalogue.area_name(code) in html.unescape(text)
    assert "LWABs) are not mapped" in text
    assert "by provider within North West" in text  # the local office's funnel plot


@pytest.mark.slow
def test_an_hee_region_page_built_by_the_engine_is_titled_and_rolled_up(built):
    text = (built / "hee_region" / "HEE-N.html").read_text()
    assert "<title>North (HEE region, 2017)" in text
    for office in ("North East", "Yorkshire and the Humber", "North West"):
        assert office in text


def test_hee_region_figures_are_the_sum_of_their_offices(mart, catalogue):
    rows = kpis.measure_rows(mart, "nets-overall-satisfaction")
    for region in ("HEE-N", "HEE-ME", "HEE-LSE", "HEE-S"):
        offices = catalogue.offices_in(region)
        mine = rows[rows["area_code"] == region].set_index("period")["denominator"]
        parts = rows[rows["area_code"].isin(offices)].groupby("period")["denominator"].sum()
        assert len(offices) >= 3 and mine.equals(parts.reindex(mine.index).astype(mine.dtype))


def test_an_stp_whose_providers_have_no_data_says_so(data_copy, catalogue):
    gone = set(catalogue.providers_in(CHESHIRE))
    for name in ("nets_responses.csv", "arcp_outcomes.csv"):
        table = pd.read_csv(data_copy / name, dtype=str, keep_default_na=False)
        table[~table["provider"].isin(gone)].to_csv(data_copy / name, index=False)
    report = stp_report(CHESHIRE, data_copy)
    for section in (report.scorecard(), report.provider_table(), report.comparisons()):
        assert "No data for" in section.text
        assert f"any of its {len(gone)} providers" in section.text
    assert "Cheshire and Merseyside STP" in report.headline().text


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stp_report("NW"), "'NW' is not an STP"),
        (lambda: stp_report("E54000099"), "Unknown area 'E54000099'"),
        (lambda: hee_region_report("Y60"), "'Y60' is not an HEE region of 2017"),
    ],
)
def test_a_wrong_code_is_refused_naming_the_valid_ones(call, message):
    with pytest.raises(ParameterError, match=message) as error:
        call()
    assert (
        "E54000008 (Cheshire and Merseyside STP)" in str(error.value)
        or "HEE-N" in str(error.value)
        or "Valid values" in str(error.value)
    )


def relations(table: pd.DataFrame, catalogue) -> list[tuple[str, list]]:
    """(name, [total, parts...]) for each local office over its STPs and each STP over its
    providers: for n, whether each is withheld; for rates, whether each is withheld, leaving
    out a sum whose one non-empty part is its total (nothing to subtract)."""
    shown = table.set_index("area_code")
    found = []
    for parent_level, level in ((LOCAL_OFFICE, STP), (STP, PROVIDER)):
        for parent in provider_figures.at_level(table, parent_level)["area_code"]:
            parts = provider_figures.at_level(table, level, parent)
            found.append((f"{parent} n", [pd.isna(shown.loc[parent, "denominator"]),
                                          *parts["denominator"].isna()]))  # fmt: skip
            if (~parts["no_data"]).sum() > 1:
                found.append((f"{parent} rate", [bool(shown.loc[parent, "withheld"]),
                                                 *parts["withheld"].astype(bool)]))  # fmt: skip
    return found


@pytest.mark.parametrize("measure", ["midwife-training-satisfaction", "arcp-covid-share",
                                     "nets-overall-satisfaction"])  # fmt: skip
def test_no_withheld_provider_or_stp_figure_is_the_only_one_in_its_sum(mart, catalogue, measure):
    """Fails without secondary suppression: small demo data withholds single providers."""
    period = kpis.latest_period(mart, measure)
    table = provider_figures.protected_counts(mart, catalogue, measure, period)
    assert set(table["level"]) == {LOCAL_OFFICE, STP, PROVIDER}
    found = relations(table, catalogue)
    assert found
    lone = [name for name, withheld in found if sum(withheld) == 1]
    assert not lone, f"withheld figures recoverable by subtraction: {lone[:5]}"
    # Office figures are those the area pages show.
    offices = kpis.compare(mart, catalogue, measure, period, LOCAL_OFFICE).set_index("area_code")
    mine = provider_figures.at_level(table, LOCAL_OFFICE).set_index("area_code")
    assert mine["withheld"].equals(offices.loc[mine.index, "withheld"])


def test_secondary_suppression_withholds_the_smallest_other_provider(mart, catalogue):
    measure = "nets-overall-satisfaction"
    period = kpis.latest_period(mart, measure)
    table = provider_figures.protected_counts(mart, catalogue, measure, period)
    extra = table[table["secondary"]]
    assert len(extra), "small data should need secondary suppression"
    raw = kpis.measure_rows(mart, measure)
    raw = raw[(raw["period"] == period) & (raw["group"] == "all")].set_index("area_code")
    for _, row in extra[extra["level"] == PROVIDER].iterrows():
        siblings = provider_figures.at_level(table, PROVIDER, row["parent"])
        visible = siblings[~siblings["withheld"] & ~siblings["no_data"]]
        if len(visible):
            assert raw.loc[row["area_code"], "denominator"] <= min(
                raw.loc[visible["area_code"], "denominator"]
            )


@pytest.mark.parametrize("structure", ["nhse-7-regions", "hee-2017-regions"])
def test_no_region_or_office_count_is_the_only_one_withheld_in_its_sum(mart, catalogue, structure):
    """Fails without secondary suppression across the geography: in the small demo data an
    office's ARCP figure is withheld alone among its region's, and the region's total
    (on the region's page) would reveal it by subtraction."""
    regions = catalogue.all_regions[catalogue.all_regions["structure"] == structure]
    level = catalogue.region_level(structure)
    checked, with_withheld_office = 0, 0
    for kpi_id in mart.proportions["measure"].unique():
        period = kpis.latest_period(mart, kpi_id)
        totals = kpis.compare(mart, catalogue, kpi_id, period, level).set_index("area_code")
        offices = kpis.compare(mart, catalogue, kpi_id, period, LOCAL_OFFICE)
        offices = offices.set_index("area_code")
        for region in regions["region_code"]:
            parts = offices.loc[offices.index.isin(catalogue.offices_in(region))]
            for column in ("numerator", "denominator"):
                entries = [totals.loc[region, column], *parts[column]]
                assert sum(pd.isna(e) for e in entries) != 1, f"{region} {kpi_id} {column}"
            checked += 1
            with_withheld_office += bool(parts["withheld"].any())
    assert checked and with_withheld_office, "the small demo data should withhold an office"
