"""Releases kept and what changed between them (issue 19): each run that publishes keeps a
readable release beside the latest pages, and a page of changes names the areas and KPIs
whose figures were revised."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from heenb.files import write_atomically
from heenb.plan import Job
from heenb.publish import release as release_module
from heenb.publish.engine import build
from heenb.publish.outcome import BUILT
from heenb.publish.release import RELEASES_INDEX, make_release
from heenb.report import attention, blocks
from heenb.report.changes import FIGURES_FILE, compare, page_figures, read_figures, releases

DATA = {"data_hash": "abc123", "data_folder": "demo", "code_hash": "c0de"}


def page(*tables: pd.DataFrame) -> str:
    """A page carrying ``tables`` as heenb pages do (each with its CSV download link)."""
    return "<html><body>" + "".join(
        blocks.table(frame, caption).markup for caption, frame in tables
    ) + "</body></html>"  # fmt: skip


def scorecard(em: str, wm: str, em_outlier: str = "within limits", periods=("2024",)):
    rows = [
        {"KPI": "ARCP outcomes 2 and 3", "Period": period, "Area": area, "Value": value,
         "Compared with other areas": verdict}
        for period in periods
        for area, value, verdict in (("East Midlands", em, em_outlier),
                                     ("West Midlands", wm, "within limits"))
    ]  # fmt: skip
    return ("Every KPI by area", pd.DataFrame(rows))


def publish(out: Path, pages: dict[str, str]) -> None:
    """Write pages and a build record listing them, as a build does: each page renamed
    into place (a release keeps hard links to the pages it published)."""
    import hashlib

    reports = []
    for output, text in pages.items():
        (out / output).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out / output, text)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        reports.append({"output": output, "page": digest, "status": BUILT})
    (out / "build.json").write_text(json.dumps({"reports": reports, "code_hash": "c0de"}))


JOBS = [Job("area", "Areas", Path("x.ipynb"), {"area": a}, f"area/{a}.html", label)
        for a, label in (("EM", "East Midlands"), ("WM", "West Midlands"))]  # fmt: skip


def test_page_figures_reads_the_tables_a_page_shows():
    rows = page_figures(page(scorecard("12.5%", "[c]")), "area/EM.html", "East Midlands")
    frame = pd.DataFrame(rows, columns=["page", "table", "key", "area", "kpi", "period",
                                        "figure", "value", "kind"])  # fmt: skip
    figures = frame[frame["kind"] == "figure"]
    assert figures[["area", "kpi", "period", "value"]].values.tolist() == [
        ["East Midlands", "ARCP outcomes 2 and 3", "2024", "12.5%"],
        ["West Midlands", "ARCP outcomes 2 and 3", "2024", "[c]"],
    ]
    assert set(frame.loc[frame["kind"] == "verdict", "figure"]) == {"Compared with other areas"}


def test_a_second_release_names_revised_figures_new_periods_and_exceptions(tmp_path):
    publish(tmp_path, {"area/EM.html": page(scorecard("12.5%", "9.0%")),
                       "area/WM.html": page(scorecard("12.5%", "9.0%"))})  # fmt: skip
    first = make_release(tmp_path, {"area/EM.html": "East Midlands",
                                    "area/WM.html": "West Midlands"}, DATA)  # fmt: skip
    assert compare(tmp_path, JOBS).previous["id"] == first["id"]
    assert not compare(tmp_path, JOBS).changed  # nothing changed since

    publish(tmp_path, {
        "area/EM.html": page(scorecard("14.0%", "9.0%", "above the 99.8% limit",
                                       periods=("2024", "2025"))),
        "area/WM.html": page(scorecard("12.5%", "9.0%")),
    })  # fmt: skip
    changes = compare(tmp_path, JOBS)

    assert changes.changed == ["area/EM.html"]
    revised = changes.revised[["area", "kpi", "period", "previous", "now"]].values.tolist()
    assert revised == [["East Midlands", "ARCP outcomes 2 and 3", "2024", "12.5%", "14.0%"]]
    assert list(changes.periods) == ["2025"]
    assert [(e["area"], e["side"]) for e in changes.new_exceptions] == [("East Midlands", "above")]

    second = make_release(tmp_path, {"area/EM.html": "East Midlands",
                                     "area/WM.html": "West Midlands"}, DATA)  # fmt: skip
    assert second["previous"] == first["id"]
    changed = {p["output"]: p["changed"] for p in second["pages"]}
    assert changed == {"area/EM.html": True, "area/WM.html": False}
    old = tmp_path / "releases" / first["id"] / "area" / "EM.html"
    assert "12.5%" in old.read_text() and "14.0%" not in old.read_text()  # kept as it was
    index = json.loads((tmp_path / "releases" / RELEASES_INDEX).read_text())
    assert [r["id"] for r in index["releases"]] == [first["id"], second["id"]]
    figures = read_figures(tmp_path / "releases" / second["id"] / FIGURES_FILE)
    assert set(figures["page"]) == {"area/EM.html", "area/WM.html"}  # WM's carried over


def attention_list(*items: tuple[str, str, str, str]) -> str:
    """A page's "What needs attention" list, as heenb pages carry it: each item (area,
    subject, concern, sentence) with what it is about."""
    found = [attention.Item(text, "#scorecard", area, subject, concern)
             for area, subject, concern, text in items]  # fmt: skip
    return attention.exceptions(found).markup


ARCP = "ARCP outcomes 2 and 3"
WORSENED = (
    "East Midlands",
    ARCP,
    "worsened since the previous period",
    f"{ARCP}: worsened since 2023 (up 1.2 points); a statistically significant change.",
)
CONCERN = (
    "East Midlands",
    ARCP,
    "special cause concern",
    f"{ARCP}: special cause concern; found by Making Data Count's special cause rules.",
)
AMBER = ("England", "Quality 1", "rated amber", "Quality 1: rated amber in 2024-Q3 (at risk).")
RED = ("England", "Quality 1", "rated red", "Quality 1: rated red in 2024-Q4 (off track).")


def test_a_second_release_names_exceptions_of_the_attention_lists_new_and_resolved(tmp_path):
    """Not only areas beyond funnel limits: an exception a page's "What needs attention"
    shows (here a significant worsening, special cause concern, and the index's ratings)
    that appears is new, one that disappears is resolved, each linked to its page."""
    labels = {"area/EM.html": "East Midlands", "area/WM.html": "West Midlands",
              "index.html": "Index"}  # fmt: skip
    wm = page(scorecard("12.5%", "9.0%"))
    publish(tmp_path, {"area/EM.html": page(scorecard("12.5%", "9.0%")) + attention_list(WORSENED),
                       "area/WM.html": wm, "index.html": attention_list(AMBER)})  # fmt: skip
    first = make_release(tmp_path, labels, DATA)
    figures = read_figures(tmp_path / "releases" / first["id"] / FIGURES_FILE)
    kept = figures[figures["kind"] == "exception"][["page", "area", "kpi", "figure"]]
    assert kept.values.tolist() == [["area/EM.html", *WORSENED[:3]], ["index.html", *AMBER[:3]]]

    publish(tmp_path, {"area/EM.html": page(scorecard("12.5%", "9.0%")) + attention_list(CONCERN),
                       "area/WM.html": wm, "index.html": attention_list(RED)})  # fmt: skip
    changes = compare(tmp_path, JOBS)

    def about(found):
        return [(e["area"], e["kpi"], e["concern"], e["kind"], e["pages"]) for e in found]

    assert about(changes.new_exceptions) == [
        (*CONCERN[:3], "attention", ["area/EM.html"]),
        (*RED[:3], "attention", ["index.html"]),
    ]
    assert about(changes.resolved) == [
        (*WORSENED[:3], "attention", ["area/EM.html"]),
        (*AMBER[:3], "attention", ["index.html"]),
    ]
    index = [attention.Item(RED[3], None, *RED[:3])]  # the index compares before it is written
    assert about(compare(tmp_path, JOBS, index=index).new_exceptions) == about(
        changes.new_exceptions)  # fmt: skip

    from heenb.report.changes import changes_report, summary_sentence

    report = changes_report(str(tmp_path))
    shown = report.exceptions().markup
    assert "East Midlands, ARCP outcomes 2 and 3: special cause concern (" in shown
    assert ("East Midlands, ARCP outcomes 2 and 3: worsened since the previous period in the "
            "previous release, not now (") in shown  # fmt: skip
    assert "England, Quality 1: rated red (" in shown
    assert shown.count('href="area/EM.html"') == 2 and shown.count('href="index.html"') == 2
    assert "2 exception(s) newly needing attention, 2 no longer" in summary_sentence(changes)


def test_a_release_before_exceptions_were_recorded_is_compared_on_its_funnels_only(tmp_path):
    publish(tmp_path, {"area/EM.html": page(scorecard("12.5%", "9.0%"))})
    first = make_release(tmp_path, {"area/EM.html": "East Midlands"}, DATA)
    manifest = tmp_path / "releases" / first["id"] / "release.json"
    older = json.loads(manifest.read_text())
    del older["records_exceptions"]  # as releases made before were
    manifest.write_text(json.dumps(older))
    publish(tmp_path, {"area/EM.html": page(scorecard("12.5%", "9.0%")) + attention_list(CONCERN)})

    changes = compare(tmp_path, JOBS)

    assert not changes.attention_compared and changes.new_exceptions == []  # not claimed new


def test_a_release_stopped_part_way_leaves_no_release(tmp_path, monkeypatch):
    publish(tmp_path, {"area/EM.html": page(scorecard("12.5%", "9.0%"))})

    def stopped(*args):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(release_module.os, "rename", stopped)
        with pytest.raises(KeyboardInterrupt):
            make_release(tmp_path, {"area/EM.html": "East Midlands"}, DATA)
    assert releases(tmp_path) == []
    assert [p.name for p in (tmp_path / "releases").iterdir()] == []

    (tmp_path / "releases" / ".staging-killed").mkdir()  # as SIGKILL would leave it
    (tmp_path / "releases" / ".staging-killed" / "release.json").write_text("{}")
    made = make_release(tmp_path, {"area/EM.html": "East Midlands"}, DATA)
    assert [m["id"] for m in releases(tmp_path)] == [made["id"]]
    assert not (tmp_path / "releases" / ".staging-killed").exists()


def _more_arcp_outcomes_2_and_3(data: Path, office: str) -> None:
    """Every third ARCP outcome 1 of ``office`` in 2023 and 2024 becomes an outcome 3."""
    path = data / "arcp_outcomes.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    seen = 0
    for row in rows[1:]:
        if row[2] == office and row[1] in ("2023", "2024") and row[5] == "1":
            seen += 1
            if seen % 3 == 0:
                row[5] = "3"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.slow
def test_two_runs_with_changed_data_leave_two_releases_and_a_page_of_changes(tmp_path, data_copy):
    plan = tmp_path / "plan.yml"
    plan.write_text(yaml.safe_dump({"reports": [
        {"name": "area", "title": "Areas", "notebook": "notebooks/region.ipynb",
         "parameter": "area", "values": ["EM", "WM"], "check": "area", "label": "{name}",
         "sources": ["arcp_outcomes", "nets_responses", "workforce_fte"],
         "output": "area/{area}.html"},
    ]}))  # fmt: skip
    out = tmp_path / "reports"

    def run() -> dict:
        outcomes = build(data=data_copy, out=out, plan_file=plan, workers=2, progress=print)
        return {o.output: o.status for o in outcomes}

    assert set(run().values()) == {BUILT}
    [first] = releases(out)
    assert {p["output"] for p in first["pages"]} == {
        "area/EM.html", "area/EM.xlsx", "area/WM.html", "area/WM.xlsx", "index.html",
        "index.xlsx", "changes.html"} - {"index.xlsx"} | (
        {"index.xlsx"} if (out / "index.xlsx").exists() else set())  # fmt: skip
    assert "first release" in (out / "changes.html").read_text()
    em_before = (out / "area" / "EM.html").read_bytes()

    _more_arcp_outcomes_2_and_3(data_copy, "EM")
    assert run()["area/EM.html"] == BUILT

    first_again, second = releases(out)
    assert first_again == first
    assert (out / "releases" / first["id"] / "area" / "EM.html").read_bytes() == em_before
    assert second["previous"] == first["id"] and second["data"]["raw"]["arcp_outcomes.csv"]
    changes = (out / "changes.html").read_text()
    assert "East Midlands" in changes and "ARCP outcomes 2 and 3" in changes
    assert "revised" in changes and "[r]" in changes
    assert 'href="area/EM.html"' in changes
    # EM's own page now lists the KPI as needing attention: an exception new beyond funnels.
    assert "ARCP outcomes 2 and 3: worse than other local offices (" in changes
    assert 'href="changes.html"' in (out / "index.html").read_text()
    assert (out / "releases" / second["id"] / "changes.html").read_text() == changes
    outcome = json.loads((out / "outcome.json").read_text())
    assert outcome["release"] == second["id"]

    run()  # nothing changed: nothing published, no release
    assert len(releases(out)) == 2
    assert not list((out / "releases").glob(".staging-*"))


def test_the_changes_notebook_shows_its_declared_sections_in_order():
    from heenb.paths import NOTEBOOK_DIR
    from heenb.report.changes import ChangesReport

    cells = json.loads((NOTEBOOK_DIR / "changes.ipynb").read_text())["cells"]
    code = ["".join(c["source"]).strip() for c in cells if c["cell_type"] == "code"]
    shown = [text.removeprefix("report.").removesuffix("()") for text in code[2:]]
    assert shown == [*ChangesReport.declared_sections(), "notes"]
