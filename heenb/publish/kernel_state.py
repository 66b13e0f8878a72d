"""Put a reused kernel back to the state a fresh one is in, between two reports.

Runs inside the kernel (see :class:`heenb.publish.kernels.WarmKernel`). After the warm-up
imports, :func:`snapshot` records the process-wide state a notebook can change;
before each report, :func:`restore` puts it back and resets IPython: the user
namespace, the output history and the execution count (back to 1, as in a new
kernel). What is put back:

- the working folder (the report's notebook folder, as papermill's ``cwd``),
  environment variables and ``sys.path``;
- warnings: the filters, and which warnings were already shown (so a warning a
  report shows is shown again in the next one, as in a fresh kernel);
- matplotlib's rcParams and open pyplot figures; pandas options;
- the ``random`` and numpy global random generators, reseeded from the OS as at
  start-up.

Then the report's reference cycles are collected and what is left, the kernel's own
objects, is frozen out of later garbage collections (:func:`_collect`).

Modules stay imported (that is the point of a warm kernel), so module-level
caches persist from one report to the next; heenb's caches (the catalogue, the plan
while its files are unchanged, the build's pinned mart and the figures kept on it:
:mod:`heenb.figures.kept`) hold only what does not change during a build.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import warnings

_saved: dict = {}


def snapshot() -> None:
    """Record the state :func:`restore` puts back; call once, after the warm-up imports."""
    _saved.update(
        environ=dict(os.environ),
        path=list(sys.path),
        filters=list(warnings.filters),
        rc=_matplotlib().rcParams.copy() if _matplotlib() else None,
        pandas=_pandas_options() if "pandas" in sys.modules else None,
    )


def restore(cwd: str) -> None:
    """Restore the snapshot, change to ``cwd`` and reset IPython for a new report."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(_saved["environ"])
    sys.path[:] = _saved["path"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # restoring deprecated settings may warn
        _restore_matplotlib(_saved["rc"])
        _restore_pandas(_saved["pandas"])
    warnings.resetwarnings()  # also invalidates every module's record of warnings shown
    warnings.filters[:] = _saved["filters"]
    warnings.onceregistry.clear()
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    from IPython import get_ipython

    get_ipython().reset(new_session=True)
    _collect()


def _collect() -> None:
    """Collect the last report's reference cycles, then freeze what is left.

    IPython's reset runs a full garbage collection before it clears the namespace, so the
    report's cycles (figures, tables) outlive it: collect them now. What survives is the
    kernel's own (modules, the build's mart and caches), and would be traversed again by
    every full collection, the next reset's and those while a report runs: about 40-70 ms a
    page. Frozen (:func:`gc.freeze`), collections pass it by. Of what a report made, only
    what it left in those caches is frozen: its namespace is gone and its cycles are
    collected first (a frozen object is still freed when nothing refers to it; only a
    cycle of them dropped later would stay, as a cache's entries are not)."""
    gc.collect()
    gc.freeze()


def _matplotlib():
    return sys.modules.get("matplotlib")


def _restore_matplotlib(rc) -> None:
    if rc is None:
        return
    _matplotlib().rcParams.update(rc)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def _pandas_options(options=None, prefix: str = "") -> dict:
    """Every pandas option as ``{"display.max_rows": 60, ...}``, walking ``pandas.options``."""
    options = options if options is not None else sys.modules["pandas"].options
    values = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a deprecated option warns
        for name in dir(options):
            value = getattr(options, name)
            if type(value) is type(options):
                values.update(_pandas_options(value, f"{prefix}{name}."))
            else:
                values[prefix + name] = value
    return values


def _restore_pandas(saved: dict | None) -> None:
    if saved is None:
        return
    pandas = sys.modules["pandas"]
    current = _pandas_options()
    for key, value in saved.items():
        if current.get(key) != value:
            pandas.set_option(key, value)
