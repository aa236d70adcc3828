"""suite: the table's expectation suite. ``draft`` (the pipeline stage) drafts
gx/expectations/<suite>.json from the prepared training rows by column role when it does not
exist, keeps it untouched when it does, and refuses a suite drafted for another table.
``init`` (the command) drafts on request and overwrites only with ``force``.
"""

from __future__ import annotations

import typer

from datacentric import paths
from datacentric.io import read_input, read_json_input
from datacentric.params import Params, load_params, suite_name
from datacentric.roles import TableRoles
from datacentric.validation import (
    check_suite_fits,
    read_suite,
    starter_expectations,
    suite_meta,
    suite_path,
    write_suite,
)


def _write(params: Params, *, force: bool) -> None:
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    train = read_input(paths.PREPARED_TRAIN)
    checks = params.validation
    expectations = starter_expectations(
        train, roles, range_margin=checks.range_margin, null_margin=checks.null_margin,
        max_levels=checks.value_set_max_levels)
    meta = suite_meta(roles, source=params.data.source, rows=len(train),
                      max_levels=checks.value_set_max_levels)
    path = write_suite(paths.GX_DIR, suite_name(params), expectations, meta=meta, force=force)
    typer.echo(f"{path}: {len(expectations)} expectations drafted from {len(train)} training "
               f"rows by column role; review them, then commit the file (`git add {path}`).")


def draft(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    name = suite_name(params)
    path = suite_path(paths.GX_DIR, name)
    if not path.exists():
        _write(params, force=False)
        return
    columns = list(read_input(paths.PREPARED_TRAIN).columns)
    check_suite_fits(read_suite(paths.GX_DIR, name), path=path, source=params.data.source,
                     target=params.data.target, columns=columns)
    typer.echo(f"{path}: kept as it is (edit it freely; the pipeline never overwrites it).")


def init(params_path: str = "params.yaml", *, force: bool = False) -> None:
    _write(load_params(params_path), force=force)
