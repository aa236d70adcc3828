"""HistGradientBoosting on one-hot categoricals (what the pipeline fed it until the native
encoding) against the same model on category codes it splits natively (what it is fed now),
in one run: fit time and test accuracy.

The rows are the synthetic 30-column table (20 numeric, 10 categorical of cardinality 3 to
50), split 75/25 with the seed. One-hot: the featurizer's ``one_hot`` encoding (scaled
numerics with missing indicators, one-hot categoricals; about 230 columns). Native (the
baseline): its ``native`` encoding (numerics as they are, one code column per categorical,
declared categorical; 30 columns). Both are the pipeline's `hgb` model with the default
`train.hgb` settings. Writes bench/results/hgb_encoding.json.

    python bench/hgb_encoding.py [--rows 100000 300000]
"""

# ruff: noqa: I001  (datacentric first: it sets the OpenMP spin before scikit-learn loads)
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import datacentric  # noqa: F401
import numpy as np
from sklearn.model_selection import train_test_split

from datacentric.columns import LABEL
from datacentric.features import build_featurizer, categorical_mask
from datacentric.roles import infer_roles
from datacentric.models.zoo import make_model
from datacentric.params import TrainParams
from datacentric.synthetic import make_table


def fit_and_score(train, test, encoding: str) -> tuple[float, float, int]:
    """Fit seconds, test accuracy and feature count of hgb on ``encoding``'s features."""
    roles = infer_roles(train, target=LABEL)
    featurizer = build_featurizer(roles, encoding=encoding).fit(train)
    X_train, X_test = featurizer.transform(train), featurizer.transform(test)
    model = make_model("hgb", TrainParams(), random_state=0,
                       categorical_features=categorical_mask(X_train.columns))
    started = time.perf_counter()
    model.fit(X_train.to_numpy(np.float32), train[LABEL])
    seconds = time.perf_counter() - started
    accuracy = float((model.predict(X_test.to_numpy(np.float32)) == test[LABEL]).mean())
    return seconds, accuracy, X_train.shape[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--out", default="bench/results/hgb_encoding.json")
    args = parser.parse_args()

    records = []
    for rows in args.rows:
        table = make_table(rows, random_state=0).rename(columns={"label": LABEL})
        train, test = train_test_split(table, test_size=0.25, random_state=0,
                                       stratify=table[LABEL])
        one_hot = fit_and_score(train, test, "one_hot")
        native = fit_and_score(train, test, "native")
        record = {"rows": rows, "one_hot_columns": one_hot[2], "native_columns": native[2],
                  "one_hot_seconds": one_hot[0], "native_seconds": native[0],
                  "ratio": one_hot[0] / native[0], "one_hot_accuracy": one_hot[1],
                  "native_accuracy": native[1]}
        records.append(record)
        print(f"{rows:>9,} rows: one-hot {one_hot[0]:6.1f} s (accuracy {one_hot[1]:.4f}), "
              f"native {native[0]:6.1f} s (accuracy {native[1]:.4f}): "
              f"{record['ratio']:.1f}× the native fit time", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"records": records}, indent=2) + "\n")


if __name__ == "__main__":
    main()
