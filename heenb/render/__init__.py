"""Rendering a run notebook into what readers open: the HTML page (nbconvert with the
heenb template) and the spreadsheet beside it (gptables). Knows pages, not the scheduler."""
