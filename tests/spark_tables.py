"""The messy table the Spark test modules read, their Spark settings, and the projects both
engines validate it in."""

from __future__ import annotations

import json
from contextlib import chdir
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from datacentric.stages import ingest, suite, validate

ROWS = 20_000
# small Arrow batches, so that every column's typing is decided across many chunks; on tables
# this small the driver JVM's just-in-time compiler costs more CPU than it saves
SPARK = {"master": "local[2]",
         "conf": {"spark.sql.execution.arrow.maxRecordsPerBatch": "1000",
                  "spark.sql.shuffle.partitions": "4",
                  "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"}}


def messy_table(rows: int = ROWS, *, random_state: int = 0) -> pd.DataFrame:
    """A table as users export it: missing-value words, a numeric column with one value that
    does not read (late in the file), booleans as words, a code column that is 0/1 early and
    y/n late, dates, free text with commas, quotes and line breaks, exact duplicate rows,
    unlabelled rows, a rare class, "None" as a category and as no number, and a label that
    one column predicts in part, and a customer id that repeats."""
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
    # members mostly "good": a label the columns predict, so that the audit has evidence to
    # dispute labels with (the columns above stay as they were)
    signal = np.random.default_rng(random_state + 2)
    member = frame["status"].isin(["good", "bad"]) & (frame["member"] == "yes")
    frame.loc[member, "status"] = np.where(signal.random(int(member.sum())) < 0.9, "good", "bad")
    customer = np.arange(rows)
    customer[9::10] = customer[8::10]  # a customer's second visit: the table's group
    frame.insert(0, "customer_id", customer)
    frame.iloc[100:140] = frame.iloc[60:100].to_numpy()  # exact duplicates
    return frame


def expectation(kind: str, **kwargs) -> dict:
    """A warning-level expectation of a suite file."""
    return {"type": kind, "kwargs": kwargs, "severity": "warning", "meta": {}}


# tighter than the drafted suite, so that each kind of row-level check quarantines rows
TIGHTER = [expectation("expect_column_values_to_be_between", column="income", min_value=0,
                       max_value=200_000),
           expectation("expect_column_values_to_be_between", column="joined",
                       min_value="2020-02-01T00:00:00", max_value="2030-01-01T00:00:00"),
           expectation("expect_column_values_to_match_regex", column="age", regex="^[0-9]+$"),
           expectation("expect_column_value_lengths_to_be_between", column="note", min_value=1,
                       max_value=52),
           expectation("expect_column_values_to_be_in_set", column="city",
                       value_set=["Lille", "Lyon", "Nice", "Paris", "Brest"])]


def suite_file(where: Path) -> Path:
    return where / "gx" / "expectations" / "table.json"


def read(where: Path, path: Path | str) -> pd.DataFrame:
    return pd.read_parquet(where / path)


def assert_same_values(spark_out: pd.DataFrame, pandas_out: pd.DataFrame) -> None:
    # Spark's Parquet has no pandas metadata: nullable booleans come back as objects, and
    # timestamps in microseconds; the values are the same
    pd.testing.assert_frame_equal(missing_as_none(spark_out.astype(pandas_out.dtypes.to_dict())),
                                  missing_as_none(pandas_out))


def missing_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing text cells as None (an all-missing label column reads as NaN from Spark's file,
    as None from pandas')."""
    text = frame.select_dtypes(include=["object", "string"]).columns
    return frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), None)
                           for c in text})


ENGINES = ("pandas", "spark")


def validate_on_each_engine(root: Path) -> None:
    """The messy table ingested by each engine in ``root/<engine>``, and validated there by
    the same suite: drafted on the pandas project (the Spark project's draft must equal it),
    then tightened by :data:`TIGHTER`."""
    messy_table().to_csv(root / "table.csv", index=False)
    for engine in ENGINES:
        where = root / engine
        (where / "data").mkdir(parents=True)
        (where / "data" / "table.csv").write_bytes((root / "table.csv").read_bytes())
        params = {"data": {"source": "data/table.csv", "target": "status"},
                  # the second pass refits without the first's flags; three folds prove
                  # what five do, that both engines fit the same fold models
                  "audit": {"passes": 2, "folds": 3},
                  "compute": {"engine": engine, "spark": SPARK}}
        (where / "params.yaml").write_text(yaml.safe_dump(params))
        with chdir(where):
            ingest.main()
            suite.draft()
    drafted = {e: json.loads(suite_file(root / e).read_text()) for e in ENGINES}

    def without_ids(checks):
        return [{k: v for k, v in e.items() if k != "id"} for e in checks["expectations"]]

    assert without_ids(drafted["spark"]) == without_ids(drafted["pandas"])
    tightened = {**drafted["pandas"], "expectations": drafted["pandas"]["expectations"] + TIGHTER}
    for engine in ENGINES:
        suite_file(root / engine).write_text(json.dumps(tightened))
        with chdir(root / engine):
            validate.main()
