"""The validate stage's Great Expectations run against plain vectorised pandas doing the same
checks, on a synthetic table (default 1,000,000 rows × 30 columns), in one run.

Each side runs in its own child process so its peak memory (max RSS) is its own. Prints the
time ratio and both peaks, writes bench/results/validate_scale.json.

    python bench/validate_scale.py [--rows 1000000]
"""
# ruff: noqa: I001  (datacentric must load before sklearn: it sets the OpenMP wait policy)

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import datacentric  # noqa: F401
import numpy as np
import pandas as pd

from datacentric.columns import ROW_ID
from datacentric.dataset import assign_row_ids, conform, prepare_with_ids
from datacentric.io import read_input, write_parquet
from datacentric.synthetic import make_table
from datacentric.validation import Validator, starter_expectations


def make_batch(rows: int) -> tuple[pd.DataFrame, list[dict]]:
    """A validated-looking batch with 1% of rows out of range, as the validate stage reads it
    (written to Parquet and read back: text columns arrive as pandas' Arrow-backed strings),
    and the suite profiled from a clean sample of the same generator."""
    reference, roles = prepare_with_ids(make_table(20_000, random_state=1), target="label")
    frame = assign_row_ids(conform(make_table(rows, random_state=0), roles))
    bad = np.random.default_rng(0).choice(rows, rows // 100, replace=False)
    frame.loc[bad, "num_0"] = 1e9
    with tempfile.TemporaryDirectory() as scratch:
        write_parquet(frame, Path(scratch) / "batch.parquet")
        frame = read_input(Path(scratch) / "batch.parquet")
    return frame, starter_expectations(reference, roles)


def pandas_checks(frame: pd.DataFrame, suite: list[dict]) -> dict[str, int]:
    """The same expectations, vectorised: failing row counts per expectation."""
    failures, quarantine = {}, pd.Series(False, index=frame.index)
    for i, exp in enumerate(suite):
        kind, kw = exp["type"], exp["kwargs"]
        column = frame[kw["column"]] if "column" in kw else None
        if kind == "expect_table_columns_to_match_set":
            bad = int(set(frame.columns) != set(kw["column_set"]))
        elif kind == "expect_table_row_count_to_be_between":
            bad = int(not kw["min_value"] <= len(frame) <= kw["max_value"])
        elif kind == "expect_column_values_to_be_unique":
            bad = int(column.duplicated(keep=False).sum())
        elif kind == "expect_column_values_to_match_regex":
            rows = column.notna() & ~column.str.match(kw["regex"]).fillna(True)
            quarantine |= rows
            bad = int(rows.sum())
        elif kind == "expect_column_values_to_be_in_set":
            rows = column.notna() & ~column.isin(kw["value_set"])
            quarantine |= rows
            bad = int(rows.sum())
        elif kind == "expect_column_values_to_be_between":
            rows = (column < kw["min_value"]) | (column > kw["max_value"])
            quarantine |= rows
            bad = int(rows.sum())
        elif kind == "expect_column_values_to_not_be_null":
            bad = int(column.isna().mean() > 1 - kw.get("mostly", 1.0))
        elif kind == "expect_column_values_to_be_in_type_list":
            bad = int(str(column.dtype) not in kw["type_list"])
        elif kind == "expect_column_values_to_be_of_type":
            bad = int(not pd.api.types.is_string_dtype(column))
        else:
            raise ValueError(kind)
        failures[f"{i}:{kind}"] = bad
    failures["quarantined"] = frame.loc[quarantine, ROW_ID].nunique()
    return failures


def _run(side: str, rows: int, queue: multiprocessing.Queue) -> None:
    frame, suite = make_batch(rows)
    started = time.perf_counter()
    if side == "gx":
        outcome = Validator({"name": "bench", "expectations": suite}).validate(frame, batch="b")
        quarantined = {r for o in outcome.outcomes if o.quarantines for r in o.failing_row_ids}
        result = len(quarantined)
    else:
        result = pandas_checks(frame, suite)["quarantined"]
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": seconds, "peak_mib": peak_mib, "quarantined": result,
               "expectations": len(suite), "columns": frame.shape[1] - 2})


def measure(side: str, rows: int) -> dict:
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=_run, args=(side, rows, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", default="bench/results/validate_scale.json")
    args = parser.parse_args()
    pandas_side = measure("pandas", args.rows)
    gx_side = measure("gx", args.rows)
    assert gx_side["quarantined"] == pandas_side["quarantined"], (gx_side, pandas_side)
    ratio = gx_side["seconds"] / pandas_side["seconds"]
    print(f"{args.rows:,} rows x {gx_side['columns']} columns + label, "
          f"{gx_side['expectations']} expectations, {gx_side['quarantined']:,} rows quarantined")
    print(f"Great Expectations {gx_side['seconds']:7.1f} s   peak {gx_side['peak_mib']:7.0f} MiB")
    print(f"pandas             {pandas_side['seconds']:7.1f} s   peak "
          f"{pandas_side['peak_mib']:7.0f} MiB")
    print(f"ratio GX / pandas  {ratio:7.1f}x  (aim <= 8x)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"rows": args.rows, "gx": gx_side,
                                          "pandas": pandas_side, "ratio": ratio}, indent=2))


if __name__ == "__main__":
    main()
