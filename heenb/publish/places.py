"""How the build's records name places: relative to the reports folder or the project,
or by name, never by an absolute path.

A reports folder is copied and published whole, its records (``build.json``,
``outcome.json``, the releases' manifests) with it, so they must not say where the
builder keeps things: not the reports or data folder's full path, not the builder's home
folder. What a record needs is a place it can be found from: a page relative to the
reports folder, a notebook relative to the project, the data folder by its name (as the
pages' footers name it). Messages in records (a page's error, a refused run's reason) are
the messages shown on the terminal with the same places shortened; the terminal keeps the
full paths. A failed report's executed notebook, kept under ``_failed/`` in the reports
folder, is shown the same way (:meth:`Places.data`): its parameters, outputs and tracebacks.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from heenb import paths


class Places:
    """The places of one build: its reports folder ``out_dir`` and data folder ``data_dir``
    (either may be None), the project, the home folder (``$HOME`` when asked) and the
    virtual environment Python runs in (``<venv>``)."""

    def __init__(self, out_dir: Path | None = None, data_dir: Path | None = None):
        self.out_dir, self.data_dir = out_dir, data_dir

    def _roots(self) -> list[tuple[Path, str]]:
        """Each place and how a record names it, innermost first (longest path first)."""
        named = [(paths.PROJECT_ROOT, ".")]
        if self.data_dir is not None:
            named.append((Path(self.data_dir), Path(self.data_dir).name))
        if self.out_dir is not None:
            named.append((Path(self.out_dir), Path(self.out_dir).name))
        home = os.path.expanduser("~")
        if home not in ("", "/", "~"):
            named.append((Path(home), "~"))
        if sys.prefix != sys.base_prefix:  # a virtual environment: where its packages are
            named.append((Path(sys.prefix), "<venv>"))
        forms = {}
        for place, shown in named:
            for form in (str(place), str(place.resolve())):
                forms.setdefault(form, shown)
        return sorted(((Path(f), s) for f, s in forms.items()), key=lambda p: -len(str(p[0])))

    def path(self, value: str) -> str:
        """A path for a record: relative to the reports folder (the folder itself is ``.``),
        else to the project, else the data folder's name and below, else only its name.
        A relative path is kept as it is."""
        if not isinstance(value, str) or not os.path.isabs(value):
            return value
        path = Path(value)
        for place in (self.out_dir, paths.PROJECT_ROOT):
            if place is not None:
                for form in (Path(place), Path(place).resolve()):
                    if path.is_relative_to(form):
                        return path.relative_to(form).as_posix() or "."
        if self.data_dir is not None:
            data = Path(self.data_dir)
            for form in (data, data.resolve()):
                if path.is_relative_to(form):
                    return (data.name / path.relative_to(form)).as_posix()
        return path.name

    def data(self, value):
        """``value`` (JSON data, such as a notebook) with every string in it shown as
        :meth:`text` shows it."""
        if isinstance(value, str):
            return self.text(value) if "/" in value else value
        if isinstance(value, list):
            return [self.data(item) for item in value]
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        return value

    def text(self, message: str) -> str:
        """``message`` with every path inside the reports or data folder shown from that
        folder's name, inside the project from the project, inside the home folder from
        ``~`` and inside a virtual environment from ``<venv>``."""
        if not message:
            return message
        for place, shown in self._roots():
            pattern = re.escape(str(place)) + r"(/|(?![\w.-]))"  # the place, not a longer name
            if shown == ".":  # the project: its paths are relative to it
                message = re.sub(pattern, lambda m: "" if m.group(1) else ".", message)
            else:
                message = re.sub(pattern, lambda m, s=shown: s + m.group(1), message)
        return message
