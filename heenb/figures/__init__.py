"""The figures layer: the only place where counts meet disclosure control and statistics.

Pages read every number and every verdict from here, never from the mart directly:

- :mod:`heenb.figures.measure`: :class:`Measure`, a KPI row with its rule, unit, direction and
  kind as typed properties;
- :mod:`heenb.figures.kpis`: protected rates by area and period, trends, comparisons on a
  funnel, changes and SPC, with disclosure control applied once (:func:`kpis.protected`);
- :mod:`heenb.figures.protection`: secondary suppression across the sums of the geography;
- :mod:`heenb.figures.providers`: protected figures of local offices, STPs and providers;
- :mod:`heenb.figures.commitments`: staff in post against a commitment;
- :mod:`heenb.figures.score`: one :class:`Score` per (measure, area), where each verdict
  (change, standing, SPC, target) is decided once.
"""
