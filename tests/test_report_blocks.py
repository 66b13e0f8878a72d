"""Report blocks: everything that can come from data is shown as text, never run."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from heenb.charts.figure import Chart, new_figure
from heenb.report.blocks import (
    Block,
    banner,
    bullet_list,
    definition_list,
    escape,
    figure,
    heading,
    join,
    no_data,
    paragraph,
    table,
)

SCRIPT = "<script>alert('x')</script>"


# --------------------------------------------------------------------------- escape


def test_escape_turns_a_script_tag_into_text():
    assert escape(SCRIPT) == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def test_escape_escapes_double_quotes_and_ampersands():
    assert escape('say "hi" & go') == "say &quot;hi&quot; &amp; go"


@pytest.mark.parametrize("missing", [None, pd.NA, math.nan])
def test_escape_shows_a_missing_value_as_nothing(missing):
    assert escape(missing) == ""


def test_escape_shows_numbers_as_text():
    assert escape(0) == "0"
    assert escape(84.19) == "84.19"


# --------------------------------------------------------------------------- text blocks


def test_paragraph_heading_banner_and_lists_escape_their_text():
    blocks = [
        paragraph(SCRIPT),
        heading(SCRIPT),
        banner(SCRIPT),
        bullet_list([SCRIPT]),
        definition_list({SCRIPT: SCRIPT}),
        no_data(SCRIPT, SCRIPT),
    ]
    for block in blocks:
        assert "<script>" not in block.markup
        assert "&lt;script&gt;" in block.markup


def test_a_heading_gets_an_id_from_its_words():
    assert heading("Quality 2: maternity services").markup == (
        '<h2 id="quality-2-maternity-services">Quality 2: maternity services</h2>'
    )


def test_a_banner_is_a_note_for_assistive_technology():
    assert 'role="note"' in banner("Demo data").markup


# --------------------------------------------------------------------------- tables


@pytest.fixture
def hostile_frame():
    return pd.DataFrame(
        {
            "Project <b>": ["<script>alert(1)</script>", 'Say "no"'],
            "Lead": ["A & B", "<img src=x onerror=alert(1)>"],
        }
    )


def test_table_escapes_every_cell_and_header(hostile_frame):
    markup = table(hostile_frame, "Projects").markup
    assert "<script>" not in markup
    assert "<img" not in markup
    assert "<b>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "A &amp; B" in markup
    assert "Say &quot;no&quot;" in markup
    assert "Project &lt;b&gt;" in markup


def test_table_has_a_caption_and_column_headers_with_scope(hostile_frame):
    markup = table(hostile_frame, "Projects <in> East Midlands").markup
    assert "<caption>Projects &lt;in&gt; East Midlands</caption>" in markup
    assert markup.count('<th scope="col">') == 2


def test_table_note_is_escaped():
    markup = table(pd.DataFrame({"a": [1]}), "T", note="[c] <withheld>").markup
    assert '<p class="heenb-table-note">[c] &lt;withheld&gt;</p>' in markup


def test_an_empty_table_says_no_rows():
    markup = table(pd.DataFrame({"Area": [], "Value": []}), "Nothing").markup
    assert '<td colspan="2">No rows.</td>' in markup


def test_a_table_has_one_row_per_record():
    frame = pd.DataFrame({"Area": ["London", "Midlands", "South West"]})
    assert table(frame, "Regions").markup.count("<tr>") == 4  # header and three rows


def test_a_table_is_a_focusable_region_named_by_its_caption():
    markup = table(pd.DataFrame({"Area": ["London"]}), "Projects <in> London").markup
    assert markup.startswith(
        '<div class="heenb-table" role="region" tabindex="0" '
        'aria-label="Projects &lt;in&gt; London">'
    )


@pytest.fixture
def mixed_frame():
    return pd.DataFrame(
        {
            "Region": ["London", "Midlands", "South West"],
            "Year": [2023, 2024, 2024],
            "Learners": [1250, "[c]", 40],
            "Share": ["84.2%", "no data", "-3.5%"],
            "95% interval": ["83.9% to 84.6%", "[c]", "1.0% to 2.5%"],
            "FTE": [1553.0, 12.5, 1_200.25],
            "Latest update": ["On track", "12 days late", ""],
        }
    )


def test_numeric_columns_are_marked_for_right_alignment(mixed_frame):
    markup = table(mixed_frame, "Mixed").markup
    numeric = ["Learners", "Share", "95% interval", "FTE"]
    for name in numeric:
        assert f'<th scope="col" class="num">{escape(name)}</th>' in markup
    assert markup.count('<td class="num">') == 3 * len(numeric)


def test_text_and_year_columns_stay_left_aligned(mixed_frame):
    markup = table(mixed_frame, "Mixed").markup
    for name in ["Region", "Year", "Latest update"]:
        assert f'<th scope="col">{name}</th>' in markup
    assert "<td>London</td><td>2023</td>" in markup
    assert "<td>On track</td>" in markup


def test_true_and_false_cells_read_yes_and_no():
    markup = table(pd.DataFrame({"Withheld": [True, False]}), "T").markup
    assert "<td>yes</td>" in markup and "<td>no</td>" in markup


# --------------------------------------------------------------------------- figures


@pytest.fixture
def chart():
    fig, ax = new_figure(height_in=1.0, width_in=2.0)
    ax.plot([1, 2], [1, 2])
    return Chart(
        figure=fig,
        alt_text='Share rose from 80% to "90%" <in> London & Midlands',
        data=pd.DataFrame({"Region": ["<script>London</script>"], "Value": ["90%"]}),
        title="Satisfaction <by> region",
    )


def test_figure_keeps_the_alt_text_escaped(chart):
    markup = figure(chart).markup
    assert 'alt="Share rose from 80% to &quot;90%&quot; &lt;in&gt; London &amp; Midlands"' in (
        markup
    )
    assert "<in>" not in markup


def test_figure_caption_defaults_to_the_chart_title_escaped(chart):
    assert "<figcaption>Satisfaction &lt;by&gt; region</figcaption>" in figure(chart).markup


def test_figure_shows_the_data_behind_the_chart_as_an_escaped_table(chart):
    markup = figure(chart, caption="Satisfaction").markup
    assert "<caption>Data for the chart: Satisfaction</caption>" in markup
    assert "&lt;script&gt;London&lt;/script&gt;" in markup
    assert "<script>" not in markup


def test_figure_text_is_the_alt_text(chart):
    assert figure(chart).text == f"[Chart: {chart.alt_text}]"


# --------------------------------------------------------------------------- joining


def test_adding_blocks_joins_their_markup_in_order():
    joined = paragraph("first") + paragraph("second")
    assert joined.markup == "<p>first</p><p>second</p>"
    assert joined.text == "first\nsecond"


def test_join_makes_one_block_of_many():
    joined = join([heading("Title"), paragraph("a"), paragraph("b")])
    assert joined.markup == '<h2 id="title">Title</h2><p>a</p><p>b</p>'
    assert joined.text == "Title\na\nb"


def test_join_of_nothing_is_an_empty_block():
    assert join([]).markup == ""


def test_a_block_displays_its_markup_in_jupyter_and_its_text_in_repr():
    block = paragraph("A & B")
    assert block._repr_html_() == "<p>A &amp; B</p>"
    assert repr(block) == "A & B"


def test_a_block_made_from_markup_alone_takes_its_text_from_the_markup():
    assert Block("<p>Midlands <b>up</b></p>").text == "Midlands up"


@pytest.mark.parametrize(
    ("data", "raw", "heading"),
    [
        ({"period": ["2024"], "special_cause": ["concern"]}, "special_cause",
         "Special cause variation"),
        ({"area": ["Leeds"], "lower998": [0.8], "z": [1.2]}, "lower998", "Lower 99.8% limit"),
        ({"area": ["Leeds"], "lower998": [0.8], "z": [1.2]}, "z", "z-score"),
        ({"area": ["Leeds"], "value": [0.8], "withheld": [False]}, "withheld", "Withheld"),
    ],
)  # fmt: skip
def test_a_chart_data_table_has_human_column_headings(data, raw, heading):
    fig, _ = new_figure(height_in=1.0, width_in=2.0)
    chart = Chart(figure=fig, alt_text="A chart", data=pd.DataFrame(data), title="T")
    markup = figure(chart).markup
    assert f">{heading}</th>" in markup
    assert f">{raw}</th>" not in markup


def test_xmr_limits_and_interval_bounds_get_different_headings():
    fig, _ = new_figure(height_in=1.0, width_in=2.0)
    xmr = pd.DataFrame({"period": ["1"], "value": [1.0], "mean": [1.0], "lower": [0.0],
                        "upper": [2.0], "special_cause": [""]})  # fmt: skip
    band = pd.DataFrame({"area": ["Leeds"], "value": [1.0], "lower": [0.0], "upper": [2.0]})
    xmr_markup = figure(Chart(figure=fig, alt_text="A", data=xmr, title="T")).markup
    band_markup = figure(Chart(figure=fig, alt_text="A", data=band, title="T")).markup
    assert ">Lower process limit</th>" in xmr_markup
    assert ">Lower bound</th>" in band_markup
