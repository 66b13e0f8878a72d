"""The scheduled run in the README (docs/monthly-run.sh), run as cron or CI would."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from heenb import paths

SCRIPT = paths.PROJECT_ROOT / "docs" / "monthly-run.sh"


def _run(data, out, *args) -> subprocess.CompletedProcess:
    env = os.environ | {"HEENB_DATA": str(data), "REPORTS": str(out)}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip


@pytest.mark.slow
def test_the_monthly_run_is_quiet_when_complete_and_fails_when_it_publishes_less(
    demo_dir, tmp_path
):
    out = tmp_path / "reports"
    done = _run(demo_dir, out, "--only", "programme/*")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    assert (out / "programme" / "em-innovation.html").is_file()
    partial = tmp_path / "partial"
    shutil.copytree(demo_dir, partial)
    (partial / "ppi_activities.csv").unlink()  # a source the programme pages read
    less = _run(partial, tmp_path / "again", "--only", "programme/*")
    assert less.returncode == 1
    assert "published less than asked; see" in less.stderr and less.stdout == ""
    refused = _run(demo_dir, out, "--only", "no-such-page")
    assert refused.returncode == 2 and "refused or stopped (exit 2)" in refused.stderr
