"""The disclosure rule: DisclosureRule, the named rules (NHS Digital, GMC) and the marker."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heenb.errors import ArgumentError

#: The ONS symbol for a figure withheld to protect confidentiality.
MARKER = "[c]"


@dataclass(frozen=True)
class DisclosureRule:
    """How small counts are protected.

    Parameters
    ----------
    threshold : int, default 7
        Counts from 1 to ``threshold`` are withheld; 0 is always shown. 0 means
        nothing is withheld.
    base : int, default 5
        Counts above the threshold are rounded to the nearest multiple of
        ``base`` (half-way cases up); 1 means no rounding. The threshold must be
        at least ``base // 2``, so that no count above 0 is shown as 0.
    name : str
        Who the rule comes from, for notes.
    """

    threshold: int = 7
    base: int = 5
    name: str = "NHS Digital"

    def __post_init__(self) -> None:
        for field, smallest in (("threshold", 0), ("base", 1)):
            value = getattr(self, field)
            if (
                not isinstance(value, int | np.integer)
                or isinstance(value, bool)
                or value < smallest
            ):
                raise ArgumentError(
                    f"DisclosureRule {field} must be a whole number of at least {smallest}, "
                    f"not {value!r}."
                )
        if self.threshold < self.base // 2:
            raise ArgumentError(
                f"DisclosureRule threshold ({self.threshold}) must be at least base // 2 "
                f"({self.base // 2}); otherwise counts of 1 to {self.base // 2} would be "
                f"rounded to 0 and published as if nobody were there."
            )

    def withheld(self, counts: np.ndarray) -> np.ndarray:
        """True where a count (whole number, 0 or more) is withheld: 1 to ``threshold``."""
        return (counts >= 1) & (counts <= self.threshold)

    def rounded(self, counts: np.ndarray) -> np.ndarray:
        """Counts rounded to the nearest multiple of ``base``, half-way cases up."""
        return (2 * counts + self.base) // (2 * self.base) * self.base

    def note(self, marker: str = MARKER) -> str:
        """One sentence explaining the marker and this rule, for report notes."""
        rounding = (
            f", other counts below England level are rounded to the nearest {self.base} "
            f"and percentages are calculated from the rounded counts, except a rate shown "
            f"beside its n, which is calculated from the unrounded counts and given only as "
            f"precisely as that rounding allows"
            if self.base > 1
            else ""
        )
        small = {
            0: "no count is withheld for being small",
            1: "counts of 1 are not shown",
            2: "counts of 1 and 2 are not shown",
        }.get(self.threshold, f"counts of 1 to {self.threshold} are not shown")
        return (
            f"{marker} marks a figure withheld to protect confidentiality ({self.name} rule): "
            f"{small}{rounding}; where a table shows totals, further figures are withheld so "
            f"that none can be worked out by subtraction."
        )


#: NHS Digital's rule: 1-7 withheld, other counts rounded to the nearest 5.
NHS_DIGITAL = DisclosureRule(threshold=7, base=5, name="NHS Digital")
#: The GMC's rule: no result for a group of fewer than 3 (1 or 2); no rounding.
GMC = DisclosureRule(threshold=2, base=1, name="GMC")
#: One sentence for report notes, explaining ``[c]`` under the default rule.
MARKER_NOTE = NHS_DIGITAL.note()


def check_rule(rule) -> None:
    if not isinstance(rule, DisclosureRule):
        raise ArgumentError(
            f"rule must be a DisclosureRule (for example heenb.disclosure.NHS_DIGITAL), "
            f"not {type(rule).__name__}."
        )
