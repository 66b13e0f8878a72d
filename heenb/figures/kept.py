"""Figures kept on the mart they were made from, so each is worked out once per mart.

A build's warm kernel reads one pinned mart for all its pages
(:func:`heenb.data.mart.load_mart`), so what is made from that mart, one catalogue and
one disclosure rule (England's comparisons, every area's protected rates) is the same on
every page: :func:`kept` makes it once and keeps it in ``mart.derived``. A changed data
snapshot is another mart, with nothing kept; a catalogue loaded again is another
catalogue, whose figures replace those kept for the last. Callers get a shallow copy
(pandas copies on write, and copies ``attrs``), so no page changes what another reads.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from heenb.data.catalogue import Catalogue
from heenb.data.mart import Mart


def kept(mart: Mart, catalogue: Catalogue, key: tuple, make: Callable[[], pd.DataFrame]):
    """The table ``make()`` gives, made once per ``mart``, ``catalogue`` and ``key`` (which
    must name everything else the table depends on: the function, its arguments, the rule)."""
    key = (id(catalogue), *key)
    cached = mart.derived.get(key)
    if cached and cached[0] is catalogue:
        return cached[1].copy(deep=False)
    table = make()
    if any(entry[0] is not catalogue for entry in mart.derived.values()):
        mart.derived.clear()  # another catalogue's figures: keep one catalogue's at a time
    mart.derived[key] = (catalogue, table)
    return table.copy(deep=False)
