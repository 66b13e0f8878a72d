"""Short alt text: a chart's text alternative stays within :data:`LIMIT` characters.

A screen reader reads alt text in one go, with no way to skim, so it says what the
chart is and its main finding; the figures are in the data table under every chart.
"""

from __future__ import annotations

#: Most characters of a chart's alt text.
LIMIT = 300
#: Said when some sentences were left out to stay within :data:`LIMIT`.
MORE = "Figures are in the data table."


def fit(sentences: list[str], limit: int = LIMIT) -> str:
    """Sentences joined, in order, leaving out any that would take the text past ``limit``.

    The first sentence (what the chart is) is always kept, cut at a word if it alone is
    too long; when a sentence is left out, :data:`MORE` ends the text.
    """
    sentences = [s.strip() for s in sentences if s and s.strip()]
    if not sentences:
        return ""
    if len(" ".join(sentences)) <= limit:
        return " ".join(sentences)
    room = limit - len(MORE) - 1
    first = sentences[0]
    if len(first) > room:
        first = first[: room - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"
    kept = [first]
    for sentence in sentences[1:]:
        if len(" ".join([*kept, sentence])) <= room:
            kept.append(sentence)
    return " ".join([*kept, MORE])


__all__ = ["LIMIT", "MORE", "fit"]
