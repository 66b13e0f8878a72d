"""Placement providers on local-office pages and across England on objective pages.

Read from the whole report set (``built_reports``, small hostile demo data): every
provider of an office is listed, its providers are drawn on funnel plots whose outliers
the page names, and the national funnel on the objective pages draws every provider
whose figures are shown. Across pages, ``tests/test_published.py`` checks that one
provider shows the same figures everywhere and that no withheld count can be recovered.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from test_published import tables_in

from heenb.data.catalogue import PROVIDER
from heenb.figures import kpis
from heenb.figures import providers as provider_figures
from heenb.report import providers
from heenb.report.area import area_report


def sections(page) -> dict[str, str]:
    """The page's text under each ``h3`` heading (tags removed, entities unescaped)."""
    markup = page.read_text()
    found = {}
    for match in re.finditer(r"<h3[^>]*>(.*?)</h3>(.*?)(?=<h[23][ >])", markup, re.S):
        heading = html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))
        paragraphs = re.findall(r"<p>(.*?)</p>", match.group(2), re.S)
        found[heading] = " ".join(html.unescape(p) for p in paragraphs)
    return found


def named(sentence: str, side: str) -> set[str]:
    """The names a sentence of :func:`providers.outliers_in_words` gives on one side."""
    match = re.search(rf"{side} 99\.8% limit: (.*?)(?:; and below|\.$)", sentence)
    return set(match.group(1).split("; ")) if match else set()


def chart_tables(page, marker: str) -> dict[str, dict]:
    """The data tables of the page's charts whose caption holds ``marker``, by caption."""
    return {
        t["caption"].removeprefix("Data for the chart: "): t
        for t in tables_in(page)
        if t["caption"].startswith("Data for the chart: ") and marker in t["caption"]
    }


def rows_of(table: dict) -> pd.DataFrame:
    return pd.DataFrame([r for r in table["rows"] if r], columns=table["headers"])


@pytest.mark.slow
def test_every_local_office_page_lists_all_its_providers_with_each_provider_kpi(
    built_reports, catalogue, mart
):
    measures = provider_figures.provider_measures(catalogue, mart)
    for office in catalogue.local_offices["local_office_code"]:
        name = catalogue.area_name(office)
        page = built_reports / "area" / f"{office}.html"
        table = next(t for t in tables_in(page) if t["caption"] == f"Each KPI by provider, {name}")
        shown = rows_of(table)
        codes = catalogue.providers_in(office)
        assert list(shown["Code"]) == codes
        assert list(shown["Provider"]) == [catalogue.area_name(p) for p in codes]
        assert list(shown["STP"]) == [catalogue.area_name(catalogue.stp_of[p]) for p in codes]
        headers = table["headers"][3:]
        assert [h.rsplit(" (", 1)[0] for h in headers[::2]] == list(measures["short_name"])
        assert [f"{rate}, n" for rate in headers[::2]] == headers[1::2]  # each rate's n beside it
        assert shown.iloc[:, 3:].map(bool).all().all()  # a rate, [c] or "no data" in every cell


@pytest.mark.slow
def test_every_local_office_page_draws_its_providers_on_a_funnel_per_measure(
    built_reports, catalogue, mart
):
    drawn = 0
    for office in catalogue.local_offices["local_office_code"]:
        name = catalogue.area_name(office)
        page = built_reports / "area" / f"{office}.html"
        charts = chart_tables(page, f" by provider within {name}, ")
        for _, kpi in provider_figures.funnel_measures(catalogue, mart).iterrows():
            period = kpis.latest_period(mart, kpi["kpi_id"])
            table = provider_figures.protected_counts(mart, catalogue, kpi["kpi_id"], period)
            rows = provider_figures.at_level(table, PROVIDER)
            mine = rows[rows["area_code"].isin(catalogue.providers_in(office)) & kpis.shown(rows)]
            caption = f"{kpi['short_name']} ({kpi['unit']}) by provider within {name}, {period}"
            if len(mine) < 2:
                assert caption not in charts
                continue
            assert set(rows_of(charts[caption])["Area"]) == set(mine["area"])
            drawn += 1
    assert drawn >= 13  # at least one chart a local office


@pytest.mark.slow
def test_outliers_named_on_each_office_page_are_those_its_funnel_marks(built_reports, catalogue):
    """The sentence above each chart names exactly the providers the chart's data marks
    outside the limits, and the data behind it shows each provider's n and published rate,
    never a numerator."""
    checked = 0
    for office in catalogue.local_offices["local_office_code"]:
        name = catalogue.area_name(office)
        page = built_reports / "area" / f"{office}.html"
        text = sections(page)
        for caption, table in chart_tables(page, f" by provider within {name}, ").items():
            short, period = caption.split(" (")[0], caption.rsplit(", ", 1)[1]
            sentence = text[f"By provider: {short}, {period}"]
            rows = rows_of(table)
            assert "Numerator" not in rows.columns and "n" in rows.columns
            high = set(rows.loc[rows["Outlier"] == "high", "Area"])
            low = set(rows.loc[rows["Outlier"] == "low", "Area"])
            assert named(sentence, "upper") == high, (page.name, caption)
            assert named(sentence, "lower") == low, (page.name, caption)
            if not high and not low:
                assert "None of the local office's providers " in sentence
            checked += 1
    assert checked >= 13


def test_an_office_funnel_names_its_outliers_above_then_below(catalogue):
    codes = catalogue.providers_in("KSS")
    names = [catalogue.area_name(p) for p in codes]
    shares = [0.5, 0.97, *[0.8] * (len(codes) - 2)]  # far below, then far above
    table = pd.DataFrame({
        "level": PROVIDER, "area_code": codes, "area": names,
        "denominator": 1000, "value": shares, "step": 0.01,
        "withheld": False, "no_data": False,
    })  # fmt: skip
    kpi = catalogue.kpi("nets-overall-satisfaction")
    block = providers.office_funnel(catalogue, kpi, "2024", table, "KSS", names, "its providers")
    sentence = block.text.splitlines()[0]
    assert sentence == (
        f"Outliers within Kent, Surrey and Sussex, above the upper 99.8% limit: {names[1]}; "
        f"and below the lower 99.8% limit: {names[0]}."
    )
    drawn = next(iter(block.data.values()))
    assert set(drawn.loc[drawn["Outlier"] != "", "Area"]) == set(names[:2])


@pytest.mark.slow
@pytest.mark.parametrize("objective", ["learner-voice", "restoration-recovery"])
def test_the_national_provider_funnel_draws_every_provider_shown_and_lists_its_outliers(
    built_reports, catalogue, mart, objective
):
    page = built_reports / "objective" / f"{objective}.html"
    text = sections(page)
    measures = provider_figures.funnel_measures(catalogue, mart)
    measures = measures[measures["objective_id"] == objective]
    assert len(measures)
    charts = chart_tables(page, " by provider, England, ")
    for _, kpi in measures.iterrows():
        period = kpis.latest_period(mart, kpi["kpi_id"])
        table = provider_figures.protected_counts(mart, catalogue, kpi["kpi_id"], period)
        rows = provider_figures.at_level(table, PROVIDER)
        shown = rows[kpis.shown(rows)]
        caption = f"{kpi['short_name']} ({kpi['unit']}) by provider, England, {period}"
        if len(shown) < 2:  # the small data's providers are mostly on small bases
            assert caption not in charts
            assert (
                "Fewer than two providers have figures shown across England"
                in (text[f"{kpi['short_name']}, {period}"])
            )
            continue
        drawn = rows_of(charts[caption])
        assert sorted(drawn["Area"]) == sorted(shown["area"])
        assert drawn["Target"].nunique() == 1
        england = kpis.england_value(mart, kpi["kpi_id"], period)
        assert float(drawn["Target"].iloc[0]) == pytest.approx(100 * england, abs=0.005)
        sentence = text[f"{kpi['short_name']}, {period}"]
        high = set(drawn.loc[drawn["Outlier"] == "high", "Area"])
        low = set(drawn.loc[drawn["Outlier"] == "low", "Area"])
        assert named(sentence, "upper") == high and named(sentence, "lower") == low
        assert f"{len(shown)} have figures shown" in sentence or (
            f"All {len(catalogue.providers)} placement providers" in sentence
        )
        listed = [t for t in tables_in(page) if t["caption"] == f"{kpi['short_name']}: "
                  f"providers outside England's 99.8% funnel limits, {period}"]  # fmt: skip
        if not high and not low:
            assert not listed
            continue
        outliers = rows_of(listed[0])
        assert set(outliers["Provider"]) == high | low
        office_of = catalogue.office_of_provider
        codes = dict(zip(shown["area"], shown["area_code"], strict=True))
        for row in outliers.itertuples():
            assert row[2] == catalogue.area_name(office_of[codes[row.Provider]])
            side = "above" if row.Provider in high else "below"
            assert row[6] == f"{side} the 99.8% limit"


@pytest.mark.slow
def test_objectives_not_counted_by_provider_have_no_provider_section(built_reports):
    for objective in ("quality-framework", "cross-cutting", "maternity"):
        text = (built_reports / "objective" / f"{objective}.html").read_text()
        assert "By placement provider" not in text


@pytest.mark.slow
def test_a_region_page_links_to_its_offices_and_their_stps_for_provider_figures(
    built_reports, catalogue
):
    for region in catalogue.regions["region_code"]:
        page = built_reports / "area" / f"{region}.html"
        markup = page.read_text()
        section = markup.split('id="placement-providers"', 1)[1].split("<h2", 1)[0]
        links = re.findall(r'<a href="([^"]+)">', section)
        expected = {f"{o}.html" for o in catalogue.offices_in(region)}
        expected |= {f"../stp/{s}.html" for o in catalogue.offices_in(region)
                     for s in catalogue.stps_in(o)}  # fmt: skip
        assert set(links) == expected
        assert all((page.parent / link).resolve().is_file() for link in links)


def test_an_office_whose_providers_have_no_data_says_so(data_copy, catalogue):
    office = "KSS"
    gone = set(catalogue.providers_in(office))
    for name in ("nets_responses.csv", "arcp_outcomes.csv"):
        table = pd.read_csv(data_copy / name, dtype=str, keep_default_na=False)
        table[~table["provider"].isin(gone)].to_csv(data_copy / name, index=False)
    section = area_report(office, data_copy).providers()
    assert "No data for the providers" in section.text
    assert f"any of its {len(gone)} providers" in section.text
