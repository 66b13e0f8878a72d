"""A generic report to start your own from: a headline with the demo banner, and data notes.

``heenb new-report`` writes a notebook that loads :func:`custom_report` and
shows :meth:`CustomReport.headline` and :meth:`CustomReport.notes`. Add a
section by adding a method marked :func:`~heenb.report.common.section` that returns
a :class:`~heenb.report.blocks.Block` (to this class, or to a subclass in a module of
your own) and one notebook cell that calls it; the notes' glossary then reads it too.
"""

from __future__ import annotations

from heenb.data.catalogue import LOOKUPS
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
        self.sources = [SOURCE_NAMES.get(s, s) for s in (sources or SOURCE_NAMES)]

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
