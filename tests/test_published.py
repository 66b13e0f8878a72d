"""What readers see: every built page escapes data, withholds small counts, and is whole.

These tests build the full report set once (from small demo data whose text
fields carry HTML and script) and read every page.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test reads the whole built report set

#: Column headers of counts of people, protected in every sub-national table (and any header
#: ending ", n": the n beside a provider's rate).
COUNT_HEADERS = {"numerator", "denominator", "learners", "respondents", "all outcomes", "n"}
#: Report types (page folders) that read only NETS and ARCP counts: they show no free text,
#: so the hostile narratives cannot appear on them (the script check still applies).
#: Page types that show no free text from the raw data (ICS pages read none of it; their
#: published names are escaped: tests/test_published_sources.py).
NO_FREE_TEXT = {"stp", "hee_region", "ics"}


def pages(folder: Path) -> list[Path]:
    """The latest pages (the copies kept in releases/ are the same files)."""
    return sorted(p for p in folder.rglob("*.html") if p.relative_to(folder).parts[0] != "releases")


class Tables(HTMLParser):
    """Every table on a page: its class, caption, headers and cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class", ""), "caption": "",
                                "headers": [], "rows": []})  # fmt: skip
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            table = self.tables[-1]
            (table["headers"] if tag == "th" else table["rows"][-1]).append(text)
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def tables_in(page: Path) -> list[dict]:
    parser = Tables()
    parser.feed(page.read_text())
    return parser.tables


def test_the_whole_report_set_is_built(built_reports):
    names = {str(p.relative_to(built_reports)) for p in pages(built_reports)}
    assert len([n for n in names if n.startswith("objective/")]) == 5
    assert len([n for n in names if n.startswith("area/")]) == 20
    assert len([n for n in names if n.startswith("programme/")]) == 2
    assert len([n for n in names if n.startswith("stp/")]) == 44
    assert len([n for n in names if n.startswith("hee_region/")]) == 4
    record = json.loads((built_reports / "build.json").read_text())
    ics = {r["output"] for r in record["reports"] if r["output"].startswith("ics/")}
    assert len(ics) == 4 and ics <= names  # a sample of the 42 (tests/conftest.py)
    assert "index.html" in names and "changes.html" in names
    assert (built_reports / "releases" / "releases.json").is_file()


def test_script_and_html_in_data_are_shown_as_text_in_every_report(built_reports):
    escaped = "&lt;script&gt;alert("
    for page in pages(built_reports):
        text = page.read_text()
        assert "<script" not in text.lower(), f"{page.name} contains a script element"
        assert not re.search(r"<img[^>]*onerror", text, re.I), f"{page.name} has an onerror image"
        if page.name not in ("index.html", "changes.html") and page.parent.name not in NO_FREE_TEXT:
            assert escaped in text, f"{page.name} does not show the narrative text escaped"


def test_no_published_table_shows_a_withheld_count(built_reports):
    checked = withheld = 0
    for page in pages(built_reports):
        for table in tables_in(page):
            if "heenb-national" in table["class"]:
                continue
            columns = [i for i, h in enumerate(table["headers"])
                       if h.lower() in COUNT_HEADERS or h.endswith(", n")]  # fmt: skip
            if "Involvement activities" in table["caption"]:  # every figure is a count
                headers = table["headers"]
                columns = [i for i, h in enumerate(headers) if h == "Value" or h[:2] == "20"]
                columns += [i for i, h in enumerate(headers) if h == "Total"]
            for row in table["rows"]:
                for i in columns:
                    if i >= len(row):
                        continue
                    cell = row[i]
                    if cell in ("[c]", "", "no data"):
                        withheld += 1
                        continue
                    count = float(cell.replace(",", ""))
                    checked += 1
                    assert count == 0 or (count > 7 and count % 5 == 0), (
                        f"{page.name}, table '{table['caption']}': count {cell} is not protected"
                    )
    assert checked > 100 and withheld > 0


def test_every_image_has_a_text_alternative(built_reports):
    for page in pages(built_reports):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text()):
            alt = re.search(r'alt="([^"]*)"', tag)
            assert alt and len(alt.group(1)) > 20, f"{page.name}: image without useful alt text"


def test_every_chart_alt_text_is_short_with_the_detail_in_its_data_table(built_reports):
    """A screen reader reads alt text in one go: at most 300 characters, figures in the table."""
    charts = 0
    for page in pages(built_reports):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text()):
            alt = html.unescape(re.search(r'alt="([^"]*)"', tag).group(1))
            charts += 1
            assert len(alt) <= 300, f"{page.name}: alt text of {len(alt)} characters: {alt[:80]}"
    assert charts > 50


def test_each_gss_symbol_used_on_a_page_is_explained_there_once(built_reports):
    """[c], [x] and [z] are explained once per page (the glossary), not under every table."""
    explained = 0
    for page in pages(built_reports):
        markup = re.sub(r'<img\b[^>]*>|href="data:[^"]*"', "", page.read_text())
        text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
        for symbol in ("[c]", "[x]", "[z]"):
            if symbol not in text:
                continue
            after = rf"{re.escape(symbol)}\s*(:|means|Confidential|Not available|Not applicable)"
            count = len(re.findall(after, text))
            assert count == 1, f"{page.name}: {symbol} explained {count} times"
            explained += 1
    assert explained > 10


#: Words that name a KPI; what is left of a heading or caption once every KPI's short
#: name and descriptor is taken out must not use them (that would be a third name).
KPI_WORDS = re.compile(
    r"comparator|ARCP outcome|satisfaction|rating training|"
    r"(midwives|obstetricians) in post(?! \(FTE\))",
    re.IGNORECASE,
)


def test_every_kpi_is_named_by_its_short_name_or_descriptor(built_reports, catalogue):
    """GSS: one display name and one short name per KPI, on every page."""
    kpis = catalogue.kpis
    names = sorted({*kpis["short_name"], *kpis["descriptor"]}, key=len, reverse=True)
    checked = 0
    for page in pages(built_reports):
        markup = page.read_text()
        items = re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", markup, re.S)
        items += re.findall(r"<caption>(.*?)</caption>", markup, re.S)
        for item in items:
            text = html.unescape(re.sub(r"<[^>]+>", "", item))
            rest = text
            for name in names:
                rest = rest.replace(name, " ").replace(name[:1].lower() + name[1:], " ")
            assert not KPI_WORDS.search(rest), f"{page.name}: a KPI named otherwise in '{text}'"
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("kind", ["objective", "area", "programme", "stp", "hee_region"])
def test_pages_are_self_contained_accessible_and_small(built_reports, kind):
    found = sorted((built_reports / kind).glob("*.html"))
    assert found
    for page in found:
        text = page.read_text()
        assert '<html lang="en-GB">' in text
        assert text.count("<h1") == 1
        assert not re.search(r'(src|href)="(https?:)?//', text), f"{page.name} loads from the web"
        assert page.stat().st_size < 1.5 * 1024 * 1024
        assert "Provenance" in text and "heenb" in text


def involvement_tables(folder: Path) -> dict[tuple[str, str], list[dict]]:
    """(place, "year" or "quarter") -> each involvement table of that place, on any page,
    as {(activity, column): cell}."""
    found: dict[tuple[str, str], list[dict]] = {}
    for page in pages(folder):
        for table in tables_in(page):
            if not table["caption"].startswith("Involvement activities by type"):
                continue
            place = table["caption"].rsplit(", ", 1)[1]
            kind = "quarter" if any("-Q" in h for h in table["headers"]) else "year"
            cells = {
                (row[0], header): cell
                for row in table["rows"]
                for header, cell in zip(table["headers"][1:], row[1:], strict=False)
            }
            found.setdefault((place, kind), []).append(cells)
    return found


def test_no_withheld_count_can_be_recovered_by_combining_pages(built_reports, catalogue):
    """A total on one page and its parts on another form one additive relation: with
    exactly one entry withheld, that entry could be worked out by subtraction."""
    tables = involvement_tables(built_reports)
    for (place, _kind), copies in tables.items():
        assert all(c == copies[0] for c in copies), f"{place}: pages show different figures"
    relations = []
    for (place, kind), (yearly, *_) in tables.items():
        if kind != "year":
            continue
        quarterly = tables.get((place, "quarter"), [{}])[0]
        for (activity, year), total in yearly.items():
            parts = [quarterly.get((activity, f"{year}-Q{q}")) for q in range(1, 5)]
            if all(p is not None for p in parts):
                relations.append(
                    (f"{place}, {activity}, {year}: year and quarters", [total, *parts])
                )
    for region in catalogue.regions["region_code"]:
        offices = [catalogue.area_name(o) for o in catalogue.offices_in(region)]
        name = catalogue.area_name(region)
        if len(offices) < 2 or (name, "year") not in tables:
            continue
        for (activity, year), total in tables[(name, "year")][0].items():
            parts = [tables.get((o, "year"), [{}])[0].get((activity, year)) for o in offices]
            if all(p is not None for p in parts):
                relations.append(
                    (f"{name}, {activity}, {year}: region and offices", [total, *parts])
                )
    assert relations, "no figure on one page is a total of figures on another"
    recoverable = [name for name, entries in relations if entries.count("[c]") == 1]
    assert not recoverable, f"withheld counts recoverable across pages: {recoverable}"


def counts_by_name(table: dict, name_column: str) -> dict[str, tuple[str, str]]:
    """{name: (numerator, denominator)} of a table with those columns."""
    headers = table["headers"]
    at = [headers.index(h) for h in (name_column, "Numerator", "Denominator")]
    return {row[at[0]]: (row[at[1]], row[at[2]]) for row in table["rows"] if len(row) > at[2]}


def as_rate(cell: str) -> str:
    """A rate as a table writes it ("86%", "86.5%") or a chart's data does ("86.0"), made
    comparable: per cent to one decimal; ``[c]`` and "no data" as they are."""
    if cell in ("[c]", "no data"):
        return cell
    return f"{float(cell.rstrip('%')):.1f}"


def provider_figures(folder: Path, kpi_names: dict[str, str]) -> tuple[dict, dict]:
    """Every provider's n and rate, on any page: ``{(kpi, provider): {page: shown}}`` for n
    and for rates (each KPI by provider, the data behind charts by provider, STP pages'
    tables against England's limits and the objective pages' tables of outlying
    providers)."""
    sizes: dict = {}
    rates: dict = {}

    def seen(kpi, provider, where, n=None, rate=None):
        if n is not None:
            sizes.setdefault((kpi, provider), {})[where] = n.replace(",", "")
        if rate is not None:
            rates.setdefault((kpi, provider), {})[where] = as_rate(rate)

    for page in pages(folder):
        where = str(page.relative_to(folder))
        for table in tables_in(page):
            headers, rows = table["headers"], [r for r in table["rows"] if r]
            caption = table["caption"].removeprefix("Data for the chart: ")
            if caption != table["caption"] and " by provider" in caption:
                kpi = kpi_names[caption.split(" (")[0]]
                assert "Numerator" not in headers, caption  # never published for providers
                at = [headers.index(h) for h in ("Area", "n", "Proportion")]
                for row in rows:
                    seen(kpi, row[at[0]], where, n=row[at[1]], rate=row[at[2]])
            elif "'s providers against England's funnel limits" in caption or (
                "providers outside England's 99.8% funnel limits" in caption
            ):
                kpi = kpi_names[caption.split(": ")[0]]
                at = [headers.index(h) for h in ("Provider", "n", "Value")]
                for row in rows:
                    seen(kpi, row[at[0]], where, n=row[at[1]], rate=row[at[2]])
            elif caption.startswith("Each KPI by provider"):
                for column, header in enumerate(headers):
                    kpi = None if header.endswith(", n") else kpi_names.get(header.rsplit(" (")[0])
                    for row in rows if kpi else ():
                        seen(kpi, row[0], where, n=row[column + 1], rate=row[column])
    return sizes, rates


def stp_figures(folder: Path, kpi_names: dict[str, str]) -> dict[tuple[str, str], tuple]:
    """{(kpi, STP name): (n, rate)} from the STP pages' scorecards."""
    found = {}
    for page in pages(folder / "stp"):
        name = None
        for table in tables_in(page):
            if table["caption"].startswith("Every provider-level KPI for"):
                name = table["caption"].removeprefix("Every provider-level KPI for ")
                name = name.removesuffix(" at its latest period")
                headers = table["headers"]
                at = [headers.index(h) for h in ("KPI", "n", "Value")]
                assert "Numerator" not in headers
                for row in filter(None, table["rows"]):
                    found[(kpi_names[row[at[0]]], name)] = (row[at[1]], as_rate(row[at[2]]))
    return found


def test_no_withheld_figure_can_be_recovered_across_provider_stp_and_office_pages(
    built_reports, catalogue
):
    """A local office's counts (its area page's funnel data) are the sum of its STPs' (their
    scorecards) and of its providers'; an STP's of its providers'. Each provider and STP
    shows its n, and its rate from its unrounded counts, never its numerator; one provider
    shows the same figures on every page (STP pages, local-office pages, the objective
    pages' national funnels). No sum may show exactly one withheld n, and no sum exactly
    one withheld numerator (an office's, or a rate's, as if a rate gave its numerator),
    except where the sum's one part with data is its total."""
    kpi_names = dict(zip(catalogue.kpis["short_name"], catalogue.kpis["kpi_id"], strict=True))
    offices = {}
    for page in pages(built_reports / "area"):
        for table in tables_in(page):
            caption = table["caption"].removeprefix("Data for the chart: ")
            if " by local office, " in caption:
                kpi = kpi_names[caption.split(" (")[0]]
                for name, pair in counts_by_name(table, "Area").items():
                    offices[(kpi, name)] = pair
    stps = stp_figures(built_reports, kpi_names)
    sizes, rates = provider_figures(built_reports, kpi_names)
    assert offices and stps and sizes and rates
    pages_of = {where for seen in sizes.values() for where in seen}
    assert {p.split("/")[0] for p in pages_of} == {"area", "stp", "objective"}
    for seen in (sizes, rates):
        differ = {key: by_page for key, by_page in seen.items() if len(set(by_page.values())) > 1}
        assert not differ, f"a provider shows different figures on different pages: {differ}"
    size = {key: next(iter(by_page.values())) for key, by_page in sizes.items()}
    rate = {key: next(iter(by_page.values())) for key, by_page in rates.items()}
    none = ("0", "no data")

    def relation(total, parts):
        """(n entries, numerator entries), each "[c]" where withheld; numerators of a sum
        whose one part with data is its total are left out (None)."""
        n = [total[0], *[p[0] for p in parts]]
        k = [total[1], *[p[1] for p in parts]]
        with_data = sum(p[0] not in none for p in parts)
        return n, (k if with_data > 1 else None)

    relations = []
    provider_kpis = {k for k, _ in size}
    for kpi in provider_kpis:
        for stp in catalogue.stps["stp_code"]:
            name = catalogue.area_name(stp)
            if (kpi, name) not in stps:
                continue
            parts = [(size.get((kpi, n), "no data"), rate.get((kpi, n), "no data"))
                     for n in map(catalogue.area_name, catalogue.providers_in(stp))]  # fmt: skip
            relations.append((f"{stp} {kpi}", *relation(stps[(kpi, name)], parts)))
    for (kpi, office_name), (numerator, denominator) in offices.items():
        if kpi not in provider_kpis:
            continue
        office = catalogue.local_offices.set_index("name").loc[office_name, "local_office_code"]
        total = (denominator, numerator)
        parts = [stps.get((kpi, catalogue.area_name(s)), none) for s in catalogue.stps_in(office)]
        relations.append((f"{office} {kpi} over STPs", *relation(total, parts)))
        parts = [(size.get((kpi, n), "no data"), rate.get((kpi, n), "no data"))
                 for n in map(catalogue.area_name, catalogue.providers_in(office))]  # fmt: skip
        relations.append((f"{office} {kpi} over providers", *relation(total, parts)))
    for office in catalogue.local_offices["name"]:  # an office withheld: absent from the data
        for kpi in provider_kpis:
            if (kpi, office) not in offices and any(k == kpi for k, _ in offices):
                code = catalogue.local_offices.set_index("name").loc[office, "local_office_code"]
                parts = [stps.get((kpi, catalogue.area_name(s)), none)
                         for s in catalogue.stps_in(code)]  # fmt: skip
                relations.append((f"{office} {kpi}", *relation(("[c]", "[c]"), parts)))
    assert len(relations) > 200  # each an n relation and (most) a numerator one
    assert sum(k is not None for _, _, k in relations) > 100
    assert any("[c]" in n for _, n, _ in relations)
    assert any(k and "[c]" in k for _, _, k in relations)
    lone = [name for name, n, _ in relations if n.count("[c]") == 1]
    assert not lone, f"withheld n recoverable across pages: {lone[:10]}"
    lone = [name for name, _, k in relations if k and k.count("[c]") == 1]
    assert not lone, f"withheld numerators recoverable across pages: {lone[:10]}"


def test_no_withheld_count_can_be_recovered_across_region_and_office_pages(
    built_reports, catalogue
):
    """A region's count (NHS England's regions on the area pages' funnel data, HEE's on their
    scorecards) is the sum of its local offices' (the area pages' funnel data): no such sum
    may show exactly one withheld entry. A region or office missing from a table whose KPI
    lists others is withheld there."""
    kpi_names = dict(zip(catalogue.kpis["short_name"], catalogue.kpis["kpi_id"], strict=True))
    shown: dict[tuple[str, str], tuple[str, str]] = {}
    for page in pages(built_reports / "area"):
        for table in tables_in(page):
            caption = table["caption"].removeprefix("Data for the chart: ")
            if " by local office, " in caption or " by region, " in caption:
                kpi = kpi_names[caption.split(" (")[0]]
                for name, pair in counts_by_name(table, "Area").items():
                    assert shown.setdefault((kpi, name), pair) == pair, f"{name} {kpi} differs"
    for page in pages(built_reports / "hee_region"):
        name = catalogue.area_name(page.stem)
        for table in tables_in(page):
            if table["caption"].startswith("Every KPI for"):
                for kpi, pair in counts_by_name(table, "KPI").items():
                    shown[(kpi_names[kpi], name)] = pair
    kpis_shown = {kpi for kpi, _ in shown}
    relations = []
    for kpi in kpis_shown:
        for region in catalogue.all_regions["region_code"]:
            names = [catalogue.area_name(c) for c in (region, *catalogue.offices_in(region))]
            pairs = [shown.get((kpi, name), ("[c]", "[c]")) for name in names]
            for i, count in enumerate(("numerator", "denominator")):
                relations.append((f"{region} {kpi} {count}", [p[i] for p in pairs]))
    assert len(relations) >= 2 * 11 * 3
    assert any("[c]" in entries for _, entries in relations)
    recoverable = [name for name, entries in relations if entries.count("[c]") == 1]
    assert not recoverable, f"withheld counts recoverable across pages: {recoverable[:10]}"


#: Words of the project's own working, not a reader's: internal document names, unset
#: parameters, the tools that ran the notebook.
INTERNAL_WORDS = ("seed 00", "domain.md", "data=None", "papermill")


def test_no_page_shows_internal_working_names_to_the_reader(built_reports):
    """Failed before: every page said "source: seed 002" or "seed 003", and its footer
    "data=None" and "run through papermill"."""
    found = {
        f"{page.relative_to(built_reports)}: {word}"
        for page in pages(built_reports)
        for word in INTERNAL_WORDS
        if word in page.read_text(encoding="utf-8")
    }
    assert not found, sorted(found)[:10]
