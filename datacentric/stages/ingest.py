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

import typer

from datacentric import dataset, paths
from datacentric.columns import IS_FLIPPED, LABEL, ROW_ID, TRUE_LABEL
from datacentric.io import read_table, write_json, write_parquet
from datacentric.params import load_params
from datacentric.project import resolve_inside
from datacentric.roles import describe


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    data = params.data
    source = resolve_inside(data.source, key="data.source")
    raw = read_table(source, delimiter=data.csv.delimiter, encoding=data.csv.encoding)
    frame, roles = dataset.prepare(raw, target=data.target, columns=data.columns.overrides(),
                                   decimal=data.csv.decimal, thousands=data.csv.thousands,
                                   source=str(source))
    frame, unlabelled = dataset.split_unlabelled(dataset.assign_row_ids(frame, key=roles.key))
    if len(unlabelled):
        typer.echo(f"{len(unlabelled)} rows have no value in '{data.target}': set aside in "
                   f"{paths.UNLABELLED} (they can be scored with `datacentric predict`).")
    train, test = dataset.split_train_test(
        frame, test_size=data.test_size, random_state=params.base.seed)
    dataset.require_class_rows(train[LABEL], min_rows=data.min_class_rows,
                               param="data.min_class_rows", source=str(source))
    noise = data.label_noise
    truth = train[[ROW_ID, LABEL]].rename(columns={LABEL: TRUE_LABEL})
    train[LABEL] = dataset.flip_labels(
        train[LABEL], rate=noise.rate, model=noise.model, random_state=params.base.seed)
    truth[IS_FLIPPED] = truth[TRUE_LABEL].to_numpy() != train[LABEL].to_numpy()

    columns = describe(frame, roles)
    width = max(map(len, columns), default=0)
    for name, c in columns.items():
        typer.echo(f"{name:<{width}}  {c['role']:<14} {c['type']:<15} {c['distinct']:>8} "
                   f"distinct  {c['missing']:6.1%} missing")
    write_parquet(train, paths.PREPARED_TRAIN)
    write_parquet(test, paths.PREPARED_TEST)
    write_parquet(truth, paths.LABEL_TRUTH)
    write_parquet(unlabelled, paths.UNLABELLED)
    write_json(roles.to_dict(), paths.COLUMN_ROLES)
    write_json({
        "rows": len(frame), "train_rows": len(train), "test_rows": len(test),
        "unlabelled_rows": len(unlabelled),
        "classes": int(frame[LABEL].nunique()), "flipped_labels": int(truth[IS_FLIPPED].sum()),
        "key": roles.key, "columns_by_role": dict(Counter(c["role"] for c in columns.values())),
        # a list, so `dvc exp show` keeps one column per metric, not four per table column
        "columns": [{"column": name, **c} for name, c in columns.items()],
    }, paths.METRICS / "ingest.json")
