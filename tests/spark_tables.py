"""The messy table both Spark test modules read, and their Spark settings."""

from __future__ import annotations

import numpy as np
import pandas as pd

ROWS = 20_000
# small Arrow batches, so that every column's typing is decided across many chunks
SPARK = {"master": "local[2]",
         "conf": {"spark.sql.execution.arrow.maxRecordsPerBatch": "1000",
                  "spark.sql.shuffle.partitions": "4"}}


def messy_table(rows: int = ROWS, *, random_state: int = 0) -> pd.DataFrame:
    """A table as users export it: missing-value words, a numeric column with one value that
    does not read (late in the file), booleans as words, a code column that is 0/1 early and
    y/n late, dates, free text with commas, quotes and line breaks, exact duplicate rows,
    unlabelled rows, a rare class and "None" as a category and as no number."""
    rng = np.random.default_rng(random_state)
    income = rng.lognormal(10, 1, rows).round(2).astype(str).astype(object)
    income[rng.random(rows) < 0.05] = "NA"
    age = rng.integers(18, 90, rows).astype(str).astype(object)
    age[rows - 7] = "unknown"
    flag = np.where(np.arange(rows) < rows // 2, rng.choice(["0", "1"], rows),
                    rng.choice(["y", "n"], rows))
    words = np.array(["late", "payment", "called twice", 'said "no"', "moved, new address",
                      "line\nbreak", "ok"])
    frame = pd.DataFrame({
        "income": income, "age": age,
        "member": rng.choice(["yes", "no", "Yes", "N/A"], rows),
        "code": flag,
        "joined": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, rows),
                                                                 unit="D"),
        "city": rng.choice(["Lyon", "Paris", "Nice", " Lille", ""], rows),
        "note": [" ".join(rng.choice(words, 3)) for _ in range(rows)],
        "status": rng.choice(["good", "bad", "unknown"], rows, p=[0.6, 0.39, 0.01]),
    })
    frame["joined"] = frame["joined"].dt.strftime("%d/%m/%Y")
    frame.loc[rng.random(rows) < 0.01, "status"] = ""
    late = np.random.default_rng(random_state + 1)  # the columns above stay as they were
    frame["airbags"] = late.choice(["None", "Driver only", "Driver & Passenger", "NA"], rows)
    frame.loc[late.random(rows) < 0.02, "income"] = "None"  # no value, in a numeric column
    frame.iloc[100:140] = frame.iloc[60:100].to_numpy()  # exact duplicates
    return frame
