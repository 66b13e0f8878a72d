"""The raw data contract: one :class:`RawFile` per source CSV, column by column.

This module is the single statement of the contract. ``heenb.data.validate`` checks
files against it, ``heenb.data.demo`` writes files that meet it, and
``data/README.md`` is generated from it (``heenb schema``; a test keeps the
README in step).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Regular expressions for the period formats raw files use.
PATTERNS = {
    "year": (r"^(19|20)\d\d$", "a four-digit year such as 2023"),
    "month": (r"^(19|20)\d\d-(0[1-9]|1[0-2])$", "a month written YYYY-MM, such as 2023-09"),
    "quarter": (r"^(19|20)\d\d-Q[1-4]$", "a quarter written YYYY-Qn, such as 2023-Q2"),
    "date": (
        r"^(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
        "a date written YYYY-MM-DD, such as 2023-06-30",
    ),
}


#: Longest text, in characters, of an identifier, a name and a narrative field.
ID_LENGTH = 64
NAME_LENGTH = 200
NARRATIVE_LENGTH = 20_000
#: How far after the build date a date (not a period) may lie, in whole years.
DATE_YEARS_AHEAD = 10


@dataclass(frozen=True)
class Column:
    """One column of a raw file.

    ``kind`` is ``text``, ``int``, ``number``, ``code`` (a value from a
    catalogue code list, named by ``codes`` as ``(table, column)``), or one of
    the period formats in :data:`PATTERNS`. A ``text`` value may be at most
    ``max_length`` characters and holds no control characters; ``multiline``
    text may also hold tabs and line breaks.
    """

    name: str
    kind: str
    description: str
    codes: tuple[str, str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    required: bool = True
    max_length: int = NAME_LENGTH
    multiline: bool = False


@dataclass(frozen=True)
class RawFile:
    """A raw source file: ``<name>.csv`` in the data folder; ``key`` columns are unique together.

    ``period`` names the column giving each row's period (None for a file of
    things rather than events) and ``series`` the columns that, with the file,
    name one series over time (an area and a measure); a period missing
    between a series' first and last is a gap (see :mod:`heenb.data.gaps`).
    ``title`` names the source for readers: the data notes of every page show
    :attr:`source_title`, the title and the file name.
    """

    name: str
    row_is: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    title: str
    period: str | None = None
    series: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def source_title(self) -> str:
        """The source as a page's data notes name it: ``ARCP outcomes (arcp_outcomes.csv)``."""
        return f"{self.title} ({self.filename})"


def _identifier(name: str, description: str) -> Column:
    return Column(name, "text", description, max_length=ID_LENGTH)


def _narrative(description: str) -> Column:
    return Column("narrative", "text", description, max_length=NARRATIVE_LENGTH, multiline=True)


def _code(name: str, description: str, codes: tuple[str, str], required: bool = True) -> Column:
    return Column(name, "code", description, codes=codes, required=required)


def _office(required: bool = True) -> Column:
    return Column(
        "local_office",
        "code",
        "HEE local office code (data/reference/local_offices.csv)",
        codes=("local_offices", "local_office_code"),
        required=required,
    )


def _provider() -> Column:
    return Column(
        "provider",
        "code",
        "placement provider: ODS code of the NHS trust (data/reference/providers.csv), "
        "in the row's local office",
        codes=("providers", "provider_code"),
    )


RAW_FILES: tuple[RawFile, ...] = (
    RawFile(
        "arcp_outcomes",
        "one ARCP outcome given to one trainee",
        (
            _identifier("outcome_id", "unique identifier of the outcome record"),
            Column("year", "year", "reporting year of the ARCP (the year the training year ends)"),
            _office(),
            _provider(),
            _code(
                "specialty_group",
                "specialty group of the training programme",
                ("specialty_groups", "specialty_group"),
            ),
            _code(
                "outcome",
                "ARCP outcome code (1-9, 7.1-7.4, 10.1, 10.2; Gold Guide)",
                ("arcp_outcomes", "outcome"),
            ),
        ),
        key=("outcome_id",),
        title="ARCP outcomes",
        period="year",
        series=("local_office",),
    ),
    RawFile(
        "nets_responses",
        "one respondent's answer to one NETS item (overall experience or a theme)",
        (
            _identifier("respondent_id", "identifier of the survey respondent"),
            Column("year", "year", "survey year"),
            _office(),
            _provider(),
            _code(
                "learner_group",
                "learner group of the respondent",
                ("learner_groups", "learner_group"),
            ),
            _code("item", "NETS item: overall or one of the five themes", ("nets_items", "item")),
            Column(
                "answer",
                "int",
                "answer on the 5-point scale (1 very poor ... 5 outstanding)",
                minimum=1,
                maximum=5,
            ),
        ),
        key=("respondent_id", "item"),
        title="National Education and Training Survey responses",
        period="year",
        series=("local_office", "item"),
    ),
    RawFile(
        "workforce_fte",
        "staff in post in one staff group in one local office at the end of one month",
        (
            Column("month", "month", "month of the count"),
            _office(),
            _code("staff_group", "staff group", ("staff_groups", "staff_group")),
            Column("fte", "number", "full-time equivalent in post", minimum=0, maximum=1_000_000),
        ),
        key=("month", "local_office", "staff_group"),
        title="Workforce in post, FTE by month",
        period="month",
        series=("local_office", "staff_group"),
    ),
    RawFile(
        "kpi_updates",
        "the quarterly update on one objective's KPI",
        (
            _code("objective", "objective id", ("objectives", "objective_id")),
            Column("quarter", "quarter", "quarter the update covers"),
            _code("rag", "red, amber or green rating of delivery", ("rag", "rating")),
            _code(
                "assurance",
                "assurance rating, where one was given",
                ("assurance", "rating"),
                required=False,
            ),
            _narrative("the update as written by the KPI lead"),
        ),
        key=("objective", "quarter"),
        title="Quarterly KPI updates from the executive lead's team",
        period="quarter",
        series=("objective",),
    ),
    RawFile(
        "programme_projects",
        "one project of a programme",
        (
            _identifier("project_id", "unique project identifier"),
            _code("programme", "programme id", ("programmes", "programme_id")),
            _code(
                "strand",
                "strand of the programme, where it has strands",
                ("programme_strands", "strand_id"),
                required=False,
            ),
            _office(),
            Column("project", "text", "project name"),
            Column("lead", "text", "project lead (role or team)"),
            _code(
                "pid_status", "status of the project initiation document", ("pid_status", "value")
            ),
            Column(
                "depends_on",
                "text",
                "project ids this project depends on, separated by ;",
                required=False,
                max_length=2_000,
            ),
        ),
        key=("project_id",),
        title="Programme projects",
    ),
    RawFile(
        "programme_updates",
        "one project's periodic update for one quarter",
        (
            _identifier("project_id", "project id (must be in programme_projects.csv)"),
            Column("quarter", "quarter", "quarter the update covers"),
            _code("stage", "adoption stage", ("stage", "value")),
            _code("rag", "red, amber or green rating", ("rag", "rating")),
            Column("milestone", "text", "the next or latest milestone", max_length=500),
            Column("milestone_due", "date", "date the milestone is due"),
            _code("milestone_status", "met, due or missed", ("milestone_status", "value")),
            _narrative("the periodic update as written"),
        ),
        key=("project_id", "quarter"),
        title="Programme projects' periodic updates",
        period="quarter",
        series=("project_id",),
    ),
    RawFile(
        "ppi_activities",
        "patient and public involvement activity of one type in one local office in one quarter",
        (
            _office(),
            Column("quarter", "quarter", "quarter of the activity"),
            _code("activity_type", "kind of involvement", ("ppi_activity_types", "activity_type")),
            Column(
                "count",
                "int",
                "number of activities (visits, panels, sessions ...)",
                minimum=0,
                maximum=100_000,
            ),
        ),
        key=("local_office", "quarter", "activity_type"),
        title="Patient and public involvement activities",
        period="quarter",
        series=("local_office", "activity_type"),
    ),
    RawFile(
        "demographics",
        "the number of learners, or of the population served, in one ethnic group, "
        "local office and year",
        (
            Column("year", "year", "year of the count"),
            _office(),
            _code("population", "learners or population", ("populations", "population")),
            _code("ethnic_group", "ethnic group (ONS 5 groups)", ("ethnic_groups", "ethnic_group")),
            Column("count", "int", "number of people", minimum=0, maximum=100_000_000),
        ),
        key=("year", "local_office", "population", "ethnic_group"),
        title="Learner and population demographics",
        period="year",
        series=("local_office", "population"),
    ),
)

RAW_FILES_BY_NAME = {f.name: f for f in RAW_FILES}


def source_titles() -> dict[str, str]:
    """Each raw source's title for readers, by contract name (:attr:`RawFile.source_title`)."""
    return {raw.name: raw.source_title for raw in RAW_FILES}


def markdown() -> str:
    """The contract as Markdown, one table per file (the body of ``data/README.md``)."""
    parts = []
    for raw in RAW_FILES:
        series = ""
        if raw.period:
            names = ", ".join(f"`{c}`" for c in raw.series) or "the whole file"
            series = f" Series over `{raw.period}`, for missing periods: one per {names}."
        parts.append(
            f"### `{raw.filename}`\n\nOne row is {raw.row_is}. "
            f"Unique key: {', '.join(f'`{k}`' for k in raw.key)}.{series}\n"
        )
        parts.append("| column | type | required | meaning |\n| --- | --- | --- | --- |")
        for col in raw.columns:
            kind = {"int": "whole number", "number": "number"}.get(col.kind, col.kind)
            if col.kind == "text":
                kind = f"text, at most {col.max_length:,} characters"
                kind += ", tabs and line breaks allowed" if col.multiline else ", one line"
            if col.codes:
                kind = f"code from `{col.codes[0]}`"
            elif col.kind in PATTERNS:
                kind = PATTERNS[col.kind][1]
            if col.minimum is not None:
                kind += f", {col.minimum:,.0f} to {col.maximum:,.0f}"
            parts.append(
                f"| `{col.name}` | {kind} | {'yes' if col.required else 'no'} | {col.description} |"
            )
        parts.append("")
    return "\n".join(parts)
