"""The raw data contract is declared as data (data/raw_sources.yml), read by
heenb/data/contract.py; a declaration that is not valid is one line naming where."""

from __future__ import annotations

import pytest
import yaml

from heenb.data.contract import DECLARATIONS, RAW_FILES, load_contract
from heenb.errors import BuildError


def test_every_raw_file_comes_from_the_declarations():
    declared = yaml.safe_load(DECLARATIONS.read_text(encoding="utf-8"))["sources"]
    assert [raw.name for raw in RAW_FILES] == [entry["name"] for entry in declared]
    assert load_contract() == RAW_FILES


def test_a_new_raw_file_needs_only_a_declaration(tmp_path):
    text = DECLARATIONS.read_text(encoding="utf-8") + (
        "  - name: vacancies\n"
        "    title: Vacancies\n"
        "    row_is: the vacancies of one local office in one month\n"
        "    key: [month, local_office]\n"
        "    period: month\n"
        "    series: [local_office]\n"
        "    columns:\n"
        "      - {name: month, kind: month, description: month}\n"
        "      - {name: local_office, kind: code, codes: [local_offices, local_office_code],"
        " description: office}\n"
        "      - {name: vacancies, kind: number, minimum: 0, maximum: 100000,"
        " description: FTE vacant}\n"
    )
    path = tmp_path / "raw_sources.yml"
    path.write_text(text, encoding="utf-8")
    files = {raw.name: raw for raw in load_contract(path)}
    assert files["vacancies"].column("local_office").codes == ("local_offices",
                                                               "local_office_code")  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("kind: year", "kind: yr", "column 'year': kind 'yr' is not one of"),
        ("key: [outcome_id]", "key: [outcome_key]", "unknown column(s) ['outcome_key']"),
        ("    row_is: one ARCP outcome", "    rows: one ARCP outcome", "unknown key(s) ['rows']"),
    ],
)
def test_a_bad_declaration_is_one_line_naming_the_source_and_column(tmp_path, old, new, message):
    path = tmp_path / "raw_sources.yml"
    path.write_text(DECLARATIONS.read_text(encoding="utf-8").replace(old, new, 1), "utf-8")
    with pytest.raises(BuildError) as caught:
        load_contract(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "raw_sources.yml, source 'arcp_outcomes'" in str(caught.value)
