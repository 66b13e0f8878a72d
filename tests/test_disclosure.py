"""Disclosure control: no learner can be identified from a small count."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from heenb.disclosure import (
    GMC,
    MARKER,
    MARKER_NOTE,
    NHS_DIGITAL,
    DisclosureRule,
    display,
    protect,
    protected_percentage,
    suppress,
    suppress_table,
)
from heenb.errors import ArgumentError


def shown(count, rule=NHS_DIGITAL):
    """What a single count is published as (None when withheld)."""
    value = suppress([count], rule).iloc[0]
    return None if value is pd.NA else int(value)


# --------------------------------------------------------------------------- single counts


def test_a_count_of_0_stays_0():
    assert shown(0) == 0


def test_a_count_of_1_is_withheld():
    assert shown(1) is None


def test_a_count_of_7_is_withheld():
    assert shown(7) is None


def test_a_count_of_8_is_shown_as_10():
    assert shown(8) == 10


def test_a_count_of_12_is_shown_as_10():
    assert shown(12) == 10


def test_a_count_of_13_is_shown_as_15():
    assert shown(13) == 15


def test_a_count_of_1234_is_shown_as_1235():
    assert shown(1234) == 1235


def test_half_way_counts_round_up_when_the_base_is_even():
    assert shown(15, DisclosureRule(threshold=7, base=10)) == 20


def test_the_gmc_withholds_a_group_of_2():
    assert shown(2, GMC) is None


def test_the_gmc_shows_a_group_of_3_as_it_is():
    assert shown(3, GMC) == 3


def test_england_figures_are_shown_as_they_are():
    assert suppress([3, 12], national=True).tolist() == [3, 12]


def test_suppressed_counts_are_nullable_integers_with_the_index_kept():
    counts = pd.Series([3, 12], index=["Wessex", "Thames Valley"], name="learners")
    out = suppress(counts)
    assert out.dtype == "Int64"
    assert list(out.index) == ["Wessex", "Thames Valley"]
    assert out.name == "learners"
    assert out.isna().tolist() == [True, False]


def test_suppress_accepts_a_numpy_array_of_whole_floats():
    assert suppress(np.array([8.0, 0.0])).tolist() == [10, 0]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([5, -1], "negative at position 1"),
        ([5, 2.5], "is 2.5 at position 1; counts must be whole numbers"),
        ([5, float("nan")], "missing"),
        (["five"], "numbers"),
        ([True, False], "True/False"),
        (pd.Series([3, -2], index=["a", "b"]), "negative at row 'b'"),
    ],
)
def test_impossible_counts_are_refused(counts, message):
    with pytest.raises(ArgumentError, match=message):
        suppress(counts)


def test_a_rule_must_be_a_disclosure_rule():
    with pytest.raises(ArgumentError, match="DisclosureRule"):
        suppress([1], rule=7)


@pytest.mark.parametrize(("threshold", "base"), [(-1, 5), (7, 0), (7, 2.5), (True, 5)])
def test_a_rule_needs_a_whole_threshold_and_a_positive_whole_base(threshold, base):
    with pytest.raises(ArgumentError, match="DisclosureRule"):
        DisclosureRule(threshold=threshold, base=base)


def test_a_rule_may_not_round_a_small_count_down_to_zero():
    with pytest.raises(ArgumentError, match="rounded to 0"):
        DisclosureRule(threshold=1, base=5)


def test_rules_cannot_be_changed_after_they_are_made():
    with pytest.raises(dataclasses.FrozenInstanceError):
        NHS_DIGITAL.threshold = 3  # type: ignore[misc]


# --------------------------------------------------------------------------- percentages


def test_a_percentage_is_computed_from_the_rounded_counts():
    # 12 of 40 is 30%, but published as 10 of 40: 25%.
    assert protected_percentage([12], [40]).iloc[0] == 25.0


def test_a_percentage_with_a_withheld_numerator_is_withheld():
    assert protected_percentage([5], [40]).isna().iloc[0]


def test_a_percentage_with_a_withheld_denominator_is_withheld():
    assert protected_percentage([0], [6]).isna().iloc[0]


def test_a_percentage_of_nobody_is_withheld():
    assert protected_percentage([0], [0]).isna().iloc[0]


def test_a_percentage_of_none_of_many_is_0():
    assert protected_percentage([0], [40]).iloc[0] == 0.0


def test_an_england_percentage_uses_the_exact_counts():
    assert protected_percentage([12], [40], national=True).iloc[0] == 30.0


def test_a_percentage_needs_numerators_no_larger_than_denominators():
    with pytest.raises(ArgumentError, match=r"numerator \(50\) is larger"):
        protected_percentage([50], [40])


def test_a_percentage_needs_numerators_and_denominators_of_the_same_length():
    with pytest.raises(ArgumentError, match="same length"):
        protected_percentage([5, 6], [40])


# --------------------------------------------------------------------------- tables


def test_a_lone_small_cell_in_a_row_forces_a_second_cell_to_be_withheld():
    table = pd.DataFrame(
        {"outcome 1": [3, 30], "outcome 2": [20, 40], "outcome 3": [50, 60]},
        index=["Wessex", "Thames Valley"],
    )
    out = suppress_table(table)
    assert out.loc["Wessex"].isna().sum() == 2
    assert out.loc["Wessex", "outcome 2"] is pd.NA  # the smallest other cell, 20


def test_a_zero_is_never_used_to_hide_a_small_cell():
    table = pd.DataFrame({"a": [3, 30], "b": [0, 40], "c": [50, 60]})
    out = suppress_table(table)
    assert out.loc[0, "b"] == 0
    assert out.loc[0, "c"] is pd.NA


def test_totals_are_computed_from_the_original_counts_then_rounded():
    table = pd.DataFrame({"a": [12, 12], "b": [12, 12]})  # each shown as 10
    out = suppress_table(table)
    assert out.loc[0, "Total"] == 25  # 24, not 10 + 10
    assert out.loc["Total", "Total"] == 50  # 48


def test_a_table_without_totals_has_the_shape_of_the_input():
    table = pd.DataFrame({"a": [12, 3], "b": [12, 40]}, index=["x", "y"])
    out = suppress_table(table, show_totals=False)
    assert out.shape == (2, 2)
    assert list(out.index) == ["x", "y"]


def test_a_table_without_totals_is_still_protected_against_totals_published_elsewhere():
    table = pd.DataFrame({"a": [12, 3], "b": [12, 40]})
    assert suppress_table(table, show_totals=False).isna().sum().sum() >= 2


def test_a_protected_table_keeps_the_names_of_its_rows_and_columns():
    table = pd.DataFrame({"2022": [12, 3], "2023": [12, 40]}, index=["visit", "panel"])
    table = table.rename_axis(index="activity", columns="year")
    out = suppress_table(table)
    assert (out.index.name, out.columns.name) == ("activity", "year")
    assert list(out.index) == ["visit", "panel", "Total"]


def test_a_protected_table_is_nullable_integers():
    out = suppress_table(pd.DataFrame({"a": [12, 3], "b": [12, 40]}))
    assert (out.dtypes == "Int64").all()


def test_the_total_label_must_be_new():
    with pytest.raises(ArgumentError, match="total_label"):
        suppress_table(pd.DataFrame({"Total": [1, 2]}))


def test_a_bad_cell_is_named_by_column_and_row():
    table = pd.DataFrame({"a": [1, 2], "b": [3, -4]}, index=["x", "y"])
    with pytest.raises(ArgumentError, match="column 'b' is negative at row 'y'"):
        suppress_table(table)


def test_an_entry_that_could_be_solved_by_combining_rows_and_columns_is_protected():
    # Each row and column below has 0 or at least 2 small cells, but cell (1, 2)
    # joins two separate blocks of withheld cells: rows 0-1 and columns 0-1 give
    # the sum of its row's other withheld cells, so it could be worked out.
    table = pd.DataFrame([[3, 3, 50, 60], [3, 3, 4, 70], [50, 60, 3, 3], [40, 70, 3, 3]])
    out = suppress_table(table)
    assert not solvable_entries(out)


# --------------------------------------------------------------------------- England


def test_protect_leaves_england_alone_and_protects_every_region():
    table = pd.DataFrame(
        {
            "area": ["England", "London", "Midlands"],
            "learners": [5, 5, 13],
            "year": [2023, 2023, 2023],
        }
    )
    out = protect(table, "area", "learners")
    assert out["learners"].tolist()[0] == 5
    assert out["learners"].isna().tolist() == [False, True, False]
    assert out["learners"].tolist()[2] == 15
    assert out["year"].tolist() == [2023, 2023, 2023]


def test_protect_names_a_missing_column():
    with pytest.raises(ArgumentError, match="no column 'learners'"):
        protect(pd.DataFrame({"area": ["England"]}), "area", "learners")


# --------------------------------------------------------------------------- display


def test_withheld_figures_are_displayed_as_the_ons_confidential_marker():
    assert MARKER == "[c]"
    assert display(suppress([3, 1234])).tolist() == ["[c]", "1,235"]


def test_percentages_are_displayed_to_one_decimal_place():
    assert display(protected_percentage([10, 5], [30, 30])).tolist() == ["33.3", "[c]"]


def test_display_keeps_text_columns_as_they_are():
    table = pd.DataFrame({"area": ["London"], "learners": suppress([3])})
    assert display(table).loc[0].tolist() == ["London", "[c]"]


def test_the_marker_note_is_one_sentence_explaining_the_rule():
    assert MARKER_NOTE.startswith("[c] ")
    assert MARKER_NOTE.count(". ") == 0 and MARKER_NOTE.endswith(".")
    assert "1 to 7" in MARKER_NOTE and "nearest 5" in MARKER_NOTE


# --------------------------------------------------------------------------- properties


def solvable_entries(out: pd.DataFrame) -> list[tuple[int, int]]:
    """Withheld entries whose value follows from the shown figures by linear algebra.

    The unknowns are the withheld entries of the table with totals; each row
    and each column is an equation (cells minus total = 0). An unknown is
    determined exactly when its column of the equation matrix is not in the
    span of the other unknowns' columns.
    """
    withheld = out.isna().to_numpy()
    n_rows, n_cols = withheld.shape
    unknowns = list(zip(*np.nonzero(withheld), strict=True))
    if not unknowns:
        return []
    equations = np.zeros((n_rows + n_cols, len(unknowns)))
    for k, (i, j) in enumerate(unknowns):
        equations[i, k] = -1 if j == n_cols - 1 else 1
        equations[n_rows + j, k] = -1 if i == n_rows - 1 else 1
    rank = np.linalg.matrix_rank(equations)
    return [
        unknowns[k]
        for k in range(len(unknowns))
        if np.linalg.matrix_rank(np.delete(equations, k, axis=1)) < rank
    ]


# Many small values, as in real tables of learners by outcome and local office.
small_counts = st.one_of(st.integers(0, 8), st.integers(0, 60))
tables = (
    st.tuples(st.integers(1, 5), st.integers(1, 5))
    .flatmap(lambda shape: arrays(np.int64, shape, elements=small_counts))
    .map(pd.DataFrame)
)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_visible_count_is_between_1_and_7(table):
    values = suppress_table(table).to_numpy(dtype=float, na_value=np.nan)
    assert not ((values >= 1) & (values <= 7)).any()


@settings(max_examples=200, deadline=None)
@given(tables)
def test_visible_counts_are_0_or_multiples_of_5(table):
    values = suppress_table(table).to_numpy(dtype=float, na_value=np.nan)
    visible = values[~np.isnan(values)]
    assert (visible % 5 == 0).all()


@settings(max_examples=200, deadline=None)
@given(tables)
def test_zero_stays_zero(table):
    out = suppress_table(table, show_totals=False)
    assert (out.to_numpy(dtype=float, na_value=np.nan)[table.to_numpy() == 0] == 0).all()


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_row_or_column_has_exactly_one_withheld_cell_beside_a_shown_total(table):
    out = suppress_table(table)
    withheld = out.isna().to_numpy()
    lines = [withheld[i, :] for i in range(withheld.shape[0])] + [
        withheld[:, j] for j in range(withheld.shape[1])
    ]
    for line in lines:
        cells, total = line[:-1], line[-1]
        assert total or cells.sum() != 1
        assert not total or cells.sum() >= 1  # a withheld total is not the sum of shown cells


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_withheld_figure_can_be_worked_out_from_the_figures_shown(table):
    assert solvable_entries(suppress_table(table)) == []


@settings(max_examples=100, deadline=None)
@given(tables)
def test_shown_figures_are_the_rounded_originals_and_totals_the_rounded_sums(table):
    out = suppress_table(table)
    full = table.copy()
    full["Total"] = table.sum(axis=1)
    full.loc["Total"] = full.sum(axis=0)
    expected = (2 * full.to_numpy() + 5) // 10 * 5
    values = out.to_numpy(dtype=float, na_value=np.nan)
    visible = ~np.isnan(values)
    assert (values[visible] == expected[visible]).all()
