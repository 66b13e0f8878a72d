"""Faults the raw-data contract must catch: values that cannot be true, ambiguous keys and
headers, control characters and text too long for a page.

Each test breaks one thing in a writable copy of the small demo data and reads
the problems back (rows as a spreadsheet shows them: the header is row 1).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from raw_edits import only_problem

from heenb.cli import main
from heenb.data.validate import longest_line, problems_in


def read(folder, name):
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def write(folder, name, table):
    table.to_csv(folder / name, index=False, lineterminator="\n")


def set_value(folder, name, row, column, value):
    """Set one cell; ``row`` is the spreadsheet row (the header is row 1)."""
    table = read(folder, name)
    table.loc[row - 2, column] = value
    write(folder, name, table)


TODAY = dt.date.today()


# --------------------------------------------------------------------------- dates and periods


def test_an_impossible_date_is_refused(data_copy):
    set_value(data_copy, "programme_updates.csv", 3, "milestone_due", "2023-02-30")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == (
        "programme_updates.csv", 3, "milestone_due"
    )  # fmt: skip
    assert "'2023-02-30' is not a date on the calendar" in problem.message


QUARTER = f"{TODAY.year}-Q{(TODAY.month + 2) // 3}"


@pytest.mark.parametrize(
    ("name", "column", "value", "valid"),
    [
        ("arcp_outcomes.csv", "year", "2099", f"years are 2009 to {TODAY.year}"),
        ("nets_responses.csv", "year", "1900", f"years are 2009 to {TODAY.year}"),
        ("workforce_fte.csv", "month", "2099-01", f"months are 2009-01 to {TODAY:%Y-%m}"),
        ("kpi_updates.csv", "quarter", "1999-Q4", f"quarters are 2009-Q1 to {QUARTER}"),
    ],
)
def test_a_period_outside_the_catalogue_years_and_the_build_date_is_refused(
    data_copy, name, column, value, valid
):
    set_value(data_copy, name, 2, column, value)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == (name, 2, column)
    assert f"'{value}' is outside the periods the data can cover: valid {valid}" in problem.message
    assert "2009 is the earliest year in the reference data" in problem.message
    assert f"nothing may be after the build date, {TODAY.isoformat()}" in problem.message


def test_next_month_is_after_the_build_date(data_copy):
    later = (TODAY.replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m")
    set_value(data_copy, "workforce_fte.csv", 2, "month", later)
    problem = only_problem(data_copy)
    assert f"'{later}' is outside the periods" in problem.message
    assert f"to {TODAY:%Y-%m}" in problem.message


def test_the_current_period_is_accepted(data_copy):
    set_value(data_copy, "kpi_updates.csv", 2, "quarter", QUARTER)
    assert problems_in(data_copy) == []


def test_a_due_date_a_few_years_ahead_is_accepted_but_not_one_in_2099(data_copy):
    set_value(data_copy, "programme_updates.csv", 2, "milestone_due", f"{TODAY.year + 2}-06-30")
    assert problems_in(data_copy) == []
    set_value(data_copy, "programme_updates.csv", 2, "milestone_due", "2099-06-30")
    problem = only_problem(data_copy)
    assert "'2099-06-30' is outside the periods the data can cover" in problem.message
    assert f"valid dates are 2009-01-01 to {TODAY.year + 10}-12-31" in problem.message
    assert "up to 10 years after the build date" in problem.message


# --------------------------------------------------------------------------- keys and headers


def test_keys_that_differ_only_in_case_are_refused_naming_both_rows(data_copy):
    table = read(data_copy, "arcp_outcomes.csv")
    first = table.loc[1, "outcome_id"]  # row 3
    table.loc[4, "outcome_id"] = first.lower()  # row 6
    write(data_copy, "arcp_outcomes.csv", table)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row) == ("arcp_outcomes.csv", 6)
    assert f"key ({first.lower()}) differs only in letter case from key ({first})" in (
        problem.message
    )
    assert "at row 3" in problem.message


def test_a_code_in_the_wrong_case_is_refused_with_the_code_meant(data_copy):
    set_value(data_copy, "workforce_fte.csv", 3, "local_office", "em")
    problem = only_problem(data_copy)
    assert (problem.row, problem.column) == (3, "local_office")
    assert "'em' is not a known code (codes are case-sensitive: did you mean 'EM'?)" in (
        problem.message
    )


def test_two_key_columns_differing_only_in_case_are_refused(data_copy):
    table = read(data_copy, "nets_responses.csv")
    table.loc[10, "respondent_id"] = table.loc[10, "respondent_id"].lower()
    duplicate = table.loc[[10]].assign(respondent_id=table.loc[10, "respondent_id"].upper())
    write(data_copy, "nets_responses.csv", pd.concat([table, duplicate], ignore_index=True))
    problem = only_problem(data_copy)
    assert problem.row == len(table) + 2
    assert "differs only in letter case" in problem.message
    assert "at row 12" in problem.message


def test_a_duplicated_header_name_is_refused_naming_the_column(data_copy):
    path = data_copy / "arcp_outcomes.csv"
    rows = path.read_text().splitlines()
    rows = [row + "," + row.split(",")[2] for row in rows]  # local_office again, at the end
    path.write_text("\n".join(rows) + "\n")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("arcp_outcomes.csv", 1, "local_office")
    assert "appears 2 times in the header (columns 3 and 7)" in problem.message


def test_a_header_name_repeated_with_a_space_is_a_duplicate(data_copy):
    path = data_copy / "ppi_activities.csv"
    rows = path.read_text().splitlines()
    rows = [rows[0] + ", count"] + [row + ",1" for row in rows[1:]]
    path.write_text("\n".join(rows) + "\n")
    problem = only_problem(data_copy)
    assert (problem.file, problem.column) == ("ppi_activities.csv", "count")
    assert "appears 2 times in the header" in problem.message


# --------------------------------------------------------------------------- control characters


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_a_narrative_is_refused(data_copy, character):
    table = read(data_copy, "kpi_updates.csv")
    table.loc[2, "narrative"] = "On track" + character + "so far."
    write(data_copy, "kpi_updates.csv", table)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("kpi_updates.csv", 4, "narrative")
    assert f"control character U+{ord(character):04X} at character 9" in problem.message


def test_a_narrative_may_hold_line_breaks_and_tabs(data_copy):
    table = read(data_copy, "kpi_updates.csv")
    table.loc[2, "narrative"] = "First paragraph.\n\nSecond\tparagraph.\r\nThird."
    write(data_copy, "kpi_updates.csv", table)
    assert problems_in(data_copy) == []


def test_a_line_break_in_a_project_name_is_refused(data_copy):
    table = read(data_copy, "programme_projects.csv")
    table.loc[0, "project"] = "Two\nlines"
    write(data_copy, "programme_projects.csv", table)
    problem = only_problem(data_copy)
    assert (problem.row, problem.column) == (2, "project")
    assert "control character U+000A" in problem.message
    assert "no tabs or line breaks" in problem.message


def test_a_nul_in_an_identifier_is_refused(data_copy):
    set_value(data_copy, "arcp_outcomes.csv", 5, "outcome_id", "A\x00B")
    problem = only_problem(data_copy)
    assert (problem.row, problem.column) == (5, "outcome_id")
    assert "U+0000" in problem.message


# --------------------------------------------------------------------------- text length


def test_a_narrative_longer_than_the_limit_is_refused_stating_the_limit(data_copy):
    table = read(data_copy, "programme_updates.csv")
    table.loc[0, "narrative"] = "x" * 20_001
    table.loc[1, "narrative"] = "y" * 20_000  # at the limit: allowed
    write(data_copy, "programme_updates.csv", table)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("programme_updates.csv", 2, "narrative")
    assert "is 20,001 characters long; this column allows at most 20,000" in problem.message


def test_a_name_has_a_much_smaller_limit(data_copy):
    set_value(data_copy, "programme_projects.csv", 2, "lead", "L" * 201)
    problem = only_problem(data_copy)
    assert problem.column == "lead"
    assert "at most 200" in problem.message


def test_heenb_validate_refuses_a_huge_text_field_without_a_traceback(data_copy, capsys):
    table = read(data_copy, "kpi_updates.csv")
    table.loc[2, "narrative"] = "z\n" * 1_000_000
    write(data_copy, "kpi_updates.csv", table)
    assert main(["validate", "--data", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "kpi_updates.csv, row 4: holds a value more than 200,000 characters long; "
        "no column of this file allows more than 20,000"
    ) in err
    assert len(err) < 5_000  # the text itself is never echoed


@pytest.mark.parametrize("cell", ["z" * 300_000, "z\n" * 150_000])
def test_a_huge_text_field_is_refused_before_pandas_reads_the_file(data_copy, monkeypatch, cell):
    read_csv = pd.read_csv

    def read_all_but_the_huge_file(path, *args, **kwargs):
        assert not str(path).endswith("programme_updates.csv"), "the file was read whole"
        return read_csv(path, *args, **kwargs)

    table = read(data_copy, "programme_updates.csv")
    table.loc[0, "narrative"] = cell
    write(data_copy, "programme_updates.csv", table)
    monkeypatch.setattr(pd, "read_csv", read_all_but_the_huge_file)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("programme_updates.csv", 2, None)
    assert "more than 200,000 characters long" in problem.message


def test_a_huge_value_in_a_one_line_file_is_refused_before_pandas_reads_it(data_copy, monkeypatch):
    read_csv = pd.read_csv

    def read_all_but_the_huge_file(path, *args, **kwargs):
        where = str(getattr(path, "name", path))  # a path, or a handle on one
        assert not where.endswith("programme_projects.csv"), "the file was read whole"
        return read_csv(path, *args, **kwargs)

    set_value(data_copy, "programme_projects.csv", 4, "lead", "L" * 1_000_001)
    monkeypatch.setattr(pd, "read_csv", read_all_but_the_huge_file)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("programme_projects.csv", 4, None)
    assert "a line of this file may be at most 1,000,000" in problem.message


@pytest.mark.parametrize("chunk", [3, 7, 1 << 24])
def test_longest_line_finds_the_longest_line_across_chunks(tmp_path, chunk):
    path = tmp_path / "f.csv"
    path.write_bytes(b"ab\nabcdefghij\n\nabc\nabcdefghijkl")
    assert longest_line(path, chunk) == (12, 5)
    path.write_bytes(b"abcdefghij\nab\n")
    assert longest_line(path, chunk) == (10, 1)
