"""clean: build one data arm's training set from the validated training rows.

Writes data/clean/<arm>.parquet (the training rows, with ``sample_weight`` when re-weighted),
data/clean/<arm>_changes.parquet (every removed, relabelled or re-weighted row and why) and
metrics/clean/<arm>.json (the manifest).
"""

from __future__ import annotations

from datacentric import paths
from datacentric.cleaning import CleanOptions, apply_arm, manifest
from datacentric.io import read_input, write_json, write_parquet
from datacentric.params import load_params
from datacentric.stages.review import read_decisions


def main(arm: str, params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    train = read_input(paths.VALIDATED_TRAIN)
    issues = read_input(paths.LABEL_ISSUES)
    issues = issues[issues["split"] == "train"]
    options = CleanOptions(**params.clean.model_dump())
    cleaned, changes = apply_arm(train, issues, read_decisions(), arm, options)
    write_parquet(cleaned, paths.CLEAN / f"{arm}.parquet")
    write_parquet(changes, paths.CLEAN / f"{arm}_changes.parquet")
    write_json(manifest(changes, rows_in=len(train), rows_out=len(cleaned)),
               paths.METRICS / "clean" / f"{arm}.json")
