"""Write a complete, deterministic, realistic demo raw data set.

National totals follow the published figures in ``data/reference/published_*.csv``
(NETS response counts and positive shares, midwife FTE); everything regional
or local is synthetic, with believable variation between local offices, trends,
a COVID-19 bump in ARCP outcomes 10.1 and 10.2 from 2020, and small cells for
disclosure control to work on. The folder gets a ``heenb-demo.json`` marker so
every report built from it says it is demo data.

The same ``seed`` and ``scale`` give byte-identical files on any machine with
the pinned numpy and pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from heenb import paths
from heenb.data.catalogue import Catalogue, load_catalogue
from heenb.data.contract import RAW_FILES
from heenb.errors import ArgumentError
from heenb.paths import REFERENCE_DIR

DEMO_MARKER = "heenb-demo.json"
DEFAULT_SEED = 20230401

ARCP_YEARS = range(2017, 2025)
NETS_YEARS = range(2018, 2025)
UPDATE_QUARTERS = pd.period_range("2021Q1", "2024Q4", freq="Q")
PROJECT_QUARTERS = pd.period_range("2022Q1", "2024Q4", freq="Q")
WORKFORCE_MONTHS = pd.period_range("2019-01", "2024-12", freq="M")
DEMOGRAPHIC_YEARS = range(2019, 2025)

#: Relative size of each local office's training population (synthetic, believable).
OFFICE_WEIGHT = {
    "NE": 0.055, "YH": 0.095, "NW": 0.13, "EM": 0.075, "WM": 0.10, "EOE": 0.09, "NCEL": 0.095,
    "NWL": 0.075, "SL": 0.08, "KSS": 0.07, "TV": 0.045, "WX": 0.05, "SW": 0.075,
}  # fmt: skip
#: Share of the population served from an ethnic minority group (synthetic, census-like).
OFFICE_MINORITY_SHARE = {
    "NE": 0.07, "YH": 0.14, "NW": 0.14, "EM": 0.16, "WM": 0.23, "EOE": 0.13, "NCEL": 0.46,
    "NWL": 0.50, "SL": 0.43, "KSS": 0.11, "TV": 0.20, "WX": 0.08, "SW": 0.07,
}  # fmt: skip
ARCP_NATIONAL = 55_000
NETS_RESPONDENTS = {2018: 24_000, 2019: 30_500, 2020: 37_000, 2021: 37_500, 2022: 38_500,
                    2023: 39_000, 2024: 40_000}  # fmt: skip


def write_demo_data(
    out: Path, seed: int = DEFAULT_SEED, scale: float = 1.0, force: bool = False
) -> dict[str, int]:
    """Write every raw file of the contract into ``out``; return rows written per file.

    Parameters
    ----------
    out : Path
        Folder to write (created if missing). It must be empty or hold only
        files an earlier run wrote (which are replaced), unless ``force``; it is
        never the reference folder or inside it.
    seed : int
        Random seed; the same seed and scale give identical files.
    scale : float
        1 is NHS England scale (about 55,000 ARCP outcomes and up to 40,000
        NETS respondents a year); 0.05 makes a small set for tests.
    force : bool
        Write into a folder holding other files too (files of the same names are replaced).

    Raises
    ------
    ArgumentError
        A bad scale or seed, or a folder that may not be written (see ``out``).
    """
    check_demo_folder(out, force)
    if not scale > 0 or scale > 10:
        raise ArgumentError(f"--scale must be a number above 0 and at most 10, not {scale}.")
    if seed < 0:
        raise ArgumentError(f"--seed must be a whole number 0 or above, not {seed}.")
    catalogue = load_catalogue()
    rng = np.random.default_rng(seed)
    offices = list(catalogue.local_offices["local_office_code"])
    effects = _office_effects(rng, offices)
    # Providers are drawn from a stream of their own, so adding them left every other
    # value (and the national calibration) as it was.
    placements = Placements(catalogue, np.random.default_rng([seed, 1]))
    tables = {
        "arcp_outcomes": _arcp(rng, catalogue, offices, effects, scale).pipe(placements.place),
        "nets_responses": _nets(rng, catalogue, offices, effects, scale).pipe(placements.place),
        "workforce_fte": _workforce(rng, offices),
        "kpi_updates": _kpi_updates(rng, catalogue),
        "demographics": _demographics(rng, offices, scale),
        "ppi_activities": _ppi(rng, catalogue, offices, scale),
    }
    tables["programme_projects"], tables["programme_updates"] = _programmes(rng, catalogue, offices)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    marker = {"demo": True, "seed": seed, "scale": scale, "generator": "heenb demo-data"}
    (out / DEMO_MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    return {name: len(table) for name, table in tables.items()}


def check_demo_folder(out: Path, force: bool = False) -> None:
    """Refuse a folder demo data may not be written to (see :func:`write_demo_data`)."""
    out = Path(out).expanduser().resolve()
    reference = Path(paths.REFERENCE_DIR).resolve()
    if out == reference or reference in out.parents:
        raise ArgumentError(
            f"--out {out} is in the reference data folder ({reference}); demo data is never "
            "written there, even with --force. Choose another folder, such as data/demo."
        )
    if not out.exists():
        return
    if not out.is_dir():
        raise ArgumentError(f"--out {out} is a file; give a folder.")
    ours = {raw.filename for raw in RAW_FILES} | {DEMO_MARKER}
    names = sorted(p.name for p in out.iterdir())
    foreign = [n for n in names if n not in ours] if (out / DEMO_MARKER).is_file() else names
    if foreign and not force:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        raise ArgumentError(
            f"--out {out} holds files heenb demo-data did not write ({shown}); choose an empty "
            "or new folder, or pass --force to write the demo files beside them (files of the "
            "same names are replaced)."
        )


class Placements:
    """Placement providers for learners: each learner's trust lies in their local office.

    A provider's size is synthetic but plausible: lognormal, larger for teaching
    and university trusts, smaller for specialist children's and women's trusts.
    Learners are spread over the providers of their local office in proportion
    to size. ``rng`` is used for nothing else, so the same seed gives the same
    placements.
    """

    def __init__(self, catalogue: Catalogue, rng: np.random.Generator):
        providers = catalogue.providers
        names = providers["name"].str.lower()
        size = rng.lognormal(0, 0.45, len(providers))
        size *= np.where(names.str.contains("university|teaching"), 1.8, 1.0)
        size *= np.where(names.str.contains("children|women"), 0.4, 1.0)
        self.rng = rng
        self.by_office = {}
        office_of = catalogue.office_of_provider
        for office in catalogue.local_offices["local_office_code"]:
            mine = (office_of == office).to_numpy()
            codes = providers["provider_code"].to_numpy()[mine]
            self.by_office[office] = (codes, size[mine] / size[mine].sum())

    def place(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with a ``provider`` column after ``local_office``: one provider per learner.

        A learner is one ``respondent_id`` (every item of one NETS respondent has
        the same provider) or one row.
        """
        learner = table["respondent_id"] if "respondent_id" in table else pd.Series(table.index)
        first = ~learner.duplicated().to_numpy()
        offices = table["local_office"].to_numpy()[first]
        chosen = np.empty(len(offices), dtype=object)
        for office, (codes, p) in self.by_office.items():
            where = np.flatnonzero(offices == office)
            chosen[where] = codes[self.rng.choice(len(codes), size=len(where), p=p)]
        provider = pd.Series(chosen, index=learner.to_numpy()[first])
        table = table.copy()
        position = table.columns.get_loc("local_office") + 1
        table.insert(position, "provider", provider.reindex(learner.to_numpy()).to_numpy())
        return table


def _office_effects(rng: np.random.Generator, offices: list[str]) -> pd.DataFrame:
    """Persistent differences between local offices, on the logit scale."""
    return pd.DataFrame(
        {
            "satisfaction": rng.normal(0, 0.18, len(offices)),
            "satisfaction_trend": rng.normal(0, 0.03, len(offices)),
            "covid": rng.lognormal(0, 0.25, len(offices)),
            "extension": rng.lognormal(0, 0.12, len(offices)),
            "representation": rng.normal(0.92, 0.12, len(offices)),
        },
        index=offices,
    )


def _weights(offices: list[str]) -> np.ndarray:
    w = np.array([OFFICE_WEIGHT[o] for o in offices])
    return w / w.sum()


def _arcp(rng, catalogue: Catalogue, offices, effects, scale) -> pd.DataFrame:
    outcomes = list(catalogue.codes["arcp_outcomes"]["outcome"])
    specialties = list(catalogue.codes["specialty_groups"]["specialty_group"])
    specialty_p = np.array([0.07, 0.05, 0.18, 0.17, 0.05, 0.06, 0.07, 0.04, 0.1, 0.16, 0.05])
    base = {"1": 0.615, "2": 0.05, "3": 0.045, "4": 0.004, "5": 0.05, "6": 0.17, "7.1": 0.01,
            "7.2": 0.003, "7.3": 0.003, "7.4": 0.003, "8": 0.03, "9": 0.001}  # fmt: skip
    covid = {2020: (0.08, 0.035), 2021: (0.10, 0.04), 2022: (0.05, 0.025), 2023: (0.025, 0.012),
             2024: (0.012, 0.006)}  # fmt: skip
    frames = []
    for year in ARCP_YEARS:
        total = round(ARCP_NATIONAL * scale * (1 + 0.012 * (year - 2017)))
        by_office = rng.multinomial(total, _weights(offices))
        for office, n in zip(offices, by_office, strict=True):
            p = np.array([base.get(o, 0.0) for o in outcomes])
            p[outcomes.index("2")] *= effects.at[office, "extension"]
            p[outcomes.index("3")] *= effects.at[office, "extension"]
            c101, c102 = (x * effects.at[office, "covid"] for x in covid.get(year, (0.0, 0.0)))
            p[outcomes.index("10.1")], p[outcomes.index("10.2")] = c101, c102
            p[outcomes.index("1")] -= p.sum() - 1  # COVID outcomes displace satisfactory ones
            by_specialty = rng.multinomial(n, specialty_p / specialty_p.sum())
            for specialty, m in zip(specialties, by_specialty, strict=True):
                counts = rng.multinomial(m, p)
                frames.append(pd.DataFrame({
                    "year": year, "local_office": office, "specialty_group": specialty,
                    "outcome": np.repeat(outcomes, counts),
                }))  # fmt: skip
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "outcome_id", [f"A{i:07d}" for i in range(1, len(table) + 1)])
    return table


def _published(measure: str, years) -> pd.Series:
    """Published national NETS positive share by year, interpolated where none was published."""
    published = pd.read_csv(REFERENCE_DIR / "published_nets.csv")
    rows = published[published["measure"] == measure].set_index("year")["value"]
    series = rows.reindex(list(years)).astype(float)
    return series.interpolate(limit_direction="both")


def _nets(rng, catalogue: Catalogue, offices, effects, scale) -> pd.DataFrame:
    items = list(catalogue.codes["nets_items"]["item"])
    groups = list(catalogue.codes["learner_groups"]["learner_group"])
    group_p = np.array([0.34, 0.06, 0.16, 0.06, 0.04, 0.05, 0.26, 0.03])
    group_effect = np.array([0.0, -0.25, 0.05, 0.1, 0.0, -0.15, 0.1, 0.05])
    defaults = {"facilities": 0.78, "learning-opportunities": 0.85, "teamwork": 0.88}
    frames = []
    for year in NETS_YEARS:
        n = round(NETS_RESPONDENTS[year] * scale)
        office_idx = rng.choice(len(offices), size=n, p=_weights(offices))
        group_idx = rng.choice(len(groups), size=n, p=group_p / group_p.sum())
        respondent = np.array([f"N{year}-{i:06d}" for i in range(1, n + 1)])
        shift = (effects["satisfaction"].to_numpy() + effects["satisfaction_trend"].to_numpy()
                 * (year - 2021))[office_idx] + group_effect[group_idx]  # fmt: skip
        for item in items:
            anchor = defaults.get(item) or _published(item, NETS_YEARS)[year]
            answered = rng.random(n) > (0.0 if item == "overall" else 0.03)
            logit = _calibrate(anchor, shift) + shift + rng.normal(0, 0.4, n)
            positive = rng.random(n) < 1 / (1 + np.exp(-logit))
            answer = np.where(
                positive,
                np.where(rng.random(n) < 0.38, 5, 4),
                rng.choice([3, 2, 1], size=n, p=[0.72, 0.2, 0.08]),
            )
            frames.append(pd.DataFrame({
                "respondent_id": respondent[answered], "year": year,
                "local_office": np.array(offices)[office_idx[answered]],
                "learner_group": np.array(groups)[group_idx[answered]], "item": item,
                "answer": answer[answered],
            }))  # fmt: skip
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["year", "respondent_id"], kind="stable", ignore_index=True)


#: Gauss-Hermite nodes and weights for averaging over the N(0, 0.4) answer noise.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(12)


def _calibrate(target: float, shift: np.ndarray) -> float:
    """Intercept c with E[sigmoid(c + shift + noise)] = target over respondents, by bisection.

    The noise (normal, sd 0.4) is integrated by Gauss-Hermite quadrature and the
    respondents are represented by their first 2,000 shifts.
    """
    sample = shift[:2000, None] + 0.4 * _NODES[None, :]
    weights = _WEIGHTS / _WEIGHTS.sum() / len(sample)
    low, high = -5.0, 8.0
    for _ in range(40):
        mid = (low + high) / 2
        if np.sum(weights / (1 + np.exp(-(mid + sample)))) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _midwives_national() -> pd.Series:
    """Midwife FTE by month: published points interpolated, then a synthetic rise after 2021."""
    published = pd.read_csv(REFERENCE_DIR / "published_midwife_fte.csv")
    points = published.set_index(pd.PeriodIndex(published["month"], freq="M"))["fte"].astype(float)
    synthetic = pd.Series({pd.Period("2022-09", "M"): 22_700.0, pd.Period("2023-09", "M"): 23_250.0,
                           pd.Period("2024-12", "M"): 23_700.0})  # fmt: skip
    points = pd.concat([points, synthetic])
    months = pd.period_range(points.index.min(), WORKFORCE_MONTHS.max(), freq="M")
    ordinal = np.array([m.ordinal for m in months])
    values = np.interp(ordinal, [p.ordinal for p in points.index], points.to_numpy())
    return pd.Series(values, index=months).reindex(WORKFORCE_MONTHS)


def _workforce(rng, offices) -> pd.DataFrame:
    t = np.arange(len(WORKFORCE_MONTHS)) / 12
    august = np.array([m.month >= 8 for m in WORKFORCE_MONTHS], dtype=float)
    national = {
        "midwives": _midwives_national().to_numpy(),
        "consultant-obstetricians": 2_450 * (1.028**t),
        "nurses": 300_000 * (1.035**t),
        "doctors-in-training": 55_000 * (1.02**t) * (1 + 0.01 * august),
    }
    weights = _weights(offices)
    frames = []
    for group, series in national.items():
        tilt = rng.normal(0, 0.01, len(offices))  # some offices grow faster than others
        share = weights[:, None] * np.exp(tilt[:, None] * t[None, :])
        share = share / share.sum(axis=0)
        noise = rng.normal(1, 0.003, (len(offices), len(t)))
        fte = np.round(series[None, :] * share * noise, 1)
        frames.append(pd.DataFrame({
            "month": np.tile(WORKFORCE_MONTHS.strftime("%Y-%m"), len(offices)),
            "local_office": np.repeat(offices, len(t)), "staff_group": group,
            "fte": fte.ravel(),
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


_UPDATE_PHRASES = {
    "quality-framework": [
        "Quality Framework self-assessments returned by {pct}% of providers this quarter.",
        "Quality Scrutiny Boards reviewed {n} learning environments against the framework.",
        "Lessons from quality interventions shared across regions through the NHS Education "
        "Contract review.",
    ],
    "maternity": [
        "Student midwife placement capacity expanded by {n} places; multidisciplinary training "
        "sessions held in every region.",
        "Advanced Clinical Practice Credential for midwives piloted with {n} learners.",
        "Maternity training funding ring-fenced and reported quarterly.",
    ],
    "learner-voice": [
        "NETS results shared with {n} providers; action plans agreed where satisfaction fell.",
        "Learner forums held in every local office; themes triangulated with ARCP outcomes.",
        "Areas of concern from the survey followed up through quality visits.",
    ],
    "cross-cutting": [
        "Widening participation: {n} learners started on the access to medicine, dentistry and "
        "healthcare professions programme.",
        "Medical apprenticeship and T level routes promoted in {n} schools in coastal and rural "
        "areas.",
        "Representation data reviewed with integrated care systems; actions agreed where "
        "learners under-represent the population served.",
    ],
    "restoration-recovery": [
        "Every trainee with an outcome 10.2 offered an individual training and wellbeing "
        "conversation.",
        "Recovery funding used to add {n} independent sector training lists.",
        "Simulation and technology enhanced learning sessions delivered to {n} trainees.",
    ],
}


def _kpi_updates(rng, catalogue: Catalogue) -> pd.DataFrame:
    rows = []
    for objective in catalogue.objectives["objective_id"]:
        phrases = _UPDATE_PHRASES[objective]
        level = rng.integers(1, 3)
        for quarter in UPDATE_QUARTERS:
            level = int(np.clip(level + rng.choice([-1, 0, 0, 1, 1]), 1, 3))
            picked = rng.choice(len(phrases), size=2, replace=False)
            text = " ".join(
                phrases[i].format(n=int(rng.integers(8, 140)), pct=int(rng.integers(60, 99)))
                for i in picked
            )
            rows.append({
                "objective": objective, "quarter": str(quarter).replace("Q", "-Q"),
                "rag": ["red", "amber", "green"][level - 1],
                "assurance": "" if rng.random() < 0.15 else
                ["limited", "partial", "reasonable", "substantial"][min(level, 3)],
                "narrative": text,
            })  # fmt: skip
    return pd.DataFrame(rows)


def _programmes(rng, catalogue: Catalogue, offices) -> tuple[pd.DataFrame, pd.DataFrame]:
    projects = []
    for strand in catalogue.strands.itertuples():
        for k in range(int(rng.integers(2, 5))):
            projects.append(
                (
                    "em-innovation",
                    strand.strand_id,
                    "EM",
                    f"{strand.name}: project {k + 1}",
                    "Innovation directorate",
                )
            )
    ppi = catalogue.codes["ppi_activity_types"]
    for activity in ppi.itertuples():
        projects.append(
            ("putting-people-first", "", "EM", activity.name, "Patient and public involvement lead")
        )
    for office in offices:
        projects.append(
            ("pgme-recovery", "", office, "Training recovery plan", "Postgraduate dean")
        )
        projects.append(
            (
                "maternity-transformation",
                "",
                office,
                "Midwifery education and placement expansion",
                "Head of midwifery education",
            )
        )
    for area, office in zip(
        ["Mental health", "Cancer and diagnostics", "Intensive and critical care", "Respiratory"],
        rng.choice(offices, size=4, replace=False),
        strict=True,
    ):
        projects.append(
            (
                "elective-care-repository",
                "",
                office,
                f"{area} case study",
                "Regional transformation team",
            )
        )
    table = pd.DataFrame(projects, columns=["programme", "strand", "local_office", "project",
                                            "lead"])  # fmt: skip
    table.insert(0, "project_id", [f"P{i:03d}" for i in range(1, len(table) + 1)])
    table["pid_status"] = rng.choice(["approved", "submitted", "draft"], size=len(table),
                                     p=[0.7, 0.2, 0.1])  # fmt: skip
    innovation = table.index[table["programme"] == "em-innovation"]
    depends = pd.Series("", index=table.index)
    for i in rng.choice(innovation, size=len(innovation) // 3, replace=False):
        other = rng.choice(innovation[innovation != i])
        depends[i] = table.at[other, "project_id"]
    table["depends_on"] = depends
    return table, _project_updates(rng, table)


def _project_updates(rng, projects: pd.DataFrame) -> pd.DataFrame:
    stages = ["idea", "early-adoption", "implementation", "embedded", "spread"]
    rows = []
    for project in projects.itertuples():
        stage = int(rng.integers(0, 2))
        for number, quarter in enumerate(PROJECT_QUARTERS, start=1):
            stage = min(stage + int(rng.random() < 0.18), len(stages) - 1)
            status = rng.choice(["met", "due", "missed"], p=[0.6, 0.25, 0.15])
            rag = {"met": "green", "due": "amber", "missed": "red"}[status]
            if rng.random() < 0.2:
                rag = "amber"
            due = quarter.end_time.normalize() - pd.Timedelta(days=int(rng.integers(0, 60)))
            rows.append({
                "project_id": project.project_id, "quarter": str(quarter).replace("Q", "-Q"),
                "stage": stages[stage], "rag": rag, "milestone": f"Milestone {number}",
                "milestone_due": due.strftime("%Y-%m-%d"), "milestone_status": status,
                "narrative": f"{project.project}: {_PROGRESS[status]}",
            })  # fmt: skip
    return pd.DataFrame(rows)


_PROGRESS = {
    "met": "milestone met; learning shared at the programme board.",
    "due": "on track for the next milestone; periodic update report submitted.",
    "missed": "milestone missed; recovery plan agreed with the programme lead.",
}


def _ppi(rng, catalogue: Catalogue, offices, scale) -> pd.DataFrame:
    types = list(catalogue.codes["ppi_activity_types"]["activity_type"])
    mean = np.array([6.0, 2.0, 1.0, 3.0, 1.5])
    rows = []
    for office in offices:
        factor = 4.0 if office == "EM" else 1.0  # Putting People First is an East Midlands strategy
        for q, quarter in enumerate(UPDATE_QUARTERS):
            counts = rng.poisson(mean * factor * (1 + 0.03 * q) * max(scale, 0.2) ** 0.5)
            for activity, count in zip(types, counts, strict=True):
                rows.append((office, str(quarter).replace("Q", "-Q"), activity, int(count)))
    return pd.DataFrame(rows, columns=["local_office", "quarter", "activity_type", "count"])


def _demographics(rng, offices, scale) -> pd.DataFrame:
    groups = ["asian", "black", "mixed", "white", "other"]
    minority_mix = np.array([0.52, 0.22, 0.16, 0.0, 0.10])
    rows = []
    for office in offices:
        minority = OFFICE_MINORITY_SHARE[office]
        population_total = 4_200_000 * OFFICE_WEIGHT[office] / 0.075
        learners_total = 14_000 * OFFICE_WEIGHT[office] / 0.075 * scale
        ratio = 0.8 + 0.4 * rng.random()
        for year in DEMOGRAPHIC_YEARS:
            ratio_year = ratio + (1 - ratio) * 0.08 * (year - 2019)  # drifting towards parity
            pop_share = minority * minority_mix
            pop_share[3] = 1 - minority
            learner_minority = min(minority * ratio_year, 0.95)
            learn_share = learner_minority * minority_mix
            learn_share[3] = 1 - learner_minority
            population = rng.poisson(population_total * pop_share * (1 + 0.004 * (year - 2019)))
            learners = rng.poisson(learners_total * learn_share * (1 + 0.02 * (year - 2019)))
            for group, p_count, l_count in zip(groups, population, learners, strict=True):
                rows.append((year, office, "population", group, int(p_count)))
                rows.append((year, office, "learners", group, int(l_count)))
    return pd.DataFrame(rows, columns=["year", "local_office", "population", "ethnic_group",
                                       "count"])  # fmt: skip
