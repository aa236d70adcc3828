"""suite: the table's expectation suite. ``draft`` (the pipeline stage) drafts
gx/expectations/<suite>.json from the prepared training rows by column role when it does not
exist, keeps it untouched when it does, and refuses a suite drafted for another table.
``init`` (the command) drafts on request and overwrites only with ``force``.
"""

from __future__ import annotations

import pandas as pd
import typer

from datacentric import paths
from datacentric.columns import LABEL
from datacentric.dataset import fold_groups
from datacentric.io import input_columns, read_input, read_json_input, require_input
from datacentric.params import Params, load_params, suite_name
from datacentric.roles import TableRoles
from datacentric.validation import (
    check_suite_fits,
    range_margin_for,
    read_suite,
    starter_expectations,
    suite_meta,
    suite_path,
    write_suite,
)


def _training_rows(params: Params) -> tuple[pd.DataFrame, int]:
    """The training rows to draft from, and how many training rows there are: all of them on
    pandas; on Spark at most ``compute.spark.sample_rows`` of them (and a row of each class)
    drawn to the driver."""
    if params.compute.engine != "spark":
        train = read_input(paths.PREPARED_TRAIN)
        return train, len(train)
    from datacentric.spark import tables
    from datacentric.spark.session import spark_session

    spark = params.compute.spark
    frame = tables.read_parquet(spark_session(spark), require_input(paths.PREPARED_TRAIN))
    rows = frame.count()
    return tables.driver_sample(frame, rows=rows, sample_rows=spark.sample_rows,
                                random_state=params.base.seed, every_level_of=LABEL), rows


def _write(params: Params, *, force: bool) -> None:
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    train, rows = _training_rows(params)
    checks = params.validation
    margin = range_margin_for(train[roles.of("numeric")], range_margin=checks.range_margin,
                              false_alarm=checks.range_false_alarm,
                              random_state=params.base.seed,
                              groups=fold_groups(train, group=roles.group))
    expectations = starter_expectations(
        train, roles, range_margin=margin, null_margin=checks.null_margin,
        max_levels=checks.value_set_max_levels, table_rows=rows)
    meta = suite_meta(roles, source=params.data.source, rows=len(train),
                      max_levels=checks.value_set_max_levels, range_margin=margin)
    path = write_suite(paths.GX_DIR, suite_name(params), expectations, meta=meta, force=force)
    sampled = (f" (a sample of {rows}: ranges and value sets may be narrower than the whole "
               f"table's)" if len(train) < rows else "")
    typer.echo(f"{path}: {len(expectations)} expectations drafted from {len(train)} training "
               f"rows{sampled} by column role, numeric ranges widened by {margin:g} of their "
               f"span; review them, then commit the file (`git add {path}`).")


def draft(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    name = suite_name(params)
    path = suite_path(paths.GX_DIR, name)
    if not path.exists():
        _write(params, force=False)
        return
    columns = input_columns(paths.PREPARED_TRAIN)
    check_suite_fits(read_suite(paths.GX_DIR, name), path=path, source=params.data.source,
                     target=params.data.target, columns=columns)
    typer.echo(f"{path}: kept as it is (edit it freely; the pipeline never overwrites it).")


def init(params_path: str = "params.yaml", *, force: bool = False) -> None:
    _write(load_params(params_path), force=force)
