"""A warm kernel's reset (:mod:`heenb.publish.kernel_state`): the last report's objects are
collected, and the kernel's own are frozen out of later garbage collections."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Run in a process of its own: an IPython shell made here would stay for the whole session.
SCRIPT = textwrap.dedent("""
    import gc, os, weakref
    from IPython.core.interactiveshell import InteractiveShell

    import heenb.publish.kernel_state as state

    shell = InteractiveShell.instance()
    state.snapshot()
    shell.run_cell(
        "import weakref, heenb\\n"
        "class Node:\\n"
        "    pass\\n"
        "report = Node()\\n"
        "report.me = report  # a cycle, as figures and tables make\\n"
        "heenb._seen = weakref.ref(report)\\n"
        "heenb._kept = Node()  # what a report leaves in a module's cache\\n"
        "heenb._kept.me = heenb._kept"
    )
    import heenb

    assert heenb._seen() is not None
    state.restore(os.getcwd())
    assert "report" not in shell.user_ns
    assert heenb._seen() is None, "the report's cycle outlived the reset"
    assert gc.is_tracked(heenb._kept) and gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    gc.collect()
    assert gc.get_freeze_count() == frozen  # collections pass the kernel's objects by
    print("ok")
""")


def test_a_reset_collects_the_last_reports_cycles_and_freezes_the_rest(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
