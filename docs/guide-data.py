"""Make docs/guide-data.csv: plainly synthetic survey counts for docs/guide.ipynb.

Run from the repository root: python docs/guide-data.py (deterministic: seed 7).
"""

import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
months = pd.period_range("2021-04", periods=36, freq="M")
regions = {"North": list("ABCD"), "Midlands": list("EFGH"), "South": list("IJKL")}
rows = []
for region, trusts in regions.items():
    for t in trusts:
        size = 5 if t == "L" else int(rng.integers(30, 160))  # Trust L is small
        base = {"North": 0.76, "Midlands": 0.71, "South": 0.81}[region] + rng.normal(0, 0.02)
        if t == "B":
            base -= 0.12  # one trust well below the rest
        for m in months:
            step = 0.07 if region == "Midlands" and m >= pd.Period("2023-01", "M") else 0
            asked = int(rng.poisson(size))
            good = int(rng.binomial(asked, min(base + step, 0.97)))
            rows.append(
                {
                    "month": m.to_timestamp().strftime("%Y-%m-%d"),
                    "region": region,
                    "trust": f"Trust {t}",
                    "asked": asked,
                    "rated_good": good,
                }
            )
pd.DataFrame(rows).to_csv("docs/guide-data.csv", index=False)
