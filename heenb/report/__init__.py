"""Report content: each notebook cell calls one function here and shows its result.

- :func:`heenb.report.objective.objective_report`: one strategic objective;
- :func:`heenb.report.area.area_report`: one region or local office;
- :func:`heenb.report.programme.programme_report`: one programme;
- :func:`heenb.report.national.index_report`: the front page.

Sections are :class:`heenb.report.blocks.Block` objects (escaped HTML that
Jupyter and nbconvert display as they are).
"""
