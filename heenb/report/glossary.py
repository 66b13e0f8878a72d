"""The glossary and "About these statistics" sections, from reference data.

``data/reference/glossary.csv`` holds each term and its meaning;
``data/reference/about_statistics.csv`` each raw source's strengths and
limitations, and ``data/published/sources.yml`` each published source's. A page
lists only the terms it uses and only its own sources.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from heenb import paths
from heenb.report import blocks
from heenb.report.blocks import Block


def _read(name: str) -> pd.DataFrame:
    return _read_in(paths.reference_dir(), name)


@cache
def _read_in(folder, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def terms_used(text: str) -> pd.DataFrame:
    """The glossary rows whose term appears in ``text`` (a symbol such as ``[c]`` as
    written, a word as a whole word), in the glossary's order."""
    glossary = _read("glossary.csv")

    def used(term: str) -> bool:
        if term.startswith("["):
            return term in text
        return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, re.IGNORECASE) is not None

    return glossary[glossary["term"].map(used)]


def glossary(text: str) -> Block:
    """A "Glossary" section of the terms ``text`` uses (empty when it uses none)."""
    rows = terms_used(text)
    if rows.empty:
        return Block()
    return blocks.heading("Glossary") + blocks.definition_list(
        dict(zip(rows["term"], rows["meaning"], strict=True))
    )


def source_files(sources: list[str]) -> list[str]:
    """Raw file names (``arcp_outcomes``) in source descriptions ("... (arcp_outcomes.csv)")."""
    found = [re.search(r"\((\w+)\.csv\)", s) for s in sources]
    return [m.group(1) for m in found if m]


def about(sources: list[str], published=()) -> Block:
    """ "About these statistics": each raw source's strengths and limitations (from
    ``about_statistics.csv``), then each published source's (declared in ``sources.yml``;
    ``published``: :class:`heenb.data.published.Source` objects)."""
    table = _read("about_statistics.csv").set_index("source_file")
    items = {}
    for name in [f for f in source_files(sources) if f in table.index]:
        label = next(s for s in sources if f"({name}.csv)" in s).split(" (")[0]
        items[f"{label}: strengths"] = table.loc[name, "strengths"]
        items[f"{label}: limitations"] = table.loc[name, "limitations"]
    for source in published:
        if source.strengths:
            items[f"{source.title}: strengths"] = source.strengths
        if source.limitations:
            items[f"{source.title}: limitations"] = source.limitations
    if not items:
        return Block()
    return blocks.heading("About these statistics") + blocks.definition_list(items)
