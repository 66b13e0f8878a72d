"""``heenb new-report``: a report notebook that follows the house rules, and its plan entry.

The notebook gets the one cell tagged ``parameters`` (the report's parameter
and ``data``, defaults only), one cell that loads a
:class:`heenb.report.custom.CustomReport`, then one cell per section, each
calling one method (the headline, with the demo banner, and the data notes,
with the data version); it has no outputs. The entry is appended to the plan
as text, so the plan's comments stay, and the plan is checked before the
command returns; on any error nothing is left changed.
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path

import nbformat
import yaml

from heenb import paths
from heenb.data.catalogue import VALUE_SETS, load_catalogue
from heenb.data.published import load_sources
from heenb.errors import BuildError
from heenb.files import write_atomically
from heenb.plan import ALL_SOURCES, load_plan

#: A report name: it names the notebook file, the plan entry and the pages' folder.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
#: The value set a parameter names, when ``--values`` is not given.
SET_OF_PARAMETER = {s.parameter: s.name for s in VALUE_SETS.values()}
#: The longest line the generated code has (the project's ruff line length).
LINE_LENGTH = 100
#: Names a report notebook uses for itself.
RESERVED = ("data", "report")


def title_of(name: str) -> str:
    """A report's heading from its name: ``workforce-deep-dive`` is "Workforce deep dive"."""
    words = re.sub(r"[-_]+", " ", name).strip()
    return words[:1].upper() + words[1:]


def new_report(name: str, parameter: str, values: str | None = None,
               sources: list[str] | None = None, plan_file=None) -> tuple[Path, Path]:  # fmt: skip
    """Write ``notebooks/<name>.ipynb`` beside the plan and append its entry to the plan.

    Returns
    -------
    (notebook, plan_file)
        The paths written.

    Raises
    ------
    BuildError
        For an invalid or taken name, an invalid parameter, an unknown value
        set or source; nothing is written then.
    """
    plan_file = paths.plan_file(plan_file)
    values = check_request(name, parameter, values, sources)
    notebook = plan_file.parent / "notebooks" / f"{name}.ipynb"
    text = check_free(name, notebook, plan_file)
    catalogue = load_catalogue()
    default = str(catalogue.set_records(values)[VALUE_SETS[values].column].iloc[0])
    cells = notebook_cells(name, parameter, values, default, sources)
    entry = plan_entry(name, parameter, values, sources, notebook)
    notebook.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(cells, notebook)
    try:
        write_atomically(plan_file, text.rstrip("\n") + "\n" + entry)
        load_plan(plan_file, catalogue)
    except BaseException:
        notebook.unlink(missing_ok=True)
        write_atomically(plan_file, text)
        raise
    return notebook, plan_file


def check_request(name: str, parameter: str, values: str | None, sources) -> str:
    """Check the name, parameter, value set and sources; the value set to use."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise BuildError(
            f"The report name {name!r} cannot name a notebook file: use up to 64 letters, "
            "digits, '-' or '_', starting with a letter, as in workforce-deep-dive."
        )
    if (not parameter.isidentifier() or not parameter.isascii() or len(parameter) > 32
            or keyword.iskeyword(parameter) or parameter in RESERVED):  # fmt: skip
        raise BuildError(
            f"--parameter {parameter!r} must be a Python name of up to 32 letters, digits or "
            "'_', other than "
            f"{' or '.join(RESERVED)} (the notebook uses those), as in objective or area."
        )
    if values is None:
        if parameter not in SET_OF_PARAMETER:
            raise BuildError(
                f"--values is needed: the parameter {parameter!r} names no value set; "
                f"give one of {', '.join(VALUE_SETS)}."
            )
        values = SET_OF_PARAMETER[parameter]
    if values not in VALUE_SETS:
        raise BuildError(f"--values: unknown value set {values!r}; use one of "
                         f"{', '.join(VALUE_SETS)}.")  # fmt: skip
    valid = [*ALL_SOURCES, *load_sources()]  # raw sources and declared published ones
    unknown = [s for s in sources or () if s not in valid]
    if sources is not None and (unknown or not sources):
        named = f"unknown source(s) {', '.join(unknown)}" if unknown else "no source named"
        raise BuildError(f"--sources: {named}; valid: {', '.join(valid)}.")
    return values


def check_free(name: str, notebook: Path, plan_file: Path) -> str:
    """The plan's text, when neither the plan nor the notebook folder has ``name`` yet."""
    try:
        text = plan_file.read_text(encoding="utf-8")
        entries = yaml.safe_load(text)["reports"]
        taken = [str(entry.get("name")) for entry in entries]
    except (OSError, yaml.YAMLError, TypeError, KeyError, AttributeError) as error:
        raise BuildError(
            f"The report plan {plan_file} could not be read ({error}); it must be YAML with "
            "a 'reports' list of entries."
        ) from None
    if name.lower() in (t.lower() for t in taken):
        raise BuildError(
            f"A report named {name!r} is already in {plan_file}; choose another name "
            f"(taken: {', '.join(taken)})."
        )
    if notebook.exists():
        raise BuildError(f"{notebook} already exists; choose another name, or move it away.")
    return text


def notebook_cells(name: str, parameter: str, values: str, default: str,
                   sources: list[str] | None) -> nbformat.NotebookNode:  # fmt: skip
    """The new notebook: parameters, the loading cell, then one cell per section."""
    chosen = VALUE_SETS[values]
    table, column, check = chosen.table, chosen.column, chosen.lookup
    arguments = [json.dumps(title_of(name)), json.dumps(parameter), parameter, "data",
                 f"check={json.dumps(check)}"]  # fmt: skip
    if sources is not None:
        arguments.append(("sources=", [json.dumps(s) for s in sources]))
    cells = [
        "# Parameters: these are defaults; papermill (or heenb build) replaces them.\n"
        f'{parameter} = "{default}"  # a {column}: heenb.load_catalogue().{table}\n'
        "data = None  # raw data folder; None means $HEENB_DATA, else data/demo",
        f"# {title_of(name)}: each cell below shows one section.\n"
        "# Add a section as a method returning a Block (heenb/report/custom.py shows how)\n"
        "# and one cell that calls it.\n"
        "from heenb.report.custom import custom_report\n\n"
        + call("report = custom_report", arguments),
        "report.headline()",
        "report.notes()",
    ]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells],
        metadata={
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },  # fmt: skip
            "language_info": {"name": "python"},
        },
    )
    for number, cell in enumerate(notebook.cells):
        cell.id = str(number)
    notebook.cells[0].metadata["tags"] = ["parameters"]
    return notebook


def plan_entry(name: str, parameter: str, values: str, sources: list[str] | None,
               notebook: Path) -> str:  # fmt: skip
    """The plan entry, as YAML text in the plan's own layout."""
    check, field = VALUE_SETS[values].lookup, VALUE_SETS[values].name_field
    shown = notebook.relative_to(paths.PROJECT_ROOT) if notebook.is_relative_to(
        paths.PROJECT_ROOT) else notebook  # fmt: skip
    lines = [
        f"  - name: {name}",
        f"    title: {title_of(name)} reports",
        f"    notebook: {shown.as_posix()}",
        f"    parameter: {parameter}",
        f"    values: {values}",
        f"    check: {check}",
        f"    label: {json.dumps(f'{title_of(name)}: {{{field}}}')}",
        *([wrapped("    sources: [", sources, "]")] if sources is not None else []),
        "    imports: [heenb.report.custom]",
        f"    output: {name}/{{{parameter}}}.html",
    ]
    return "\n".join(lines) + "\n"


def call(start: str, arguments: list) -> str:
    """``start(arguments)`` laid out as ``ruff format`` lays it out (lines of at most 100).

    An argument is a string, or ``(keyword, items)`` for a list argument.
    """

    def flat(argument) -> str:
        if isinstance(argument, str):
            return argument
        return f"{argument[0]}[{', '.join(argument[1])}]"

    one_line = f"{start}({', '.join(map(flat, arguments))})"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    hugged = "    " + ", ".join(map(flat, arguments))
    if len(hugged) <= LINE_LENGTH:
        return f"{start}(\n{hugged}\n)"
    lines = []
    for argument in arguments:
        if isinstance(argument, str) or len(f"    {flat(argument)},") <= LINE_LENGTH:
            lines.append(f"    {flat(argument)},")
        else:
            items = "".join(f"        {item},\n" for item in argument[1])
            lines.append(f"    {argument[0]}[\n{items}    ],")
    return f"{start}(\n" + "\n".join(lines) + "\n)"


def wrapped(start: str, items: list[str], end: str) -> str:
    """``start`` + the items, comma-separated, + ``end``, wrapped at the line length with
    continuation lines under the first item (as the plan's own entries are)."""
    lines, line = [], start
    for number, item in enumerate(items):
        text = item + ("," if number < len(items) - 1 else end)
        if line != start and len(line) + 1 + len(text) > LINE_LENGTH:
            lines.append(line)
            line = " " * len(start) + text
        else:
            line += ("" if line == start else " ") + text
    return "\n".join([*lines, line])
