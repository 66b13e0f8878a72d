"""Demo data: deterministic, valid, anchored on published national figures."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest

from heenb.data.demo import DEMO_MARKER, write_demo_data
from heenb.data.validate import problems_in
from heenb.errors import ArgumentError

RAW_FILES = [
    "arcp_outcomes.csv", "nets_responses.csv", "workforce_fte.csv", "kpi_updates.csv",
    "programme_projects.csv", "programme_updates.csv", "ppi_activities.csv", "demographics.csv",
]  # fmt: skip
TINY = 0.01

#: NETS overall educational experience rated good or better, England (published).
NETS_OVERALL_POSITIVE = {2021: 0.8419, 2023: 0.8530}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Two folders written with the same seed and scale, and one with another seed."""
    base = tmp_path_factory.mktemp("tiny")
    for name, seed in (("first", 7), ("second", 7), ("other-seed", 8)):
        rows = write_demo_data(base / name, seed=seed, scale=TINY)
        (base / f"{name}-rows.json").write_text(json.dumps(rows))
    return base


@pytest.fixture(scope="module")
def larger(tmp_path_factory):
    """A demo set at scale 0.2: national shares close to the published ones."""
    folder = tmp_path_factory.mktemp("scale-0.2")
    write_demo_data(folder, scale=0.2)
    return folder


@pytest.mark.slow
def test_every_raw_file_and_the_demo_marker_are_written(tiny):
    for name in [*RAW_FILES, DEMO_MARKER]:
        assert (tiny / "first" / name).is_file(), name


def test_the_same_seed_and_scale_give_byte_identical_files(tiny):
    for name in [*RAW_FILES, DEMO_MARKER]:
        first = (tiny / "first" / name).read_bytes()
        second = (tiny / "second" / name).read_bytes()
        assert first == second, f"{name} differs between two runs with the same seed"


def test_a_different_seed_gives_different_data(tiny):
    differs = [
        name
        for name in RAW_FILES
        if (tiny / "first" / name).read_bytes() != (tiny / "other-seed" / name).read_bytes()
    ]
    assert {"arcp_outcomes.csv", "nets_responses.csv", "workforce_fte.csv"} <= set(differs)


def test_the_marker_says_demo_data_with_its_seed_and_scale(tiny):
    marker = json.loads((tiny / "first" / DEMO_MARKER).read_text())
    assert marker["demo"] is True
    assert (marker["seed"], marker["scale"]) == (7, TINY)


def test_the_demo_data_passes_validation(tiny):
    assert problems_in(tiny / "first") == []


def test_the_row_counts_returned_are_the_rows_written(tiny):
    rows = json.loads((tiny / "first-rows.json").read_text())
    assert sorted(f"{name}.csv" for name in rows) == sorted(RAW_FILES)
    for name, count in rows.items():
        assert len(pd.read_csv(tiny / "first" / f"{name}.csv")) == count


@pytest.mark.slow
@pytest.mark.parametrize(("year", "published"), list(NETS_OVERALL_POSITIVE.items()))
def test_national_nets_overall_positive_share_follows_the_published_figure(larger, year, published):
    nets = pd.read_csv(larger / "nets_responses.csv")
    overall = nets[(nets["item"] == "overall") & (nets["year"] == year)]
    positive = (overall["answer"] >= 4).mean()  # good (4) or outstanding (5)
    assert abs(positive - published) <= 0.015


@pytest.mark.slow
def test_arcp_outcomes_10_1_and_10_2_appear_only_from_2020(larger):
    arcp = pd.read_csv(larger / "arcp_outcomes.csv", dtype={"outcome": str})
    covid = arcp[arcp["outcome"].isin(["10.1", "10.2"])]
    assert covid["year"].min() == 2020
    years_with_covid = set(covid["year"])
    assert {y for y in arcp["year"].unique() if y >= 2020} <= years_with_covid
    assert not (set(arcp.loc[arcp["year"] < 2020, "outcome"]) & {"10.1", "10.2"})


def test_some_local_office_cells_are_small_enough_to_need_suppression(demo_dir):
    arcp = pd.read_csv(demo_dir / "arcp_outcomes.csv", dtype={"outcome": str})
    cells = arcp.groupby(["year", "local_office", "outcome"]).size()
    assert cells.between(1, 7).any()
    nets = pd.read_csv(demo_dir / "nets_responses.csv")
    midwives = nets[(nets["learner_group"] == "student-midwife") & (nets["item"] == "overall")]
    assert midwives.groupby(["year", "local_office"]).size().between(1, 7).any()


@pytest.mark.parametrize("scale", [0, -1, 10.5, math.nan])
def test_a_bad_scale_is_an_argument_error(tmp_path, scale):
    with pytest.raises(ArgumentError, match="--scale must be a number above 0 and at most 10"):
        write_demo_data(tmp_path / "out", scale=scale)
    assert not (tmp_path / "out").exists()


def test_a_negative_seed_is_an_argument_error(tmp_path):
    with pytest.raises(ArgumentError, match="--seed"):
        write_demo_data(tmp_path, seed=-1, scale=TINY)


# --------------------------------------------------------------------- where demo-data may write


def demo_data(folder, *extra):
    from heenb.cli import main

    return main(["demo-data", "--out", str(folder), "--scale", str(TINY), *extra])


def test_demo_data_refuses_a_folder_holding_a_users_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert demo_data(tmp_path) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert f"--out {tmp_path} holds files heenb demo-data did not write (notes.txt)" in err
    assert "--force" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_demo_data_refuses_raw_files_it_did_not_write(tmp_path, capsys):
    (tmp_path / "arcp_outcomes.csv").write_text("outcome_id,year\nmine,2020\n")
    assert demo_data(tmp_path) == 2
    assert "arcp_outcomes.csv" in capsys.readouterr().err
    assert (tmp_path / "arcp_outcomes.csv").read_text() == "outcome_id,year\nmine,2020\n"


@pytest.mark.slow
def test_demo_data_refreshes_a_folder_it_wrote(tmp_path):
    assert demo_data(tmp_path) == 0
    before = (tmp_path / DEMO_MARKER).read_text()
    assert demo_data(tmp_path, "--seed", "9") == 0
    assert (tmp_path / DEMO_MARKER).read_text() != before


def test_demo_data_writes_beside_a_users_files_with_force(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert demo_data(tmp_path, "--force") == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert problems_in(tmp_path) == []


@pytest.mark.parametrize("force", [[], ["--force"]])
@pytest.mark.parametrize("inside", ["", "sub"])
def test_demo_data_never_writes_into_the_reference_folder(
    tmp_path, monkeypatch, capsys, force, inside
):
    from heenb import paths

    reference = tmp_path / "reference"
    shutil.copytree(paths.REFERENCE_DIR, reference)
    before = {p.name: p.read_bytes() for p in reference.iterdir()}
    monkeypatch.setattr(paths, "REFERENCE_DIR", reference)
    assert demo_data(reference / inside, *force) == 2
    err = capsys.readouterr().err
    assert "is in the reference data folder" in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in reference.iterdir()} == before


# --------------------------------------------------------------------------- placement providers


@pytest.mark.slow
def test_every_learner_is_placed_with_a_provider_in_their_local_office(larger, catalogue):
    for name in ("arcp_outcomes.csv", "nets_responses.csv"):
        table = pd.read_csv(larger / name, dtype=str)
        home = table["provider"].map(catalogue.office_of_provider)
        assert (home == table["local_office"]).all(), name


@pytest.mark.slow
def test_learners_are_spread_over_every_provider_by_size(larger, catalogue):
    nets = pd.read_csv(larger / "nets_responses.csv", dtype=str)
    assert nets.groupby("respondent_id")["provider"].nunique().max() == 1  # one trust each
    counts = nets.drop_duplicates("respondent_id")["provider"].value_counts()
    assert set(counts.index) == set(catalogue.providers["provider_code"])
    assert counts.max() > 4 * counts.min()  # sizes differ, as trusts do


def test_the_provider_follows_the_local_office_in_the_raw_files(tiny):
    for name in ("arcp_outcomes.csv", "nets_responses.csv"):
        columns = list(pd.read_csv(tiny / "first" / name, nrows=0).columns)
        assert columns[columns.index("local_office") + 1] == "provider", name
