"""The report plan: one job per objective and per area, checked before any work starts."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from heenb import paths
from heenb.cli import main
from heenb.errors import BuildError
from heenb.plan import declared_parameters, load_plan, select, warm_up_imports
from heenb.publish.kernels import warm_up_code

OBJECTIVES = ["quality-framework", "maternity", "learner-voice", "cross-cutting",
              "restoration-recovery"]  # fmt: skip
AREAS = ["Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63", "NE", "YH", "NW", "EM", "WM", "EOE",
         "NCEL", "NWL", "SL", "KSS", "TV", "WX", "SW"]  # fmt: skip

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
OBJECTIVE_ENTRY = """\
  - name: {name}
    title: Objective reports
    notebook: {notebook}
    parameter: objective
    check: objective
    values: {values}
    output: {output}
"""


def plan_file(tmp_path, *entries, text=None):
    """Write a plan file of objective entries (each a dict of overrides) and return its path."""
    if text is None:
        defaults = {
            "name": "objective",
            "notebook": "notebooks/objective.ipynb",
            "values": "objectives",
            "output": "objective/{objective}.html",
        }
        body = "".join(OBJECTIVE_ENTRY.format(**{**defaults, **entry}) for entry in entries)
        text = "reports:\n" + body
    path = tmp_path / "plan.yml"
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- the project plan


@pytest.fixture(scope="module")
def jobs():
    return load_plan()


def test_the_plan_has_a_report_per_objective_and_per_area(jobs):
    objectives = [j.parameters for j in jobs if j.group == "objective"]
    areas = [j.parameters for j in jobs if j.group == "area"]
    assert objectives == [{"objective": o} for o in OBJECTIVES]  # 5
    assert areas == [{"area": a} for a in AREAS]  # 7 regions and 13 local offices


def test_every_report_has_its_own_output(jobs):
    outputs = [j.output for j in jobs]
    assert len(set(outputs)) == len(outputs)
    assert "objective/maternity.html" in outputs
    assert "area/Y60.html" in outputs


def test_every_job_names_a_notebook_that_exists(jobs):
    assert all(j.notebook.is_file() for j in jobs)


def test_a_job_is_named_by_its_output_without_html(jobs):
    assert jobs[0].name == "objective/quality-framework"


def test_heenb_list_json_prints_notebook_parameters_and_output(capsys):
    assert main(["list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == len(load_plan()) >= 25
    assert all(set(item) == {"notebook", "parameters", "output"} for item in listed)
    assert listed[0] == {
        "notebook": "notebooks/objective.ipynb",
        "parameters": {"objective": "quality-framework"},
        "output": "objective/quality-framework.html",
    }


def test_heenb_list_text_prints_a_line_per_report(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(load_plan())
    (y63,) = [line for line in out if "area/Y63.html" in line]
    assert "region.ipynb" in y63 and "area=Y63" in y63


# --------------------------------------------------------------------------- selection


def test_select_with_a_glob_picks_the_objective_reports(jobs):
    chosen = select(jobs, "objective/*")
    assert [j.parameters["objective"] for j in chosen] == OBJECTIVES


def test_select_takes_comma_separated_patterns(jobs):
    chosen = select(jobs, "area/Y60, objective/maternity")
    assert sorted(j.name for j in chosen) == ["area/Y60", "objective/maternity"]


def test_select_without_a_pattern_keeps_every_job(jobs):
    assert select(jobs, None) == jobs


def test_an_unknown_only_pattern_lists_the_report_names(jobs):
    with pytest.raises(BuildError) as caught:
        select(jobs, "area/Y99")
    message = str(caught.value)
    assert "no report matches area/Y99" in message
    assert "objective/maternity" in message
    assert "area/EM" in message


# --------------------------------------------------------------------------- bad plans


def test_a_small_valid_plan_expands_its_list_of_values(tmp_path):
    jobs = load_plan(plan_file(tmp_path, {"values": "[maternity, learner-voice]"}))
    assert [j.output for j in jobs] == ["objective/maternity.html", "objective/learner-voice.html"]


def test_a_missing_notebook_is_named(tmp_path):
    path = plan_file(tmp_path, {"notebook": "notebooks/no-such.ipynb"})
    with pytest.raises(BuildError, match="plan.yml, entry 1: notebook notebooks/no-such.ipynb "
                                         "does not exist"):  # fmt: skip
        load_plan(path)


def test_an_unknown_value_set_lists_the_known_sets(tmp_path):
    path = plan_file(tmp_path, {"values": "trusts"})
    with pytest.raises(BuildError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert "unknown value set 'trusts'" in message
    for name in ("objectives", "areas", "regions", "local_offices", "programmes"):
        assert name in message


def test_an_invalid_parameter_value_names_the_entry_and_the_valid_values(tmp_path):
    path = plan_file(tmp_path, {"values": "[maternity, maternty]"})
    with pytest.raises(BuildError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert message.startswith("plan.yml, entry 1: Unknown objective 'maternty'.")
    assert "Did you mean 'maternity'" in message


def test_two_reports_writing_one_output_are_refused(tmp_path):
    path = plan_file(tmp_path, {}, {"name": "again", "values": "[maternity]"})
    with pytest.raises(BuildError, match="several reports write objective/maternity.html"):
        load_plan(path)


def test_an_entry_missing_keys_names_them(tmp_path):
    path = plan_file(tmp_path, text="reports:\n  - name: objective\n    title: T\n")
    with pytest.raises(BuildError, match="entry 1: missing key.s. notebook, output, parameter, "
                                         "values"):  # fmt: skip
        load_plan(path)


@pytest.mark.parametrize(
    "text",
    ["reports: [\n", "", "- just a list\n", "report:\n  - name: x\n"],
    ids=["malformed-yaml", "empty-file", "no-reports-key", "misspelt-key"],
)
def test_an_unreadable_plan_says_what_a_plan_must_look_like(tmp_path, text):
    with pytest.raises(BuildError) as caught:
        load_plan(plan_file(tmp_path, text=text))
    assert "could not be read" in str(caught.value)
    assert "'reports' list" in str(caught.value)


def test_a_missing_plan_file_is_a_build_error(tmp_path):
    with pytest.raises(BuildError, match="could not be read"):
        load_plan(tmp_path / "no-plan.yml")


def test_a_plan_with_an_empty_reports_key_is_a_build_error(tmp_path):
    with pytest.raises(BuildError):
        load_plan(plan_file(tmp_path, text="reports:\n"))


def test_an_output_template_with_the_wrong_placeholder_is_a_build_error(tmp_path):
    with pytest.raises(BuildError):
        load_plan(plan_file(tmp_path, {"output": "objective/{area}.html"}))


# --------------------------------------------------------------------------- declared parameters


def test_a_parameter_the_notebook_does_not_declare_is_refused_naming_the_valid_ones(tmp_path):
    text = (
        "reports:\n  - name: area\n    title: Areas\n    notebook: notebooks/region.ipynb\n"
        "    parameter: region\n    values: [Y60]\n    output: area/{region}.html\n"
    )
    with pytest.raises(BuildError) as caught:
        load_plan(plan_file(tmp_path, text=text))
    message = str(caught.value)
    assert message.startswith("plan.yml, entry 1: notebook notebooks/region.ipynb does not "
                              "declare the parameter 'region'")  # fmt: skip
    assert "its parameters: area" in message
    assert "\n" not in message


def test_declared_parameters_are_those_papermill_finds(tmp_path):
    import papermill

    notebooks = sorted(paths.NOTEBOOK_DIR.glob("*.ipynb"))
    notebooks += sorted((Path(__file__).parent / "fixtures" / "notebooks").glob("*.ipynb"))
    for notebook in notebooks:
        assert declared_parameters(notebook) == list(papermill.inspect_notebook(str(notebook)))
    assert "area" in declared_parameters(paths.NOTEBOOK_DIR / "region.ipynb")


# --------------------------------------------------------------------------- confined outputs


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("../../x-{objective}.html", "inside the reports folder"),
        ("/tmp/escaped/{objective}.html", "inside the reports folder"),
        ("objective/../../{objective}.html", "inside the reports folder"),
        ("'  '", "'output' is empty"),
        ("objective/{objective}.txt", "must name an .html page"),
        ("objective/.html", "must name an .html page"),
    ],
)
def test_an_output_outside_the_reports_folder_or_not_html_is_refused(tmp_path, output, message):
    with pytest.raises(BuildError, match=re.escape(message)):
        load_plan(plan_file(tmp_path, {"output": output, "values": "[maternity]"}))


@pytest.mark.parametrize("value", ["../../etc/x", "a/b", "..", ".hidden", ""])
def test_a_parameter_value_that_is_not_a_safe_path_segment_is_refused(tmp_path, value):
    entry = {"name": "x", "title": "X", "notebook": str(FIXTURES / "greeting.ipynb"),
             "parameter": "name", "values": [value], "output": "hello/{name}.html"}  # fmt: skip
    path = tmp_path / "plan.yml"
    path.write_text(yaml.safe_dump({"reports": [entry]}))
    with pytest.raises(BuildError, match="cannot name a page"):
        load_plan(path)


# --------------------------------------------------------------------------- the registry


def test_each_report_type_is_declared_once_in_the_plan(jobs):
    by_group = {}
    for job in jobs:
        by_group.setdefault(job.group, set()).add((job.sources, job.imports))
    assert set(by_group) == {"objective", "area", "stp", "hee_region", "programme", "ics"}
    assert all(len(declared) == 1 for declared in by_group.values())
    assert by_group["programme"] == {
        (("programme_projects", "programme_updates", "ppi_activities"), ("heenb.report.programme",))
    }
    labels = {job.output: job.label for job in jobs}
    assert labels["area/Y60.html"].endswith("(region)")
    assert labels["area/NE.html"].endswith("(local office)")
    assert warm_up_imports(jobs) == ("heenb.report.objective", "heenb.report.area",
                                     "heenb.report.stp", "heenb.report.hee_region",
                                     "heenb.report.programme", "heenb.report.ics")  # fmt: skip


def test_the_warm_up_imports_what_the_plan_says(jobs):
    code = warm_up_code(warm_up_imports(jobs))
    assert code.splitlines()[0] == ("import heenb.publish.kernel_state, heenb.report.objective, "
                                    "heenb.report.area, heenb.report.stp, "
                                    "heenb.report.hee_region, heenb.report.programme, "
                                    "heenb.report.ics")  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    check: trust\n", "unknown check 'trust'; use one of the catalogue lookups"),
        ("    sources: [arcp, nets_responses]\n", "(unknown: arcp); valid: arcp_outcomes"),
        ("    imports: ['not a module']\n", "'imports' must list module names"),
        ("    label: '{nickname}'\n", "'label' '{nickname}' uses an unknown field"),
    ],
)
def test_a_bad_registry_field_is_named(tmp_path, extra, message):
    text = "reports:\n" + OBJECTIVE_ENTRY.format(
        name="objective", notebook="notebooks/objective.ipynb", values="[maternity]",
        output="objective/{objective}.html") + extra  # fmt: skip
    with pytest.raises(BuildError, match=re.escape(message)):
        load_plan(plan_file(tmp_path, text=text))


def test_list_as_json_shows_a_notebook_outside_the_project_as_it_is(tmp_path, capsys):
    notebook = tmp_path / "objective.ipynb"
    notebook.write_bytes((paths.NOTEBOOK_DIR / "objective.ipynb").read_bytes())
    plan = tmp_path / "reports.yml"
    plan.write_text(
        f"reports:\n  - name: objective\n    title: T\n    notebook: {notebook}\n"
        "    parameter: objective\n    values: [maternity]\n    check: objective\n"
        "    output: objective/{objective}.html\n"
    )
    assert main(["list", "--format", "json", "--plan", str(plan)]) == 0
    assert str(notebook) in capsys.readouterr().out


def test_the_plan_lists_a_page_for_every_stp_and_every_hee_region(jobs, catalogue):
    stps = [job for job in jobs if job.group == "stp"]
    assert len(stps) == 44 == len(catalogue.stps)
    assert {job.parameters["stp"] for job in stps} == set(catalogue.stps["stp_code"])
    by_output = {job.output: job for job in jobs}
    assert by_output["stp/E54000008.html"].label == "Cheshire and Merseyside STP"
    assert by_output["stp/E54000008.html"].sources == ("arcp_outcomes", "nets_responses")
    hee = [job for job in jobs if job.group == "hee_region"]
    assert sorted(job.output for job in hee) == [
        f"hee_region/HEE-{code}.html" for code in ("LSE", "ME", "N", "S")
    ]
    assert by_output["hee_region/HEE-N.html"].label == "North (HEE region, 2017)"


# --------------------------------------------------------------------------- the plan kept
@pytest.fixture
def reads(monkeypatch):
    """Each full read of a plan by kept_plan, recorded; files count as settled at once."""
    from heenb import plan

    calls, original = [], plan._load_plan
    monkeypatch.setattr(plan, "SETTLED_NS", 0)
    monkeypatch.setattr(plan, "_load_plan", lambda *a: calls.append(a[0]) or original(*a))
    monkeypatch.setattr(plan, "_kept", {})
    return calls


def rewritten_in_place(path: Path, old: str, new: str) -> None:
    """``path`` with ``old`` replaced by ``new`` (as long), its size and times kept."""
    stat = path.stat()
    text = path.read_text()
    assert len(old) == len(new) and old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns


def test_the_plan_kept_is_read_once_while_its_files_are_unchanged(tmp_path, reads):
    from heenb.plan import kept_plan

    path = plan_file(tmp_path, {"values": "[maternity, learner-voice]"})
    first, second = kept_plan(path), kept_plan(path)
    assert len(reads) == 1
    assert first == second == load_plan(path)
    first[0].parameters["objective"] = "changed by one page"  # each caller's own jobs
    assert kept_plan(path)[0].parameters == {"objective": "maternity"}


def test_a_plan_changed_in_place_to_the_same_size_and_time_is_read_again(tmp_path, reads):
    from heenb.plan import kept_plan

    path = plan_file(tmp_path, {"values": "[maternity, learner-voice]"})
    assert kept_plan(path)[0].title == "Objective reports"
    rewritten_in_place(path, "Objective reports", "Objective Reports")
    assert kept_plan(path)[0].title == "Objective Reports"
    assert len(reads) == 2


def test_a_notebook_of_the_plan_changed_in_place_is_read_again(tmp_path, reads):
    from heenb.plan import kept_plan

    notebook = tmp_path / "objective.ipynb"
    notebook.write_text((paths.NOTEBOOK_DIR / "objective.ipynb").read_text())
    path = plan_file(tmp_path, {"notebook": str(notebook), "values": "[maternity]"})
    assert len(kept_plan(path)) == 1
    rewritten_in_place(notebook, "objective = ", "objectivX = ")
    with pytest.raises(BuildError, match="does not declare the parameter 'objective'"):
        kept_plan(path)


def test_another_catalogue_reads_the_plan_again(tmp_path, reads, catalogue):
    import dataclasses

    from heenb.plan import kept_plan

    path = plan_file(tmp_path, {"values": "[maternity]"})
    kept_plan(path, catalogue), kept_plan(path, catalogue)
    kept_plan(path, dataclasses.replace(catalogue))
    assert len(reads) == 2


def test_a_plan_changed_just_before_it_was_read_is_not_kept(tmp_path, reads, monkeypatch):
    from heenb import plan

    monkeypatch.setattr(plan, "SETTLED_NS", 10**12)  # every file changed "just now"
    path = plan_file(tmp_path, {"values": "[maternity]"})
    plan.kept_plan(path), plan.kept_plan(path)
    assert len(reads) == 2


def test_the_publication_block_is_read_once_and_again_when_the_plan_changes(tmp_path, monkeypatch):
    from heenb import plan

    monkeypatch.setattr(plan, "SETTLED_NS", 0)
    monkeypatch.setattr(plan, "_read_kept", {})
    parsed, original = [], plan.yaml.safe_load
    monkeypatch.setattr(plan.yaml, "safe_load", lambda t: parsed.append(t) or original(t))
    path = plan_file(tmp_path, {"values": "[maternity]"})
    path.write_text(path.read_text() + "publication:\n  contact: A team\n  next_release: ''\n")
    assert plan.publication(path)["contact"] == "A team"
    assert plan.publication(path)["contact"] == "A team"
    assert len(parsed) == 1
    rewritten_in_place(path, "A team", "B team")
    assert plan.publication(path)["contact"] == "B team"
    assert len(parsed) == 2
