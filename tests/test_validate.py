"""Validation: every bad raw file is reported by file, row, column and what would be valid.

Each test breaks one thing in a writable copy of the small demo data and reads
the problems back. Rows are numbered as a spreadsheet shows them: the header
is row 1 and the first record row 2.
"""

from __future__ import annotations

import pandas as pd
import pytest
from raw_edits import only_problem

from heenb.cli import main
from heenb.data.validate import problems_in, read_raw
from heenb.errors import DataValidationError

LOCAL_OFFICE_CODES = ["NE", "YH", "NW", "EM", "WM", "EOE", "NCEL", "NWL", "SL", "KSS", "TV",
                      "WX", "SW"]  # fmt: skip


def lines(folder, name):
    return (folder / name).read_text(encoding="utf-8").splitlines()


def write_lines(folder, name, rows):
    (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")


def set_cell(folder, name, row, column, value):
    """Change one cell; ``row`` is the spreadsheet row (the header is row 1)."""
    rows = lines(folder, name)
    header = rows[0].split(",")
    cells = rows[row - 1].split(",")
    cells[header.index(column)] = value
    rows[row - 1] = ",".join(cells)
    write_lines(folder, name, rows)


def cell(folder, name, row, column):
    rows = lines(folder, name)
    return rows[row - 1].split(",")[rows[0].split(",").index(column)]


# --------------------------------------------------------------------------- good data


def test_the_demo_data_has_no_problems(demo_dir):
    assert problems_in(demo_dir) == []


def test_valid_data_is_read_into_typed_tables(demo_dir):
    tables = read_raw(demo_dir)
    assert set(tables) == {
        "arcp_outcomes", "nets_responses", "workforce_fte", "kpi_updates",
        "programme_projects", "programme_updates", "ppi_activities", "demographics",
    }  # fmt: skip
    assert tables["nets_responses"]["answer"].dtype == "int64"
    assert tables["arcp_outcomes"]["year"].dtype == "int64"
    assert tables["workforce_fte"]["fte"].dtype == "float64"
    assert set(tables["arcp_outcomes"]["outcome"]) >= {"10.1", "10.2"}  # codes stay text


# --------------------------------------------------------------------------- columns


def test_a_missing_column_is_named_with_the_columns_the_header_needs(data_copy):
    table = pd.read_csv(data_copy / "arcp_outcomes.csv", dtype=str, keep_default_na=False)
    table.drop(columns="specialty_group").to_csv(data_copy / "arcp_outcomes.csv", index=False)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == (
        "arcp_outcomes.csv", 1, "specialty_group"
    )  # fmt: skip
    assert "missing" in problem.message
    assert "outcome_id, year, local_office, provider, specialty_group, outcome" in problem.message


def test_a_word_in_a_numeric_column_is_reported_with_its_row(data_copy):
    set_cell(data_copy, "nets_responses.csv", 3, "answer", "four")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("nets_responses.csv", 3, "answer")
    assert "'four' is not a whole number" in problem.message


def test_an_answer_off_the_five_point_scale_says_what_is_valid(data_copy):
    set_cell(data_copy, "nets_responses.csv", 4, "answer", "6")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("nets_responses.csv", 4, "answer")
    assert "6 is out of range" in problem.message
    assert "1 to 5" in problem.message


def test_a_fractional_answer_is_not_a_whole_number(data_copy):
    set_cell(data_copy, "nets_responses.csv", 2, "answer", "4.5")
    assert "'4.5' is not a whole number" in only_problem(data_copy).message


def test_a_negative_fte_is_out_of_range(data_copy):
    set_cell(data_copy, "workforce_fte.csv", 2, "fte", "-1")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("workforce_fte.csv", 2, "fte")
    assert "out of range" in problem.message


def test_an_unknown_local_office_lists_the_valid_codes(data_copy):
    set_cell(data_copy, "arcp_outcomes.csv", 5, "local_office", "XX")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("arcp_outcomes.csv", 5, "local_office")
    assert "'XX' is not a known code" in problem.message
    assert "valid: " + ", ".join(LOCAL_OFFICE_CODES) in problem.message


def test_an_unknown_arcp_outcome_code_lists_the_gold_guide_codes(data_copy):
    set_cell(data_copy, "arcp_outcomes.csv", 2, "outcome", "10.3")
    problem = only_problem(data_copy)
    assert problem.column == "outcome"
    assert "'10.3' is not a known code" in problem.message
    assert "10.1, 10.2" in problem.message


def test_an_empty_required_value_is_reported(data_copy):
    set_cell(data_copy, "arcp_outcomes.csv", 2, "year", "")
    problem = only_problem(data_copy)
    assert (problem.row, problem.column) == (2, "year")
    assert "a value is required" in problem.message


def test_an_empty_optional_value_is_allowed(data_copy):
    set_cell(data_copy, "kpi_updates.csv", 2, "assurance", "")
    assert problems_in(data_copy) == []


def test_a_quarter_written_without_a_hyphen_shows_the_format(data_copy):
    set_cell(data_copy, "kpi_updates.csv", 2, "quarter", "2021Q1")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("kpi_updates.csv", 2, "quarter")
    assert "'2021Q1' is not a quarter written YYYY-Qn, such as 2023-Q2" in problem.message


def test_a_month_thirteen_is_not_a_month(data_copy):
    set_cell(data_copy, "workforce_fte.csv", 2, "month", "2023-13")
    problem = only_problem(data_copy)
    assert problem.column == "month"
    assert "YYYY-MM" in problem.message


# --------------------------------------------------------------------------- whole files


def test_a_file_that_is_not_utf8_is_named(data_copy):
    (data_copy / "arcp_outcomes.csv").write_bytes(
        b"outcome_id,year,local_office,specialty_group,outcome\nA\xe90001,2020,EM,surgery,1\n"
    )
    problem = only_problem(data_copy)
    assert (problem.file, problem.row) == ("arcp_outcomes.csv", None)
    assert "not UTF-8" in problem.message
    assert "save it as CSV UTF-8" in problem.message


def test_a_file_saved_with_a_byte_order_mark_is_read(data_copy):
    path = data_copy / "kpi_updates.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert problems_in(data_copy) == []


def test_an_empty_file_needs_a_header_naming_the_columns(data_copy):
    (data_copy / "ppi_activities.csv").write_bytes(b"")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row) == ("ppi_activities.csv", None)
    assert "is empty" in problem.message
    assert "local_office, quarter, activity_type, count" in problem.message


def test_a_missing_file_is_named_with_the_folder_searched(data_copy):
    (data_copy / "demographics.csv").unlink()
    problem = only_problem(data_copy)
    assert problem.file == "demographics.csv"
    assert "file not found" in problem.message
    assert str(data_copy) in problem.message


def test_a_row_with_too_many_fields_is_an_unreadable_csv(data_copy):
    rows = lines(data_copy, "arcp_outcomes.csv")
    rows[4] += ",extra"
    write_lines(data_copy, "arcp_outcomes.csv", rows)
    problem = only_problem(data_copy)
    assert problem.file == "arcp_outcomes.csv"
    assert "not a readable CSV file" in problem.message
    assert "line 5" in problem.message


def test_a_missing_data_folder_says_how_to_point_at_one(tmp_path):
    problems = problems_in(tmp_path / "no-such-folder")
    assert len(problems) == 1
    assert "does not exist" in problems[0].message
    assert "HEENB_DATA" in problems[0].message


def test_problems_in_every_file_are_reported_together(data_copy):
    (data_copy / "demographics.csv").unlink()
    set_cell(data_copy, "nets_responses.csv", 3, "answer", "four")
    assert {p.file for p in problems_in(data_copy)} == {"demographics.csv", "nets_responses.csv"}


# --------------------------------------------------------------------------- keys


def test_a_duplicate_outcome_id_names_the_row_where_it_first_appears(data_copy):
    first = cell(data_copy, "arcp_outcomes.csv", 3, "outcome_id")
    set_cell(data_copy, "arcp_outcomes.csv", 6, "outcome_id", first)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row) == ("arcp_outcomes.csv", 6)
    assert f"duplicate key ({first})" in problem.message
    assert "the same key is at row 3" in problem.message


def test_a_respondent_answering_one_item_twice_is_a_duplicate_key(data_copy):
    rows = lines(data_copy, "nets_responses.csv")
    rows.append(rows[3])  # row 4 again, as the last row
    write_lines(data_copy, "nets_responses.csv", rows)
    respondent, _, _, _, _, item, _ = rows[3].split(",")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row) == ("nets_responses.csv", len(rows))
    assert f"duplicate key ({respondent}, {item})" in problem.message
    assert "respondent_id, item" in problem.message
    assert "the same key is at row 4" in problem.message


def test_a_duplicate_key_differing_only_by_spaces_is_still_a_duplicate(data_copy):
    first = cell(data_copy, "arcp_outcomes.csv", 3, "outcome_id")
    set_cell(data_copy, "arcp_outcomes.csv", 6, "outcome_id", f" {first}")
    problem = only_problem(data_copy)
    assert "duplicate key" in problem.message


# --------------------------------------------------------------------------- references


def test_an_update_for_an_unknown_project_is_reported(data_copy):
    set_cell(data_copy, "programme_updates.csv", 2, "project_id", "P999")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == (
        "programme_updates.csv", 2, "project_id"
    )  # fmt: skip
    assert "project 'P999' is not in programme_projects.csv" in problem.message


def test_a_dependency_on_an_unknown_project_is_reported(data_copy):
    table = pd.read_csv(data_copy / "programme_projects.csv", dtype=str, keep_default_na=False)
    table.loc[1, "depends_on"] = "P001; P998"
    table.to_csv(data_copy / "programme_projects.csv", index=False)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == (
        "programme_projects.csv", 3, "depends_on"
    )  # fmt: skip
    assert "unknown project(s) P998" in problem.message


# --------------------------------------------------------------------------- many rows


def test_many_bad_rows_are_summarised_not_listed(data_copy):
    table = pd.read_csv(data_copy / "nets_responses.csv", dtype=str, keep_default_na=False)
    table.loc[:19, "answer"] = "9"  # rows 2 to 21
    table.to_csv(data_copy / "nets_responses.csv", index=False)
    problems = problems_in(data_copy)
    listed = [p for p in problems if p.row is not None]
    assert [p.row for p in listed] == [2, 3, 4, 5, 6]
    (summary,) = [p for p in problems if p.row is None]
    assert summary.column == "answer"
    assert "15 more row(s)" in summary.message
    assert "from row 7 on" in summary.message


def test_the_error_message_counts_problems_beyond_the_first_twenty(data_copy):
    for name in ("arcp_outcomes", "nets_responses", "workforce_fte", "demographics"):
        table = pd.read_csv(data_copy / f"{name}.csv", dtype=str, keep_default_na=False)
        table.loc[:9, "local_office"] = "XX"
        table.loc[:9, "year" if "year" in table else "month"] = "later"
        table.to_csv(data_copy / f"{name}.csv", index=False)
    with pytest.raises(DataValidationError) as caught:
        read_raw(data_copy)
    message = str(caught.value)
    assert f"with {len(caught.value.problems)} problem(s)" in message
    assert f"and {len(caught.value.problems) - 20} more problem(s)" in message
    assert "no report was built or changed" in message


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(data_copy):
    rows = lines(data_copy, "nets_responses.csv")
    rows.insert(2, "")  # a blank spreadsheet row 3
    write_lines(data_copy, "nets_responses.csv", rows)
    set_cell(data_copy, "nets_responses.csv", 6, "answer", "four")
    assert only_problem(data_copy).row == 6


# --------------------------------------------------------------------------- heenb validate


def test_heenb_validate_exits_0_on_good_data(demo_dir, capsys):
    assert main(["validate", "--data", str(demo_dir)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out
    assert "arcp_outcomes" in out


def test_heenb_validate_uses_heenb_data_by_default(capsys):
    assert main(["validate"]) == 0
    assert "valid" in capsys.readouterr().out


def test_heenb_validate_exits_1_with_the_problems_and_no_traceback(data_copy, capsys):
    set_cell(data_copy, "nets_responses.csv", 3, "answer", "four")
    assert main(["validate", "--data", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "nets_responses.csv, row 3, column 'answer': 'four' is not a whole number" in err


def test_heenb_validate_of_a_missing_folder_exits_1_without_traceback(tmp_path, capsys):
    assert main(["validate", "--data", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "does not exist" in err


# --------------------------------------------------------------------------- missing periods


def drop_rows(folder, name, keep):
    table = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    table[keep(table)].to_csv(folder / name, index=False, lineterminator="\n")


def test_heenb_validate_warns_of_a_year_missing_from_a_source_and_exits_0(data_copy, capsys):
    drop_rows(data_copy, "arcp_outcomes.csv", lambda t: t["year"] != "2020")
    assert main(["validate", "--data", str(data_copy)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out
    assert "1 warning(s) of missing periods below" in out
    assert (
        "arcp_outcomes.csv: WARNING: every area and measure: no data for 2020 "
        "(the series runs from 2017 to 2024)"
    ) in out


def test_heenb_validate_names_the_area_and_measure_of_a_gap(data_copy, capsys):
    drop_rows(
        data_copy,
        "nets_responses.csv",
        lambda t: ~((t["local_office"] == "NE") & (t["item"] == "overall") & (t["year"] == "2021")),
    )
    assert main(["validate", "--data", str(data_copy)]) == 0
    out = capsys.readouterr().out
    assert "nets_responses.csv: WARNING: local_office 'NE', item 'overall': no data for 2021" in out


def test_heenb_validate_on_the_demo_data_warns_of_nothing(demo_dir, capsys):
    assert main(["validate", "--data", str(demo_dir)]) == 0
    assert "WARNING" not in capsys.readouterr().out


# --------------------------------------------------------------------------- providers


def test_an_unknown_provider_is_named_with_file_row_and_a_close_code(data_copy):
    set_cell(data_copy, "arcp_outcomes.csv", 4, "provider", "RBX")
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("arcp_outcomes.csv", 4, "provider")
    assert problem.message.startswith("'RBX' is not a known code (did you mean 'R")
    assert "valid: the 137 codes in data/reference/providers.csv" in problem.message


def test_a_provider_in_the_wrong_case_is_named_with_the_code_meant(data_copy):
    code = cell(data_copy, "nets_responses.csv", 2, "provider")
    set_cell(data_copy, "nets_responses.csv", 2, "provider", code.lower())
    problem = only_problem(data_copy)
    assert f"(codes are case-sensitive: did you mean '{code}'?)" in problem.message


def test_a_missing_provider_is_refused(data_copy):
    set_cell(data_copy, "nets_responses.csv", 3, "provider", "")
    problem = only_problem(data_copy)
    assert (problem.row, problem.column) == (3, "provider")
    assert "is empty; a value is required" in problem.message


def test_a_provider_outside_the_rows_local_office_is_refused(data_copy, catalogue):
    office = cell(data_copy, "arcp_outcomes.csv", 5, "local_office")
    elsewhere = "RBL" if office != "NW" else "RTH"  # Wirral (North West), Oxford (Thames Valley)
    set_cell(data_copy, "arcp_outcomes.csv", 5, "provider", elsewhere)
    problem = only_problem(data_copy)
    assert (problem.file, problem.row, problem.column) == ("arcp_outcomes.csv", 5, "provider")
    home = catalogue.office_of_provider[elsewhere]
    assert f"provider '{elsewhere}' is in local office {home}" in problem.message
    assert f"not in the row's local office {office}" in problem.message


# --------------------------------------------------------------------------- reading in chunks


def test_a_file_read_in_chunks_is_the_file_read_whole(tmp_path):
    """Values coded chunk by chunk agree across chunks, are stripped, and a short row's
    missing cell reads as empty."""
    from heenb.data.validate import read_coded

    path = tmp_path / "some.csv"
    path.write_text("a,b\nx, 1\n y,2\nx ,1\n\nz\ny,3\n", encoding="utf-8")
    for chunk_rows in (1, 2, 3, 100):
        table = read_coded(path, chunk_rows=chunk_rows)
        assert table["a"].astype(str).tolist() == ["x", "y", "x", "", "z", "y"], chunk_rows
        assert table["b"].astype(str).tolist() == ["1", "2", "1", "", "", "3"], chunk_rows
        assert table["a"].cat.categories.is_unique


def test_a_big_file_is_checked_across_chunks(data_copy, monkeypatch):
    """A duplicate key in another chunk, and a bad code in a later one, are still found."""
    from heenb.data import validate

    monkeypatch.setattr(validate, "CHUNK_ROWS", 1000)
    calls = []
    original = validate.read_coded
    monkeypatch.setattr(validate, "read_coded", lambda *a: calls.append(a) or original(*a))
    rows = lines(data_copy, "arcp_outcomes.csv")
    rows[2500] = rows[2500].replace(rows[2500].split(",")[0], rows[10].split(",")[0], 1)
    write_lines(data_copy, "arcp_outcomes.csv", rows)
    set_cell(data_copy, "arcp_outcomes.csv", 4001, "outcome", "11")
    problems = {(p.row, p.column) for p in problems_in(data_copy)}
    assert problems == {(2501, None), (4001, "outcome")}
    assert calls  # the files were read by read_coded, 1,000 rows at a time
