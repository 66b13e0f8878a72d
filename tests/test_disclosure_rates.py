"""Rates beside a rounded n: from the unrounded counts, and no more precise than rounding.

The proofs here work out, by brute force over every count in a range, what a reader can
know of the unrounded counts from what is published (n rounded to 5 and the rate as
shown, or ``[c]``), independently of how :mod:`heenb.disclosure` decides: every count
behind a shown rate keeps at least as many possible values as rounding to 5 leaves a
published count, and a withheld rate gives away no count at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heenb.disclosure import (
    GMC,
    NHS_DIGITAL,
    RATE_PRECISION,
    RatePrecision,
    possible_counts,
    published_rates,
    rate_text,
)
from heenb.errors import ArgumentError

# --------------------------------------------------------------------------- the rule


def published(k, n) -> tuple:
    row = published_rates([k], [n]).iloc[0]
    value = None if pd.isna(row["value"]) else round(float(row["value"]), 6)
    return (None if pd.isna(row["n"]) else int(row["n"]), value, row["reason"])


def test_a_rate_is_worked_out_from_the_unrounded_counts():
    assert published(430, 500) == (500, 0.86, "")  # 86.0%; rounded counts would give 430/500
    assert published(433, 502) == (500, 0.86, "")  # 86.3% to the nearest 1 per cent


def test_24_of_27_is_withheld_not_shown_as_100_per_cent():
    """Rounded to 25 of 25, the rate read 100.0%; at n of about 25 it is withheld."""
    assert published(24, 27) == (25, None, "small base")


def test_the_rate_is_given_to_the_nearest_5_per_cent_where_n_is_100_to_249():
    assert published(86, 100) == (100, 0.85, "")
    assert published(88, 100) == (100, 0.9, "")


def test_the_rate_is_given_to_the_nearest_2_per_cent_where_n_is_250_to_499():
    assert published(258, 300) == (300, 0.86, "")  # 86.0%
    assert published(261, 300) == (300, 0.88, "")  # 87.0%: half-way, up


def test_the_rate_is_given_to_the_nearest_half_per_cent_where_n_is_1000_to_4999():
    assert published(866, 1000) == (1000, 0.865, "")


def test_the_rate_is_given_to_the_nearest_tenth_of_a_per_cent_where_n_is_5000_or_more():
    assert published(4315, 5000) == (5000, 0.863, "")


def test_none_of_many_is_shown_as_0_per_cent():
    assert published(0, 40) == (40, 0.0, "")
    assert published(0, 900) == (900, 0.0, "")


def test_a_rate_close_to_0_or_100_per_cent_is_withheld():
    assert published(3, 600)[1:] == (None, "near 0% or 100%")  # 3 would be shown by 1%
    assert published(598, 600)[1:] == (None, "near 0% or 100%")  # 2 not counted
    assert published(600, 600)[1:] == (None, "near 0% or 100%")  # all: 100% is never shown


def test_a_withheld_n_withholds_its_rate():
    assert published(3, 5) == (None, None, "n withheld")


def test_england_is_published_as_it_is():
    out = published_rates([24], [27], national=True).iloc[0]
    assert int(out["n"]) == 27 and float(out["value"]) == pytest.approx(24 / 27)


def test_no_data_is_not_withheld():
    out = published_rates([0], [0]).iloc[0]
    assert out["no_data"] and not out["withheld"] and pd.isna(out["value"])


def test_rates_are_written_to_their_precision():
    assert rate_text(0.86, 0.01) == "86%"
    assert rate_text(0.85, 0.05) == "85%"
    assert rate_text(0.863, 0.001) == "86.3%"
    assert rate_text(0.865, 0.005) == "86.5%"
    assert rate_text(0.0, float("nan")) == "0%"


def test_a_step_finer_than_rounding_allows_is_refused():
    with pytest.raises(ArgumentError, match="step times n must be at least 5"):
        RatePrecision(steps=((100, 0.01),))
    with pytest.raises(ArgumentError, match="largest n first"):
        RatePrecision(steps=((100, 0.05), (500, 0.01)))
    RatePrecision(steps=((1000, 0.001),), rule=GMC)  # no rounding: 0.1% from 1,000


def test_the_note_states_each_precision_and_why_small_bases_are_withheld():
    note = RATE_PRECISION.note()
    assert "unrounded counts" in note and "nearest 5 per cent where n is 100 to 249" in note
    assert "Below an n of 100" in note and "[c]" not in note


def test_impossible_counts_are_refused():
    with pytest.raises(ArgumentError, match="above its denominator"):
        published_rates([5], [4])
    with pytest.raises(ArgumentError):
        published_rates([-1], [4])


# --------------------------------------------------------------------------- the proof


def every_count(bases) -> tuple[np.ndarray, np.ndarray]:
    """Every (numerator, denominator) with the denominator in ``bases``."""
    n = np.concatenate([np.full(b + 1, b) for b in bases])
    k = np.concatenate([np.arange(b + 1) for b in bases])
    return k, n


def what_a_reader_can_know(k: np.ndarray, n: np.ndarray) -> pd.DataFrame:
    """Group every possibility by what is published about it (n as shown, the rate as
    shown or withheld): per published cell, the distinct numerators, complements and
    bases it could have come from, worked out by brute force."""
    out = published_rates(k, n)
    frame = pd.DataFrame({
        "shown_n": out["n"].fillna(-1).astype("int64").to_numpy(),
        "rate": out["value"].astype(float).fillna(-1).round(6).to_numpy(),
        "k": k, "n": n, "c": n - k,
    })  # fmt: skip
    groups = frame.groupby(["shown_n", "rate"])
    return groups.agg(
        numerators=("k", "nunique"),
        complements=("c", "nunique"),
        bases=("n", "nunique"),
        smallest_k=("k", "min"),
        smallest_c=("c", "min"),
        largest_k=("k", "max"),
    ).reset_index()


def check_cells(known: pd.DataFrame, top: int) -> int:
    """Assert what a reader can know of each published cell; the number of shown rates."""
    fewest = NHS_DIGITAL.base  # rounding to 5 leaves a published count 5 possible values
    known = known[known["shown_n"] <= top - fewest]  # cells cut off by the range: not judged
    window = known.groupby("shown_n")["bases"].transform("max")
    shown = known[(known["rate"] >= 0) & (known["shown_n"] > 0)]
    zero = shown["largest_k"] == 0
    # A rate beside n never narrows n: every base that rounds to it stays possible.
    assert (shown["bases"] == window[shown.index]).all()
    # 0% is a numerator of 0, which the rule shows anyway; other rates leave the numerator
    # and the complement each at least 5 possible values, none of them 1 to 7.
    assert (shown.loc[~zero, "numerators"] >= fewest).all()
    assert (shown["complements"] >= fewest).all()
    assert (shown.loc[~zero, "smallest_k"] > NHS_DIGITAL.threshold).all()
    assert (shown["smallest_c"] > NHS_DIGITAL.threshold).all()
    # A withheld rate beside a shown n gives away no count: many remain possible.
    withheld = known[(known["rate"] < 0) & (known["shown_n"] > 0)]
    assert (withheld["numerators"] >= fewest).all() and (withheld["complements"] >= fewest).all()
    return len(shown)


def test_no_shown_rate_tells_a_count_more_exactly_than_rounding_does():
    """Every numerator and denominator up to 700 (n shown as 100-249: nearest 5 per cent;
    250-499: 2 per cent; 500-695: 1 per cent)."""
    top = 700
    assert check_cells(what_a_reader_can_know(*every_count(range(top + 1))), top) > 1000


@pytest.mark.slow
def test_no_shown_rate_tells_a_count_more_exactly_than_rounding_does_up_to_1300_and_at_5000():
    top = 1300
    assert check_cells(what_a_reader_can_know(*every_count(range(top + 1))), top) > 5000
    k, n = every_count(range(4980, 5061))  # the nearest 0.1 per cent begins at 5,000
    known = what_a_reader_can_know(k, n)
    known = known[known["shown_n"] >= 4985]  # cells cut off at the bottom: not judged
    assert check_cells(known, 5060) > 5000


def test_possible_counts_are_exactly_those_that_publish_the_same_cell():
    k, n = every_count(range(90, 131))
    out = published_rates(k, n)
    for n_shown, value in [(100, 0.85), (110, 0.6), (125, 0.8)]:
        mine = ((out["n"] == n_shown) & (out["value"].round(6) == value)).to_numpy(
            dtype=bool, na_value=False
        )
        found = set(zip(*possible_counts(n_shown, value, 0.05), strict=True))
        assert found == set(zip(k[mine], n[mine], strict=True))


def test_the_marker_note_says_a_rate_beside_its_n_comes_from_the_unrounded_counts():
    """Every page's glossary reads this note; it said all percentages came from rounded
    counts, no longer true of STPs' and providers' rates."""
    from heenb.disclosure import MARKER_NOTE

    assert "beside its n" in MARKER_NOTE and "unrounded counts" in MARKER_NOTE
    assert MARKER_NOTE.count(". ") == 0 and MARKER_NOTE.endswith(".")
