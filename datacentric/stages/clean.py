"""clean: build one data arm's training set from the validated training rows.

Writes data/clean/<arm>.parquet (the training rows, with ``sample_weight`` when re-weighted;
on the Spark engine a Parquet folder written by Spark), data/clean/<arm>_changes.parquet
(every removed, relabelled or re-weighted row and why) and metrics/clean/<arm>.json (the
manifest).
"""

from __future__ import annotations

import pandas as pd

from datacentric import paths
from datacentric.cleaning import CleanOptions, apply_arm, manifest
from datacentric.io import read_input, require_input, write_json, write_parquet
from datacentric.params import Params, load_params
from datacentric.stages.review import read_decisions


def _on_pandas(arm: str, issues: pd.DataFrame, options: CleanOptions
               ) -> tuple[pd.DataFrame, int, int]:
    train = read_input(paths.VALIDATED_TRAIN)
    cleaned, changes = apply_arm(train, issues, read_decisions(), arm, options)
    write_parquet(cleaned, paths.CLEAN / f"{arm}.parquet")
    return changes, len(train), len(cleaned)


def _on_spark(arm: str, issues: pd.DataFrame, options: CleanOptions, params: Params
              ) -> tuple[pd.DataFrame, int, int]:
    from datacentric.spark import clean, tables
    from datacentric.spark.session import spark_session

    session = spark_session(params.compute.spark)
    train = tables.read_parquet(session, require_input(paths.VALIDATED_TRAIN))
    cleaned, changes, rows_in, rows_out = clean.apply_arm(train, issues, read_decisions(), arm,
                                                          options)
    out = paths.CLEAN / f"{arm}.parquet"
    tables.write_parquet(cleaned, out, [c for c in cleaned.columns if c != tables.POSITION])
    return changes, rows_in, rows_out


def main(arm: str, params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    issues = read_input(paths.LABEL_ISSUES)
    issues = issues[issues["split"] == "train"]
    options = CleanOptions(**params.clean.model_dump())
    if params.compute.engine == "spark":
        changes, rows_in, rows_out = _on_spark(arm, issues, options, params)
    else:
        changes, rows_in, rows_out = _on_pandas(arm, issues, options)
    write_parquet(changes, paths.CLEAN / f"{arm}_changes.parquet")
    write_json(manifest(changes, rows_in=rows_in, rows_out=rows_out),
               paths.METRICS / "clean" / f"{arm}.json")
