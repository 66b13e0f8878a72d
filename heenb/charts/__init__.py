"""Charts for reports: each function returns a :class:`~heenb.charts.figure.Chart`.

A Chart carries the matplotlib figure, a text alternative (the image's alt
text in HTML) and the data drawn (for the table beside the chart).

- :func:`xmr_chart`: Making Data Count XmR chart with variation and assurance icons;
- :func:`funnel_chart`: funnel plot of a proportion with 95% and 99.8% limits;
- :func:`comparison_chart`: areas compared on a dot chart with intervals;
- :func:`trend_chart`, :func:`small_multiples`: trend lines with confidence bands.
"""

from heenb.charts.compare import comparison_chart
from heenb.charts.figure import MDC_COLOURS, NHS_COLOURS, Chart
from heenb.charts.funnel import funnel_chart
from heenb.charts.trend import small_multiples, trend_chart
from heenb.charts.xmr import xmr_chart

__all__ = [
    "MDC_COLOURS",
    "NHS_COLOURS",
    "Chart",
    "comparison_chart",
    "funnel_chart",
    "small_multiples",
    "trend_chart",
    "xmr_chart",
]
