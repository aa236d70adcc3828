"""validate: check both splits (or a new delivery) against the table's Great Expectations suite.

Pipeline mode writes data/validated/{train,test}.parquet (rows not quarantined),
data/validated/quarantine.parquet (each quarantined row, its split and reasons),
reports/data_docs/ (Data Docs), reports/drift.json and metrics/validate.json. A critical
failure exits 1 naming the first failing expectations, changes none of those outputs, and
writes the failed run's Data Docs to reports/failed_data_docs/ for diagnosis. On the Spark
engine (``compute.engine: spark``) the rows stay in Spark and the Parquet outputs are folders.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    require_input,
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
    without_columns,
)

SHOWN_PROBLEMS = 3  # the error names this many critical problems; the Data Docs hold them all
SHOWN_FAILURES = 10  # lines per batch in the log
VALIDATED = {"train": paths.VALIDATED_TRAIN, "test": paths.VALIDATED_TEST}


def _problems(outcome: ValidationOutcome, quarantined: int, n_rows: int, params: Params
              ) -> list[str]:
    """The critical problems of one outcome, prefixed by its batch, after printing its report."""
    _print_report(outcome, quarantined)
    problems = critical_failures(
        outcome, quarantined, n_rows=n_rows,
        max_quarantine_fraction=params.validation.max_quarantine_fraction)
    return [f"{outcome.batch}: {p}" for p in problems]


def _print_report(outcome: ValidationOutcome, quarantined: int) -> None:
    failed = [o for o in outcome.outcomes if not o.success]
    typer.echo(f"[{outcome.batch}] {len(outcome.outcomes)} expectations, {len(failed)} failed, "
               f"{quarantined} row{'s' if quarantined != 1 else ''} quarantined")
    for o in failed[:SHOWN_FAILURES]:
        action = "quarantined" if o.quarantines else o.severity
        typer.echo(f"  {action:11} {o.reason}: {o.unexpected_count} unexpected")
    if len(failed) > SHOWN_FAILURES:
        typer.echo(f"  … {len(failed) - SHOWN_FAILURES} more in the Data Docs")


def _stop(problems: list[str], docs: Path, *, suite: dict, roles: TableRoles,
          suite_file: Path, left_out: list[str]) -> None:
    if not problems:
        return
    more = len(problems) - SHOWN_PROBLEMS
    changed = role_changes(suite, roles, left_out=left_out)
    hint = (f"; the table changed since {suite_file} was drafted ({', '.join(changed[:3])}): if "
            f"that is intended, redraft it with `datacentric suite init --force`"
            if changed else "")
    raise DatacentricError(
        f"validation failed on {len(problems)} critical check(s): "
        + "; ".join(problems[:SHOWN_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        + hint + f"; Data Docs of this run: {docs / 'index.html'}.")


def load_suite(params: Params, roles: TableRoles, columns: list[str]) -> tuple[dict, Path]:
    """The suite for this table and its path, checked to fit the table, then made to judge it
    without the columns ``data.columns.drop`` leaves out (saying how many expectations that
    skips); batches are validated without those columns too."""
    name = suite_name(params)
    path = suite_path(paths.GX_DIR, name)
    suite = read_suite(paths.GX_DIR, name)
    check_suite_fits(suite, path=path, source=params.data.source, target=roles.target,
                     columns=columns)
    kept, skipped = without_columns(suite, params.data.columns.drop)
    if skipped:
        typer.echo(f"{path}: {len(suite['expectations']) - len(kept['expectations'])} "
                   f"expectations skipped on {', '.join(map(repr, skipped))}, left out by "
                   f"data.columns.drop (delete them from the suite to silence this)")
    return kept, path


def _without(frame: Any, columns: list[str]) -> Any:
    """A pandas or Spark ``frame`` without those of ``columns`` it has."""
    if isinstance(frame, pd.DataFrame):
        return frame.drop(columns=columns, errors="ignore")
    return frame.drop(*columns)


@dataclass
class Judged:
    """One batch after validation: its outcome, its quarantined rows (a pandas or Spark
    frame as the engine has it: ``row_id``, ``batch``, ``reasons``) and their number."""

    outcome: ValidationOutcome
    quarantined: Any
    count: int


def _judge(params: Params, roles: TableRoles, frames: dict[str, Any], *, columns: list[str],
           rows: dict[str, int], engine: str,
           quarantine: Callable[[Any, ValidationOutcome], tuple[Any, int]]) -> dict[str, Judged]:
    """Each batch validated by the table's suite, its quarantine found by ``quarantine``; Data
    Docs published. Raises DatacentricError (outputs untouched) on a critical problem."""
    suite, suite_file = load_suite(params, roles, columns)
    left_out = params.data.columns.drop
    judged, problems = {}, []
    paths.REPORTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".validate.", dir=paths.REPORTS) as scratch:
        validator = Validator(suite, docs_dir=Path(scratch), engine=engine)
        for batch, frame in frames.items():
            outcome = validator.validate(_without(frame, left_out), batch=batch)
            judged[batch] = Judged(outcome, *quarantine(frame, outcome))
            problems += _problems(outcome, judged[batch].count, rows[batch], params)
        validator.build_docs()
        published = paths.FAILED_DATA_DOCS if problems else paths.DATA_DOCS
        with atomic_path(published) as docs:
            shutil.copytree(scratch, docs)
    _stop(problems, published, suite=suite, roles=roles, suite_file=suite_file,
          left_out=left_out)
    shutil.rmtree(paths.FAILED_DATA_DOCS, ignore_errors=True)
    return judged


def _write_reports(judged: dict[str, Judged], shift: pd.DataFrame, *,
                   compared: dict[str, int]) -> None:
    write_json({"columns": shift.to_dict("records"), "rows_compared": compared}, paths.DRIFT)
    write_json({**{batch: summarise(j.outcome, j.count) for batch, j in judged.items()},
                "drift_warnings": int(shift["drifted"].sum()),
                "drifted_columns": shift.loc[shift["drifted"], "column"].tolist()},
               paths.METRICS / "validate.json")


def _on_pandas(params: Params, roles: TableRoles) -> None:
    frames = {"train": read_input(paths.PREPARED_TRAIN), "test": read_input(paths.PREPARED_TEST)}
    judged = _judge(params, roles, frames, columns=list(frames["train"].columns),
                    rows={batch: len(f) for batch, f in frames.items()}, engine="pandas",
                    quarantine=lambda frame, outcome: (q := quarantine_table(outcome), len(q)))
    train, test = frames["train"], frames["test"]
    shift = drift(train, test, roles, threshold=params.validation.drift_threshold)
    quarantine = pd.concat([judged["train"].quarantined, judged["test"].quarantined],
                           ignore_index=True).merge(
        pd.concat([train, test], ignore_index=True), on=ROW_ID, how="left")
    for batch, path in VALIDATED.items():
        frame = frames[batch]
        write_parquet(frame[~frame[ROW_ID].isin(judged[batch].quarantined[ROW_ID])], path)
    write_parquet(quarantine, paths.QUARANTINE)
    _write_reports(judged, shift, compared={"train": len(train), "test": len(test)})


def _on_spark(params: Params, roles: TableRoles) -> None:
    """As on pandas, with the rows kept in Spark: Great Expectations' Spark datasource judges
    them, Spark finds and writes the quarantined ones, and drift is measured on at most
    ``compute.spark.sample_rows`` rows of each split drawn to the driver."""
    from pyspark.sql import functions as F

    from datacentric.spark import tables
    from datacentric.spark.session import spark_session
    from datacentric.spark.validate import quarantine_rows

    session = spark_session(params.compute.spark)
    frames = {"train": tables.read_parquet(session, require_input(paths.PREPARED_TRAIN)),
              "test": tables.read_parquet(session, require_input(paths.PREPARED_TEST))}
    columns = [c for c in frames["train"].columns if c != tables.POSITION]
    rows = {batch: frame.count() for batch, frame in frames.items()}

    def quarantine(frame, outcome):
        found = quarantine_rows(frame, outcome).cache()
        return found, found.count()

    judged = _judge(params, roles, {b: f.select(*columns) for b, f in frames.items()},
                    columns=columns, rows=rows, engine="spark", quarantine=quarantine)
    samples = {batch: tables.driver_sample(
        frame, rows=rows[batch], sample_rows=params.compute.spark.sample_rows,
        random_state=params.base.seed) for batch, frame in frames.items()}
    shift = drift(samples["train"], samples["test"], roles,
                  threshold=params.validation.drift_threshold)
    for batch, path in VALIDATED.items():
        kept = frames[batch].join(judged[batch].quarantined.select(ROW_ID), on=ROW_ID,
                                  how="left_anti")
        tables.write_parquet(kept, path, columns)
    quarantined = judged["train"].quarantined.unionByName(judged["test"].quarantined).join(
        frames["train"].unionByName(frames["test"]).drop(tables.POSITION), on=ROW_ID)
    tables.write_parquet(
        quarantined, paths.QUARANTINE,
        [ROW_ID, "batch", "reasons", *(c for c in columns if c != ROW_ID)],
        order=[F.col("batch") != "train", ROW_ID])
    _write_reports(judged, shift, compared={b: len(s) for b, s in samples.items()})


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    if params.compute.engine == "spark":
        _on_spark(params, roles)
    else:
        _on_pandas(params, roles)


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
            parts.append(validator.validate(_without(frame, params.data.columns.drop),
                                            batch=name))
            ids = set(frame[ROW_ID])
            repeated += len(ids & seen)
            seen |= ids
            n_rows += len(frame)
            del frame, chunk
        validator.build_docs()
    outcome = merge_outcomes(path.stem, parts) if len(parts) > 1 else parts[0]
    quarantined = quarantine_table(outcome)
    problems = _problems(outcome, len(quarantined), n_rows, params)
    if repeated:
        problems.append(f"{outcome.batch}: {repeated} rows repeat rows of an earlier chunk")
    typer.echo(f"Data Docs: {paths.BATCH_DOCS / 'index.html'}")
    _stop(problems, paths.BATCH_DOCS, suite=suite, roles=roles, suite_file=suite_file,
          left_out=params.data.columns.drop)
    typer.echo(f"{path}: passed; {len(quarantined)} of {n_rows} rows would be quarantined.")
