"""Provider and STP rates: worked out from the unrounded counts, shown beside their n.

Issue 17: counts were rounded to 5 before the rate was taken, so 41 of 88 provider
student-midwife cells read "100.0%" and STPs whose rounded counts were 25/25 were flagged
above the 99.8% limit. A provider's or STP's rate now comes from its unrounded counts,
given only as precisely as its rounded n allows (:mod:`heenb.disclosure`), and withheld on
a small base.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from test_protection import recoverable

from heenb import disclosure, funnel
from heenb.data.catalogue import ENGLAND, PROVIDER, STP
from heenb.figures import kpis, protection
from heenb.figures import providers as provider_figures
from heenb.report.common import Inputs
from heenb.report.stp import StpReport

MIDWIVES = "midwife-training-satisfaction"


def raw_counts(mart, measure: str, period: str, level: str) -> pd.DataFrame:
    rows = kpis.measure_rows(mart, measure)
    rows = rows[(rows["period"] == period) & (rows["group"] == "all") & (rows["level"] == level)]
    return rows.set_index("area_code")[["numerator", "denominator"]].astype("int64")


@pytest.mark.parametrize("level", [PROVIDER, STP])
def test_provider_and_stp_rates_are_not_computed_from_rounded_counts(mart, catalogue, level):
    """Fails on the old code: 23 of 27 was shown as 25 of 25, "100.0%"."""
    checked = 0
    for kpi_id in provider_figures.provider_measures(catalogue, mart)["kpi_id"]:
        period = kpis.latest_period(mart, kpi_id)
        table = provider_figures.protected_counts(mart, catalogue, kpi_id, period)
        rows = provider_figures.at_level(table, level).set_index("area_code")
        rows = rows[kpis.shown(rows)]
        raw = raw_counts(mart, kpi_id, period, level).loc[rows.index]
        unrounded = raw["numerator"] / raw["denominator"]
        # The coarsest precision a rate is given to is the nearest 5 per cent.
        assert ((rows["value"].astype(float) - unrounded).abs() <= 0.025 + 1e-9).all(), kpi_id
        checked += len(rows)
    assert checked > 20


def rolled_up_mart(mart, catalogue, counts: dict[str, tuple[int, int]], others=(140, 200)):
    """The small demo mart with student midwives' latest figures made so: each provider
    ``counts[code]`` (numerator, denominator), every other provider ``others``, and every
    area above them the sum of its providers, as the mart rolls them up."""
    period = kpis.latest_period(mart, MIDWIVES)
    table = mart.proportions.copy()
    at = (table["measure"] == MIDWIVES) & (table["period"] == period) & (table["group"] == "all")
    at &= table["breakdown"] == "all"
    of = {code: counts.get(code, others) for code in catalogue.providers["provider_code"]}
    for i in table.index[at]:
        code = table.at[i, "area_code"]
        level = table.at[i, "level"]
        inside = (
            list(of) if code == ENGLAND
            else [code] if level == PROVIDER
            else catalogue.providers_in(code)
        )  # fmt: skip
        table.at[i, "numerator"] = sum(of[p][0] for p in inside)
        table.at[i, "denominator"] = sum(of[p][1] for p in inside)
    return dataclasses.replace(mart, proportions=table, derived={})


def lone_stp(catalogue, mart) -> tuple[str, str]:
    """An STP with one provider, both with student midwives' figures at the latest period:
    the STP's counts are the provider's."""
    rows = kpis.measure_rows(mart, MIDWIVES)
    counted = set(rows.loc[rows["period"] == kpis.latest_period(mart, MIDWIVES), "area_code"])
    sizes = catalogue.stp_of.value_counts()
    stp = next(s for s in sizes.index[sizes == 1] if {s, *catalogue.providers_in(s)} <= counted)
    return stp, catalogue.providers_in(stp)[0]


def test_a_provider_with_24_of_27_student_midwives_satisfied_does_not_read_100_per_cent(
    mart, catalogue
):
    """Fails on the old code: 24 of 27 was rounded to 25 of 25 and read "100.0%". On so
    small a base the rate is withheld: n is shown (25), the rate is not."""
    stp, provider = lone_stp(catalogue, mart)
    changed = rolled_up_mart(mart, catalogue, {provider: (24, 27)})
    period = kpis.latest_period(changed, MIDWIVES)
    table = provider_figures.protected_counts(changed, catalogue, MIDWIVES, period)
    for code in (provider, stp):
        row = table.set_index("area_code").loc[code]
        assert row["withheld"] and pd.isna(row["value"])
        assert row["denominator"] == 25


def stp_standing(catalogue, mart, stp: str) -> str:
    report = StpReport(stp, Inputs(catalogue, mart), {"stp": stp, "data": None})
    return report.scores[MIDWIVES].standing


def test_an_stp_whose_rounded_counts_read_25_of_25_is_not_flagged(mart, catalogue):
    """Fails on the old code: 24 of 27 was rounded to 25 of 25 and, against the other STPs'
    70%, judged above the 99.8% limit (0.7 to the 25th power is 0.00013), though 24 or more
    of 27 happens by chance 2% of the time at 70%."""
    stp, provider = lone_stp(catalogue, mart)
    changed = rolled_up_mart(mart, catalogue, {provider: (24, 27)})
    assert stp_standing(catalogue, changed, stp) not in ("high", "low")


def test_an_stp_far_above_its_peers_on_a_large_base_is_still_flagged(mart, catalogue):
    stp, provider = lone_stp(catalogue, mart)
    changed = rolled_up_mart(mart, catalogue, {provider: (590, 600)})
    assert stp_standing(catalogue, changed, stp) == "high"


PROVIDER_KPIS = ["midwife-training-satisfaction", "arcp-covid-share", "arcp-extension-share",
                 "nets-overall-satisfaction"]  # fmt: skip


@pytest.mark.parametrize("measure", PROVIDER_KPIS)
def test_no_withheld_rate_can_be_worked_out_from_the_sums_even_if_every_rate_shown_were_exact(
    mart, catalogue, measure
):
    """The worst case: a reader who knew every shown figure exactly (England's counts, each
    region's and office's rounded counts as if exact, each STP's and provider's numerator as
    if its rate gave it exactly) still cannot work out any withheld rate's numerator from
    the sums of the geography, in every period. A sum whose one non-empty part is its total
    is left out: subtracting gives nothing there."""
    sums = protection.relations(catalogue)
    table = provider_figures.published(mart, catalogue, measure)
    table = table[table["group"] == "all"]
    checked = 0
    for _period, rows in table.groupby("period"):
        withheld = dict(zip(rows["area_code"], rows["withheld"].astype(bool), strict=True))
        present = set(rows.loc[~rows["no_data"], "area_code"])
        kept = [(total, parts) for total, parts in sums
                if sum(p in present for p in parts) > 1]  # fmt: skip
        assert not recoverable(withheld, kept), _period
        checked += sum(withheld.values())
    assert checked > 0


def test_a_provider_withheld_on_a_small_base_is_not_the_only_withheld_rate_of_its_stp(
    mart, catalogue
):
    """Fails without withholding more rates: the STP's rate and its other providers' would
    give the small provider's numerator by subtraction, if each rate gave its exactly."""
    period = kpis.latest_period(mart, MIDWIVES)
    rows = kpis.measure_rows(mart, MIDWIVES)
    counted = set(rows.loc[rows["period"] == period, "area_code"])
    stp = next(s for s in catalogue.stps["stp_code"] if s in counted
               and sum(p in counted for p in catalogue.providers_in(s)) >= 3)  # fmt: skip
    small = next(p for p in catalogue.providers_in(stp) if p in counted)
    changed = rolled_up_mart(mart, catalogue, {small: (24, 27)})
    table = provider_figures.protected_counts(changed, catalogue, MIDWIVES, period)
    mine = provider_figures.at_level(table, PROVIDER, stp).set_index("area_code")
    assert mine.loc[small, "reason"] == "small base"
    assert mine["withheld"].sum() == 2
    other = mine[mine["withheld"] & (mine.index != small)].iloc[0]
    assert other["reason"] == "secondary" and other["denominator"] == 200  # n still shown
    everything = provider_figures.published(changed, catalogue, MIDWIVES)
    everything = everything[(everything["period"] == period) & (everything["group"] == "all")]
    withheld = dict(zip(everything["area_code"], everything["withheld"].astype(bool),
                        strict=True))  # fmt: skip
    present = set(everything.loc[~everything["no_data"], "area_code"])
    kept = [(total, parts) for total, parts in protection.relations(catalogue)
            if sum(p in present for p in parts) > 1]  # fmt: skip
    assert not recoverable(withheld, kept)


def verdicts_against_brute_force(centre: float, tau2: float, bases: range) -> np.ndarray:
    """Assert that each published cell's verdict (n and rate as shown, denominators in
    ``bases``) is, by brute force over every count in the cell, the unrounded counts'
    verdict whenever it names a side, and the same whichever of the cell's counts are the
    unrounded ones; return the verdicts."""
    n = np.concatenate([np.full(b + 1, b) for b in bases])
    k = np.concatenate([np.arange(b + 1) for b in bases])
    out = disclosure.published_rates(k, n)
    shown = (~out["withheld"] & ~out["no_data"]).to_numpy()
    own = funnel.exact_outlier(k[shown], n[shown], centre, tau2=tau2)
    frame = pd.DataFrame({
        "denominator": out["n"].to_numpy()[shown], "value": out["value"].to_numpy()[shown],
        "step": out["step"].to_numpy()[shown], "own": own,
    })  # fmt: skip
    cells = (
        frame.groupby(["denominator", "value"], dropna=False)
        .agg(step=("step", "first"), sides=("own", lambda v: "|".join(sorted(set(v)))))
        .reset_index()
    )
    whole = (cells["denominator"] >= bases.start + 5) & (cells["denominator"] <= bases.stop - 6)
    cells = cells[whole].assign(withheld=False, no_data=False)  # cells cut off: not judged
    judged = provider_figures.verdicts(cells, centre, tau2)
    expected = [s if "|" not in s else provider_figures.ON_LIMIT for s in cells["sides"]]
    assert list(judged) == expected
    return judged


def test_a_funnel_verdict_tells_nothing_beyond_the_published_n_and_rate():
    """Denominators of 95 to 185 (rates to 5 per cent) about a centre of 87%; the slow set
    goes to 560 (2 and 1 per cent) about three centres."""
    judged = verdicts_against_brute_force(0.87, 0.0, range(95, 186))
    assert {"low", provider_figures.ON_LIMIT} <= set(judged)


@pytest.mark.slow
@pytest.mark.parametrize(("centre", "tau2"), [(0.02, 0.0), (0.1, 0.0), (0.87, 0.0003)])
def test_a_funnel_verdict_tells_nothing_beyond_the_published_n_and_rate_up_to_560(centre, tau2):
    judged = verdicts_against_brute_force(centre, tau2, range(95, 561))
    assert provider_figures.ON_LIMIT in set(judged)


def test_a_provider_on_a_limit_is_named_as_such_and_not_counted_as_compared():
    from heenb.report import providers

    limits = pd.DataFrame(
        {"outlier": ["", provider_figures.ON_LIMIT, ""], "proportion": [0.8, 0.04, 0.85],
         "step": [0.01, 0.01, 0.05], "denominator": [600, 890, 150], "z": [0.1, 2.9, 0.3]},
        index=["A", "B", "C"],
    )  # fmt: skip
    names = ["A", "B", "C", "D"]
    assert providers.outliers_in_words(limits, names, "across England", "its providers") == (
        "None of its providers lies outside the 99.8% limits across England (2 of 4 compared; "
        "the rest are withheld, have no data or lie on a limit)."
    )
    assert providers.on_limit_words(limits, names) == (
        "Too close to a 99.8% limit to say on which side, from the rate and n published (so "
        "neither named nor counted within): B (4%, n 890)."
    )
    assert providers.verdict_text(provider_figures.ON_LIMIT) == "on the limit (not judged)"
