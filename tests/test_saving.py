"""The executed notebook is written once (:mod:`heenb.publish.saving`), and a failed report's
notebook under ``_failed/`` still holds the outputs of the cells before the failure."""

from __future__ import annotations

import nbformat
import papermill.engines
import papermill.execute
import pytest
import yaml

from heenb.plan import load_plan
from heenb.publish.outcome import BUILT, FAILED
from heenb.publish.runner import Runner

CELLS = [
    'how = "ok"  # ok, raises, hangs or dies',
    'print("before the failure")',
    "import os\nimport time\n\nfrom IPython.display import HTML\n\n"
    'if how == "raises":\n    raise ValueError("fails on purpose")\n'
    'if how == "hangs":\n    time.sleep(600)\n'
    'if how == "dies":\n    os.kill(os.getpid(), 9)\n'
    'HTML("<p>no failure</p>")',
]


def jobs(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    notebook.cells[0].metadata["tags"] = ["parameters"]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    path = tmp_path / "fails.ipynb"
    nbformat.write(notebook, path)
    entry = {"name": "t", "title": "T", "notebook": str(path), "parameter": "how",
             "values": ["ok", "raises", "hangs", "dies"], "output": "t/{how}.html"}  # fmt: skip
    plan = tmp_path / "plan.yml"
    plan.write_text(yaml.safe_dump({"reports": [entry]}))
    return {job.parameters["how"]: job for job in load_plan(plan)}


@pytest.mark.slow
def test_a_report_is_written_once_and_a_failed_one_keeps_the_outputs_before_it(
    tmp_path, monkeypatch
):
    writes = []
    for module in (papermill.engines, papermill.execute):
        original = module.write_ipynb
        monkeypatch.setattr(module, "write_ipynb",
                            lambda nb, path, original=original: writes.append(path)
                            or original(nb, path))  # fmt: skip
    by_how, out = jobs(tmp_path), tmp_path / "out"
    runner = Runner(out, timeout=10)
    try:
        assert runner.build(by_how["ok"]).status == BUILT
        assert len(writes) == 1  # papermill's own engine: 2 + 2 a cell + 1, 9 here
        assert "no failure" in (out / "t" / "ok.html").read_text()
        for how, error in [("raises", "ValueError"), ("hangs", "CellTimeoutError"),
                           ("dies", "DeadKernelError")]:  # fmt: skip
            outcome = runner.build(by_how[how])
            assert outcome.status == FAILED and outcome.error.startswith(error), outcome
            kept = nbformat.read(out / "_failed" / "t" / f"{how}.ipynb", as_version=4)
            assert kept.metadata.papermill.parameters == {"how": how}
            printed = [o for c in kept.cells if c.cell_type == "code" for o in c.outputs]
            assert any("before the failure" in o.get("text", "") for o in printed), how
            assert not any("no failure" in str(o.get("data", "")) for o in printed)
    finally:
        runner.close()
