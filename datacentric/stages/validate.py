"""validate: check both splits (or a new delivery) against the table's Great Expectations suite.

Pipeline mode writes data/validated/{train,test}.parquet (rows not quarantined),
data/validated/quarantine.parquet (each quarantined row, its split and reasons),
reports/data_docs/ (Data Docs), reports/drift.json and metrics/validate.json. A critical
failure exits 1 naming the first failing expectations, changes none of those outputs, and
writes the failed run's Data Docs to reports/failed_data_docs/ for diagnosis.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import typer

from datacentric import dataset, paths
from datacentric.columns import ROW_ID
from datacentric.errors import DatacentricError
from datacentric.io import (
    atomic_path,
    read_chunks,
    read_input,
    read_json_input,
    read_table,
    write_json,
    write_parquet,
)
from datacentric.params import Params, load_params, suite_name
from datacentric.quarantine import (
    critical_failures,
    drift,
    merge_outcomes,
    quarantine_table,
    summarise,
)
from datacentric.roles import TableRoles
from datacentric.validation import (
    ValidationOutcome,
    Validator,
    check_suite_fits,
    read_suite,
    role_changes,
    suite_path,
)

SHOWN_PROBLEMS = 3  # the error names this many critical problems; the Data Docs hold them all
SHOWN_FAILURES = 10  # lines per batch in the log


def _check(validator: Validator, frame: pd.DataFrame, batch: str, params: Params
           ) -> tuple[ValidationOutcome, pd.DataFrame, list[str]]:
    outcome = validator.validate(frame, batch=batch)
    return (outcome, *_judge(outcome, len(frame), params))


def _judge(outcome: ValidationOutcome, n_rows: int, params: Params
           ) -> tuple[pd.DataFrame, list[str]]:
    """The quarantined rows and the critical problems (prefixed by batch) of one outcome."""
    quarantined = quarantine_table(outcome)
    problems = critical_failures(
        outcome, len(quarantined), n_rows=n_rows,
        max_quarantine_fraction=params.validation.max_quarantine_fraction)
    _print_report(outcome, quarantined)
    return quarantined, [f"{outcome.batch}: {p}" for p in problems]


def _print_report(outcome: ValidationOutcome, quarantined: pd.DataFrame) -> None:
    failed = [o for o in outcome.outcomes if not o.success]
    typer.echo(f"[{outcome.batch}] {len(outcome.outcomes)} expectations, {len(failed)} failed, "
               f"{len(quarantined)} rows quarantined")
    for o in failed[:SHOWN_FAILURES]:
        action = "quarantined" if o.quarantines else o.severity
        typer.echo(f"  {action:11} {o.reason}: {o.unexpected_count} unexpected")
    if len(failed) > SHOWN_FAILURES:
        typer.echo(f"  … {len(failed) - SHOWN_FAILURES} more in the Data Docs")


def _stop(problems: list[str], docs: Path, *, suite: dict, roles: TableRoles,
          suite_file: Path) -> None:
    if not problems:
        return
    more = len(problems) - SHOWN_PROBLEMS
    changed = role_changes(suite, roles)
    hint = (f"; the table changed since {suite_file} was drafted ({', '.join(changed[:3])}): if "
            f"that is intended, redraft it with `datacentric suite init --force`"
            if changed else "")
    raise DatacentricError(
        f"validation failed on {len(problems)} critical check(s): "
        + "; ".join(problems[:SHOWN_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        + hint + f"; Data Docs of this run: {docs / 'index.html'}.")


def load_suite(params: Params, roles: TableRoles, columns: list[str]) -> tuple[dict, Path]:
    """The suite for this table and its path, checked to fit the table."""
    name = suite_name(params)
    suite = read_suite(paths.GX_DIR, name)
    path = suite_path(paths.GX_DIR, name)
    check_suite_fits(suite, path=path, source=params.data.source, target=roles.target,
                     columns=columns)
    return suite, path


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    train = read_input(paths.PREPARED_TRAIN)
    test = read_input(paths.PREPARED_TEST)
    suite, suite_file = load_suite(params, roles, list(train.columns))
    paths.REPORTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".validate.", dir=paths.REPORTS) as scratch:
        validator = Validator(suite, docs_dir=Path(scratch))
        train_outcome, train_q, problems = _check(validator, train, "train", params)
        test_outcome, test_q, test_problems = _check(validator, test, "test", params)
        problems += test_problems
        validator.build_docs()
        published = paths.FAILED_DATA_DOCS if problems else paths.DATA_DOCS
        with atomic_path(published) as docs:
            shutil.copytree(scratch, docs)
    _stop(problems, published, suite=suite, roles=roles, suite_file=suite_file)
    shutil.rmtree(paths.FAILED_DATA_DOCS, ignore_errors=True)

    shift = drift(train, test, roles, threshold=params.validation.drift_threshold)
    quarantine = pd.concat([train_q, test_q], ignore_index=True).merge(
        pd.concat([train, test], ignore_index=True), on=ROW_ID, how="left")
    write_parquet(train[~train[ROW_ID].isin(train_q[ROW_ID])], paths.VALIDATED_TRAIN)
    write_parquet(test[~test[ROW_ID].isin(test_q[ROW_ID])], paths.VALIDATED_TEST)
    write_parquet(quarantine, paths.QUARANTINE)
    write_json({"columns": shift.to_dict("records")}, paths.DRIFT)
    write_json({"train": summarise(train_outcome, len(train_q)),
                "test": summarise(test_outcome, len(test_q)),
                "drift_warnings": int(shift["drifted"].sum()),
                "drifted_columns": shift.loc[shift["drifted"], "column"].tolist()},
               paths.METRICS / "validate.json")


def check_batch(path: Path, params_path: str = "params.yaml", *,
                chunk_rows: int | None = None) -> None:
    """Validate a new delivery before it enters the pipeline; exit 1 on a critical problem.

    The delivery is typed by the recorded column roles, as ingest typed the training rows.
    With ``chunk_rows``, the file is read and validated that many rows at a time, so its
    size is not bounded by memory; aggregate expectations are then judged per chunk, and
    rows repeated across chunks are a critical failure of their own.
    """
    params = load_params(params_path)
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    csv = params.data.csv
    options = {"delimiter": csv.delimiter, "encoding": csv.encoding}
    chunks = [read_table(path, **options)] if chunk_rows is None else read_chunks(
        path, chunk_rows=chunk_rows, **options)
    suite, suite_file = None, None
    parts, seen, repeated, n_rows = [], set(), 0, 0
    with atomic_path(paths.BATCH_DOCS) as docs:
        for chunk in chunks:
            frame = dataset.assign_row_ids(
                dataset.conform(chunk, roles, source=str(path)), key=roles.key)
            if suite is None:
                suite, suite_file = load_suite(params, roles, list(frame.columns))
                validator = Validator(suite, docs_dir=docs)
            name = path.stem if chunk_rows is None else f"{path.stem}_rows_{n_rows + 1}"
            parts.append(validator.validate(frame, batch=name))
            ids = set(frame[ROW_ID])
            repeated += len(ids & seen)
            seen |= ids
            n_rows += len(frame)
            del frame, chunk
        validator.build_docs()
    outcome = merge_outcomes(path.stem, parts) if len(parts) > 1 else parts[0]
    quarantined, problems = _judge(outcome, n_rows, params)
    if repeated:
        problems.append(f"{outcome.batch}: {repeated} rows repeat rows of an earlier chunk")
    typer.echo(f"Data Docs: {paths.BATCH_DOCS / 'index.html'}")
    _stop(problems, paths.BATCH_DOCS, suite=suite, roles=roles, suite_file=suite_file)
    typer.echo(f"{path}: passed; {len(quarantined)} of {n_rows} rows would be quarantined.")
