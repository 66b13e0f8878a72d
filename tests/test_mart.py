"""The mart: counts by local office, rolled up to regions and England by summing counts."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from heenb import paths
from heenb.data import mart as mart_module
from heenb.data.catalogue import load_catalogue
from heenb.data.mart import build_mart, load_mart, mart_key
from heenb.errors import DataValidationError
from heenb.paths import REFERENCE_DIR

KEYS = ["measure", "period", "breakdown", "group"]
COUNTS = ["numerator", "denominator"]


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A private, empty mart cache for one test."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("HEENB_CACHE", str(cache))
    return paths.mart_root()


def _offices(proportions):
    return proportions[proportions["level"] == "local_office"]


# --------------------------------------------------------------------------- roll-up


def test_a_region_is_the_sum_of_its_local_offices(mart, catalogue):
    proportions = mart.proportions
    offices = _offices(proportions).assign(region=lambda t: t["area_code"].map(catalogue.region_of))
    expected = offices.groupby(["region", *KEYS])[COUNTS].sum()
    regions = proportions[proportions["level"] == "region"]
    found = regions.rename(columns={"area_code": "region"}).set_index(["region", *KEYS])[COUNTS]
    pd.testing.assert_frame_equal(found.sort_index(), expected.sort_index())


def test_england_is_the_sum_of_all_local_offices(mart):
    proportions = mart.proportions
    expected = _offices(proportions).groupby(KEYS)[COUNTS].sum()
    england = proportions[proportions["level"] == "national"]
    assert set(england["area_code"]) == {"ENG"}
    found = england.set_index(KEYS)[COUNTS]
    pd.testing.assert_frame_equal(found.sort_index(), expected.sort_index())


def test_every_area_appears_once_per_measure_period_and_group(mart):
    proportions = mart.proportions
    assert not proportions.duplicated(["level", "area_code", *KEYS]).any()
    assert set(proportions["level"]) == {"national", "region", "local_office"}


def test_workforce_rolls_up_to_regions_and_england(mart, catalogue):
    workforce = mart.workforce
    offices = workforce[workforce["level"] == "local_office"]
    midwives = offices[(offices["staff_group"] == "midwives") & (offices["month"] == "2023-09")]
    england = workforce[
        (workforce["level"] == "national")
        & (workforce["staff_group"] == "midwives")
        & (workforce["month"] == "2023-09")
    ]
    assert england["fte"].item() == pytest.approx(midwives["fte"].sum(), abs=0.1)
    midlands = workforce[
        (workforce["area_code"] == "Y60")
        & (workforce["staff_group"] == "midwives")
        & (workforce["month"] == "2023-09")
    ]
    in_midlands = midwives[midwives["area_code"].isin(catalogue.offices_in("Y60"))]
    assert midlands["fte"].item() == pytest.approx(in_midlands["fte"].sum(), abs=0.1)


def test_the_mart_knows_it_was_built_from_demo_data(mart):
    assert mart.is_demo


# --------------------------------------------------------------------------- measures


def test_arcp_10_x_share_is_computed_over_all_outcomes_of_the_year(mart, demo_dir):
    raw = pd.read_csv(demo_dir / "arcp_outcomes.csv", dtype=str)
    raw["covid"] = raw["outcome"].isin(["10.1", "10.2"])
    by_office = raw.groupby(["local_office", "year"]).agg(
        numerator=("covid", "sum"), denominator=("outcome", "size")
    )
    rows = mart.proportions[
        (mart.proportions["measure"] == "arcp-covid-share")
        & (mart.proportions["breakdown"] == "all")
    ]
    offices = _offices(rows).set_index(["area_code", "period"])[COUNTS]
    offices.index.names = ["local_office", "year"]
    pd.testing.assert_frame_equal(offices.sort_index(), by_office.sort_index(), check_dtype=False)
    england = rows[rows["level"] == "national"].set_index("period")[COUNTS]
    national = raw.groupby("year").agg(numerator=("covid", "sum"), denominator=("outcome", "size"))
    assert england.loc["2021"].tolist() == national.loc["2021"].tolist()


def test_nets_overall_satisfaction_counts_good_or_outstanding_answers(mart, demo_dir):
    raw = pd.read_csv(demo_dir / "nets_responses.csv")
    overall = raw[(raw["item"] == "overall") & (raw["year"] == 2023)]
    row = mart.proportions[
        (mart.proportions["measure"] == "nets-overall-satisfaction")
        & (mart.proportions["breakdown"] == "all")
        & (mart.proportions["level"] == "national")
        & (mart.proportions["period"] == "2023")
    ]
    assert row[COUNTS].iloc[0].tolist() == [(overall["answer"] >= 4).sum(), len(overall)]


# --------------------------------------------------------------------------- caching


def test_the_mart_is_reused_when_nothing_changed(data_copy, own_cache, monkeypatch):
    first = build_mart(data_copy)

    def must_not_read(*args, **kwargs):
        raise AssertionError("the raw files were read again although nothing changed")

    monkeypatch.setattr(mart_module, "read_raw", must_not_read)
    assert build_mart(data_copy) == first
    assert [p.name for p in own_cache.iterdir()] == [first.name]


def test_the_mart_is_rebuilt_when_a_raw_file_changes(data_copy, own_cache):
    before = load_mart(data_copy)
    nets = pd.read_csv(data_copy / "nets_responses.csv", dtype=str, keep_default_na=False)
    positive_overall = (nets["item"] == "overall") & (nets["answer"].isin(["4", "5"]))
    changed = positive_overall.idxmax()
    year = nets.loc[changed, "year"]
    nets.loc[changed, "answer"] = "1"
    nets.to_csv(data_copy / "nets_responses.csv", index=False)

    after = load_mart(data_copy)
    assert after.meta["data_hash"] != before.meta["data_hash"]
    assert len(list(own_cache.iterdir())) == 2

    def england(m):
        p = m.proportions
        row = p[(p["measure"] == "nets-overall-satisfaction") & (p["level"] == "national")
                & (p["breakdown"] == "all") & (p["period"] == year)]  # fmt: skip
        return row["numerator"].item()

    assert england(after) == england(before) - 1


def test_the_mart_key_changes_with_the_content_of_a_raw_file(data_copy):
    key = mart_key(data_copy)
    assert mart_key(data_copy) == key
    path = data_copy / "kpi_updates.csv"
    path.write_text(path.read_text().replace("Quality", "Quality ", 1))
    assert mart_key(data_copy) != key


def test_a_bad_data_folder_raises_and_writes_no_mart(data_copy, own_cache):
    path = data_copy / "nets_responses.csv"
    rows = path.read_text().splitlines()
    rows[2] = rows[2].rsplit(",", 1)[0] + ",four"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataValidationError, match="nets_responses.csv, row 3"):
        load_mart(data_copy)
    assert not own_cache.exists() or list(own_cache.iterdir()) == []


def test_a_mart_built_for_another_regional_structure_uses_that_structure(
    demo_dir, own_cache, tmp_path
):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    offices = load_catalogue().local_offices["local_office_code"]
    with (reference / "regional_structures.csv").open("a") as handle:
        handle.write("test-one-region,One region,test_region,derived,a test\n")
    with (reference / "regions.csv").open("a") as handle:
        handle.write("R1,Region one,test-one-region,,\n")
    with (reference / "region_mappings.csv").open("a") as handle:
        for office in offices:
            handle.write(f"test-one-region,{office},R1,derived\n")
    build_mart(demo_dir)  # the default structure first, as reports do
    other = load_catalogue(structure="test-one-region", directory=reference)
    folder = build_mart(demo_dir, other)
    proportions = pd.read_csv(folder / "proportions.csv", dtype=str)
    assert set(proportions.loc[proportions["level"] == "region", "area_code"]) == {"R1"}
