"""suite init: draft the expectation suite from the prepared training rows, for curation."""

from __future__ import annotations

import pandas as pd
import typer

from datacentric import paths
from datacentric.errors import DatacentricError
from datacentric.params import load_params
from datacentric.validation import starter_expectations, write_suite


def init(params_path: str = "params.yaml", *, force: bool = False) -> None:
    params = load_params(params_path)
    if not paths.PREPARED_TRAIN.is_file():
        raise DatacentricError(
            f"{paths.PREPARED_TRAIN}: not found; run `dvc repro ingest` first.")
    train = pd.read_parquet(paths.PREPARED_TRAIN)
    expectations = starter_expectations(train, range_margin=params.validation.range_margin,
                                        null_margin=params.validation.null_margin)
    path = write_suite(paths.GX_DIR, params.validation.suite, expectations, force=force)
    typer.echo(f"{path}: {len(expectations)} expectations drafted; review them, then commit.")
