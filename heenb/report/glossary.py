"""The glossary and "About these statistics" sections, from reference data.

``data/reference/glossary.csv`` holds each term and its meaning;
``data/reference/about_statistics.csv`` each raw source's strengths and
limitations. A page lists only the terms it uses and only its own sources.
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


def about(sources: list[str]) -> Block:
    """ "About these statistics": each source's strengths and limitations."""
    table = _read("about_statistics.csv").set_index("source_file")
    files = [f for f in source_files(sources) if f in table.index]
    if not files:
        return Block()
    items = {}
    for name in files:
        label = next(s for s in sources if f"({name}.csv)" in s).split(" (")[0]
        items[f"{label}: strengths"] = table.loc[name, "strengths"]
        items[f"{label}: limitations"] = table.loc[name, "limitations"]
    return blocks.heading("About these statistics") + blocks.definition_list(items)
