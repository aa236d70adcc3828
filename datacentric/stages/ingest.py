"""ingest: read ``data.source``, type it by its column roles, assign row ids, split, optionally
plant label noise.

Writes data/prepared/{train,test}.parquet (``row_id``, the columns, ``label``),
data/prepared/label_truth.parquet (``row_id``, ``true_label``, ``is_flipped`` for the
training rows), data/prepared/unlabelled.parquet (rows without a label, set aside),
data/prepared/columns.json (the column roles every later stage reads) and
metrics/ingest.json (counts and one line per column), and prints that line per column.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from datacentric import dataset, paths
from datacentric.columns import IS_FLIPPED, LABEL, ROW_ID, TRUE_LABEL
from datacentric.io import read_table, write_json, write_parquet
from datacentric.params import Params, load_params
from datacentric.project import resolve_inside
from datacentric.roles import describe


def _echo_columns(columns: dict[str, dict]) -> None:
    width = max(map(len, columns), default=0)
    for name, c in columns.items():
        typer.echo(f"{name:<{width}}  {c['role']:<14} {c['type']:<15} {c['distinct']:>8} "
                   f"distinct  {c['missing']:6.1%} missing")


def _echo_unlabelled(count: int, target: str) -> None:
    if count:
        typer.echo(f"{count} rows have no value in '{target}': set aside in "
                   f"{paths.UNLABELLED} (they can be scored with `datacentric predict`).")


def _echo_untested(untested: list, min_rows: int) -> None:
    if untested:
        named = ", ".join(f"'{c}'" for c in untested)
        typer.echo(f"No test rows for {named} (a class of at most data.min_class_rows="
                   f"{min_rows} rows is kept whole for training): the test scores cannot tell "
                   f"how well it is learned.")


def _echo_group(group: str | None) -> None:
    if group is not None:
        typer.echo(f"Rows sharing a value of '{group}' (one subject's rows) stay on one side of "
                   f"the split and in one fold of the audit.")


def _metrics(counts: dict[str, int], roles, columns: dict[str, dict], untested: list) -> dict:
    return {
        **counts, "key": roles.key, "group": roles.group,
        "untested_classes": [str(c) for c in untested],
        "columns_by_role": dict(Counter(c["role"] for c in columns.values())),
        # a list, so `dvc exp show` keeps one column per metric, not four per table column
        "columns": [{"column": name, **c} for name, c in columns.items()],
    }


def _on_pandas(params: Params, source: Path) -> None:
    data = params.data
    raw = read_table(source, delimiter=data.csv.delimiter, encoding=data.csv.encoding)
    frame, roles = dataset.prepare(raw, target=data.target, columns=data.columns.overrides(),
                                   decimal=data.csv.decimal, thousands=data.csv.thousands,
                                   source=str(source))
    frame, unlabelled = dataset.split_unlabelled(dataset.assign_row_ids(frame, key=roles.key))
    _echo_unlabelled(len(unlabelled), data.target)
    train, test = dataset.split_train_test(frame, test_size=data.test_size,
                                           random_state=params.base.seed,
                                           min_train_rows=data.min_class_rows,
                                           group=roles.group)
    _echo_group(roles.group)
    counts = train[LABEL].value_counts()
    dataset.require_class_rows(counts, min_rows=data.min_class_rows,
                               param="data.min_class_rows", source=str(source))
    groups = dataset.fold_groups(train, group=roles.group)
    dataset.require_subjects(0 if groups is None else len(np.unique(groups)), group=roles.group,
                             folds=params.audit.folds, source=str(source))
    untested = dataset.untested_classes(counts, test[LABEL])
    _echo_untested(untested, data.min_class_rows)
    noise = data.label_noise
    truth = train[[ROW_ID, LABEL]].rename(columns={LABEL: TRUE_LABEL})
    train[LABEL] = dataset.flip_labels(
        train[LABEL], rate=noise.rate, model=noise.model, random_state=params.base.seed)
    truth[IS_FLIPPED] = truth[TRUE_LABEL].to_numpy() != train[LABEL].to_numpy()

    columns = describe(frame, roles)
    _echo_columns(columns)
    write_parquet(train, paths.PREPARED_TRAIN)
    write_parquet(test, paths.PREPARED_TEST)
    write_parquet(truth, paths.LABEL_TRUTH)
    write_parquet(unlabelled, paths.UNLABELLED)
    write_json(roles.to_dict(), paths.COLUMN_ROLES)
    write_json(_metrics({
        "rows": len(frame), "train_rows": len(train), "test_rows": len(test),
        "unlabelled_rows": len(unlabelled), "classes": int(frame[LABEL].nunique()),
        "flipped_labels": int(truth[IS_FLIPPED].sum())}, roles, columns, untested),
        paths.METRICS / "ingest.json")


def _on_spark(params: Params, source: Path) -> None:
    from pyspark.sql import functions as F

    from datacentric.spark import ingest as spark_ingest
    from datacentric.spark import tables
    from datacentric.spark.session import spark_session

    data, spark = params.data, params.compute.spark
    session = spark_session(spark)
    raw = spark_ingest.read_raw(session, source, delimiter=data.csv.delimiter,
                                encoding=data.csv.encoding)
    sample, roles = spark_ingest.roles_from_sample(
        raw, target=data.target, columns=data.columns.overrides(), decimal=data.csv.decimal,
        thousands=data.csv.thousands, source=str(source), sample_rows=spark.sample_rows,
        random_state=params.base.seed)
    frame, roles, names = spark_ingest.typed_with_ids(raw, roles, random_state=params.base.seed)
    has_label = F.col(LABEL).isNotNull()
    unlabelled_rows = frame.filter(~has_label).count()
    _echo_unlabelled(unlabelled_rows, data.target)
    train, test = spark_ingest.split_train_test(frame.filter(has_label),
                                                test_size=data.test_size,
                                                min_train_rows=data.min_class_rows)
    _echo_group(roles.group)
    train = tables.on_disk(train)
    counts = pd.Series({row[LABEL]: row["count"]
                        for row in train.groupBy(LABEL).count().collect()})
    dataset.require_class_rows(counts,
                               min_rows=data.min_class_rows, param="data.min_class_rows",
                               source=str(source))
    if roles.group is not None:
        dataset.require_subjects(train.select(spark_ingest.GROUP).distinct().count(),
                                 group=roles.group, folds=params.audit.folds,
                                 source=str(source))
    test_counts = pd.Series({row[LABEL]: row["count"]
                             for row in test.groupBy(LABEL).count().collect()}, dtype=int)
    untested = dataset.untested_classes(counts, test_counts.index.to_series())
    _echo_untested(untested, data.min_class_rows)
    noise = data.label_noise
    if noise.rate > 0:
        train = tables.on_disk(spark_ingest.plant_noise(
            train, rate=noise.rate, model=noise.model, random_state=params.base.seed))
    else:
        train = train.withColumn(TRUE_LABEL, F.col(LABEL)).withColumn(IS_FLIPPED, F.lit(False))
    columns = describe(sample[sample[LABEL].notna()], roles)
    _echo_columns(columns)
    tables.write_parquet(train, paths.PREPARED_TRAIN, names)
    tables.write_parquet(test, paths.PREPARED_TEST, names)
    tables.write_parquet(
        train, paths.LABEL_TRUTH, [ROW_ID, TRUE_LABEL, IS_FLIPPED])
    tables.write_parquet(frame.filter(~has_label), paths.UNLABELLED, names)
    write_json(roles.to_dict(), paths.COLUMN_ROLES)
    train_rows = int(counts.sum())
    test_rows = int(test_counts.sum())
    write_json(_metrics({
        "rows": train_rows + test_rows, "train_rows": train_rows,
        "test_rows": test_rows, "unlabelled_rows": unlabelled_rows, "classes": len(counts),
        "flipped_labels": train.filter(F.col(IS_FLIPPED)).count() if noise.rate > 0 else 0,
        "roles_inferred_on_rows": len(sample)}, roles, columns, untested),
        paths.METRICS / "ingest.json")


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    source = resolve_inside(params.data.source, key="data.source")
    if params.compute.engine == "spark":
        _on_spark(params, source)
    else:
        _on_pandas(params, source)
