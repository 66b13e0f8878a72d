"""The reports' front page, ``index.html``: ``notebooks/index.ipynb`` run through papermill.

It runs after the other reports of a build, reading ``build.json`` to say which
failed. If the index itself fails, the previous ``index.html`` is kept and the
error is raised for the build to report.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat
import papermill

from heenb.export import ReportExporter
from heenb.files import write_atomically
from heenb.paths import NOTEBOOK_DIR

INDEX_NOTEBOOK = NOTEBOOK_DIR / "index.ipynb"


def write_index(out_dir: Path, *_unused, timeout: int = 300) -> Path:
    """Run the index notebook for ``out_dir`` and write ``out_dir/index.html``."""
    with tempfile.TemporaryDirectory(prefix="heenb-index-") as work:
        executed = Path(work) / "index.ipynb"
        papermill.execute_notebook(
            str(INDEX_NOTEBOOK),
            str(executed),
            parameters={"reports_dir": str(Path(out_dir).resolve())},
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=timeout,
            cwd=str(NOTEBOOK_DIR),
            kernel_manager_class="heenb.kernels.IPCKernelManager",
        )
        page = ReportExporter().to_html(nbformat.read(executed, as_version=4))
    target = Path(out_dir) / "index.html"
    write_atomically(target, page)
    return target
