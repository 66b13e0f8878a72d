"""Figures kept on the mart they were made from, so each is worked out once per mart.

A build's warm kernel reads one pinned mart for all its pages
(:func:`heenb.data.mart.load_mart`), so what is made from that mart, one catalogue and
one disclosure rule (England's comparisons, every area's protected rates) is the same on
every page: :func:`kept` makes it once and keeps it in ``mart.derived``. A changed data
snapshot is another mart, with nothing kept; a catalogue loaded again is another
catalogue, whose figures replace those kept for the last. Callers get a shallow copy of a
table (pandas copies on write, and copies ``attrs``), so no page changes what another
reads; what is not a table is kept immutable (a string, a tuple).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from heenb.data.catalogue import Catalogue
from heenb.data.mart import Mart


def kept(mart: Mart, catalogue: Catalogue | None, key: tuple, make: Callable[[], object]):
    """What ``make()`` gives, made once per ``mart``, ``catalogue`` and ``key`` (which must
    name everything else it depends on: the function, its arguments, the rule). With
    ``catalogue`` None, it depends on the mart alone. A table is returned as a shallow copy;
    anything else is returned as it is, so make it immutable (a string, a tuple)."""
    key = (None if catalogue is None else id(catalogue), *key)
    cached = mart.derived.get(key)
    if cached and cached[0] is catalogue:
        return _given(cached[1])
    made = make()
    if catalogue is not None and any(
        entry[0] is not None and entry[0] is not catalogue for entry in mart.derived.values()
    ):  # another catalogue's figures: keep one catalogue's at a time
        for stale in [k for k, entry in mart.derived.items() if entry[0] is not None]:
            del mart.derived[stale]
    mart.derived[key] = (catalogue, made)
    return _given(made)


def _given(value):
    return value.copy(deep=False) if isinstance(value, pd.DataFrame) else value
