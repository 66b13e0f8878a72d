"""A generic report to start your own from: a headline with the demo banner, and data notes.

``heenb new-report`` writes a notebook that loads :func:`custom_report` and
shows :meth:`CustomReport.headline` and :meth:`CustomReport.notes`. Add a
section by adding a method marked :func:`~heenb.report.common.section` that returns
a :class:`~heenb.report.blocks.Block` (to this class, or to a subclass in a module of
your own) and one notebook cell that calls it; the notes' glossary then reads it too.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from heenb.data.catalogue import LOOKUPS
from heenb.data.contract import RAW_FILES_BY_NAME
from heenb.data.published import load_sources
from heenb.data.validate import read_raw
from heenb.errors import ParameterError
from heenb.report import blocks
from heenb.report.blocks import Block
from heenb.report.common import (
    SOURCE_NAMES,
    Inputs,
    Report,
    checked,
    demo_banner,
    load_inputs,
    section,
)


def custom_report(title: str, parameter: str, value, data=None, check: str | None = None,
                  sources: list[str] | None = None) -> CustomReport:  # fmt: skip
    """The report ``title`` for ``parameter = value``.

    Parameters
    ----------
    title : str
        The report's heading, before the value's name.
    parameter, value
        The report's parameter and its value for this report.
    data : path, optional
        Raw data folder; default ``$HEENB_DATA``, else ``data/demo``.
    check : str, optional
        The catalogue lookup that checks the value (objective, area, programme, kpi).
    sources : list of str, optional
        The raw sources the report reads (contract names), for the data notes.

    Raises
    ------
    ParameterError
        For an unknown value, listing the valid ones.
    """
    if check is not None and check not in LOOKUPS:
        raise ParameterError(f"Unknown check {check!r}; use one of {', '.join(LOOKUPS)}.")
    inputs = load_inputs(data)
    record = None
    if check:
        lookup = getattr(inputs.catalogue, check)
        checked(parameter, value, lookup)
        record = lookup(value)
    return CustomReport(title, {parameter: value, "data": data}, inputs, record, check, sources)


class CustomReport(Report):
    """A report's headline and data notes; extend it with sections of your own."""

    def __init__(self, title: str, parameters: dict, inputs: Inputs, record=None,
                 check: str | None = None, sources: list[str] | None = None):  # fmt: skip
        super().__init__(inputs, parameters)
        self.title = title
        #: The value's catalogue record (a pandas Series), or None without a check.
        self.record = record
        self.check = check
        #: The sources named when the report was made; :meth:`read` adds what it reads.
        self.declared = list(sources or [])
        self._read: list[str] = []

    @property
    def sources(self) -> list[str]:
        """The sources the page names in its data notes: those declared with
        :func:`custom_report` and those its sections read with :meth:`read`, each once."""
        names = dict.fromkeys([*self.declared, *self._read])
        return [SOURCE_NAMES.get(s, s) for s in names] or [
            "none named: pass sources= to custom_report, or read data with report.read()"
        ]

    def read(self, name: str) -> pd.DataFrame:
        """The rows of a raw source (its validated table from the report's data folder) or
        of a declared published source (its tidy table), by name; the data notes then
        name it. An unknown name raises ParameterError listing the valid ones."""
        published = load_sources()
        if name in published:
            table = published[name].table()
        elif name in RAW_FILES_BY_NAME:
            table = read_raw(Path(self.inputs.mart.meta["data_dir"]), missing_ok=True)[name]
        else:
            valid = [*RAW_FILES_BY_NAME, *published]
            raise ParameterError(f"Unknown source {name!r}; valid: {', '.join(valid)}.")
        if name not in self._read:
            self._read.append(name)
        return table

    @property
    def value(self):
        """The value of the report's parameter."""
        return next(iter(self.parameters.values()))

    @property
    def value_name(self) -> str:
        """The value as the catalogue names it (the value itself without a check)."""
        if self.record is None:
            return str(self.value)
        return str(self.record[LOOKUPS[self.check]]).replace("_", " ")

    @section
    def headline(self) -> Block:
        """The page's heading, the demo-data banner, and what the report is about."""
        parameter = next(iter(self.parameters))
        facts = {"Report": self.title, parameter.replace("_", " ").capitalize(): self.value_name}
        return (
            blocks.heading(f"{self.title}: {self.value_name}", 1)
            + demo_banner(self.inputs)
            + blocks.definition_list(facts)
        )
