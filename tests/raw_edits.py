"""Helpers for tests that break a copy of the raw data and read what validation says."""

from __future__ import annotations

from heenb.data.validate import problems_in


def only_problem(folder):
    """The one problem validation finds in ``folder`` (fails, listing them, if not one)."""
    problems = problems_in(folder)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]
