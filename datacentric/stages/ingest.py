"""ingest: read ``data.source``, normalise it, assign row ids, split, optionally plant noise.

Writes data/prepared/{train,test}.parquet (``row_id``, features, ``label``), and
data/prepared/label_truth.parquet (``row_id``, ``true_label``, ``is_flipped`` for the
training rows) plus metrics/ingest.json.
"""

from __future__ import annotations

from datacentric import dataset, paths
from datacentric.columns import IS_FLIPPED, LABEL, ROW_ID, TRUE_LABEL
from datacentric.io import read_table, write_json, write_parquet
from datacentric.params import load_params
from datacentric.project import resolve_inside


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    source = resolve_inside(params.data.source, key="data.source")
    frame = dataset.normalise(read_table(source), target=params.data.target, source=str(source))
    frame = dataset.assign_row_ids(frame)
    train, test = dataset.split_train_test(
        frame, test_size=params.data.test_size, random_state=params.base.seed
    )
    noise = params.data.label_noise
    truth = train[[ROW_ID, LABEL]].rename(columns={LABEL: TRUE_LABEL})
    train[LABEL] = dataset.flip_labels(
        train[LABEL], rate=noise.rate, model=noise.model, random_state=params.base.seed
    )
    truth[IS_FLIPPED] = truth[TRUE_LABEL].to_numpy() != train[LABEL].to_numpy()

    write_parquet(train, paths.PREPARED_TRAIN)
    write_parquet(test, paths.PREPARED_TEST)
    write_parquet(truth, paths.LABEL_TRUTH)
    write_json({
        "rows": len(frame), "train_rows": len(train), "test_rows": len(test),
        "classes": int(frame[LABEL].nunique()), "flipped_labels": int(truth[IS_FLIPPED].sum()),
    }, paths.METRICS / "ingest.json")
