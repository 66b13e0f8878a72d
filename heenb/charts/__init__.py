"""Charts for reports: each function returns a :class:`~heenb.charts.figure.Chart`.

A Chart carries the matplotlib figure, a text alternative (the image's alt
text in HTML) and the data drawn (for the table beside the chart).
"""

from heenb.charts.figure import MDC_COLOURS, NHS_COLOURS, Chart

__all__ = ["Chart", "MDC_COLOURS", "NHS_COLOURS"]
