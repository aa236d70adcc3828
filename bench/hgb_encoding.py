"""HistGradientBoosting on one-hot categoricals (what the pipeline feeds it) against the same
model on its native categorical support, in one run: fit time and test accuracy.

The rows are the synthetic 30-column table (20 numeric, 10 categorical of cardinality 3 to
50), split 75/25 with the seed. One-hot: the pipeline's featurizer (scaled numerics with
missing indicators, one-hot categoricals; about 230 columns). Native (the baseline): numerics
as they are, categoricals as ordinal codes declared categorical (30 columns). Both are the
pipeline's `hgb` model with the default `train.hgb` settings. Writes
bench/results/hgb_encoding.json.

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
from sklearn.preprocessing import OrdinalEncoder

from datacentric.columns import LABEL
from datacentric.features import build_featurizer, feature_columns
from datacentric.models.zoo import make_model
from datacentric.params import TrainParams
from datacentric.synthetic import make_table


def fit_and_score(X_train, y_train, X_test, y_test, **settings) -> tuple[float, float]:
    model = make_model("hgb", TrainParams(), random_state=0).set_params(**settings)
    started = time.perf_counter()
    model.fit(X_train, y_train)
    return time.perf_counter() - started, float((model.predict(X_test) == y_test).mean())


def native_frame(frame, numeric: list[str], categorical: list[str], codes: OrdinalEncoder):
    """Numerics as they are, categoricals as ordinal codes (NaN for missing and unseen)."""
    out = frame[numeric].copy()
    out[categorical] = codes.transform(frame[categorical].astype(object))
    return out


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
        numeric, categorical = feature_columns(train)
        featurizer = build_featurizer(numeric, categorical).fit(train)
        one_hot = fit_and_score(featurizer.transform(train), train[LABEL],
                                featurizer.transform(test), test[LABEL])
        codes = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                               encoded_missing_value=np.nan).fit(train[categorical].astype(object))
        native = fit_and_score(native_frame(train, numeric, categorical, codes), train[LABEL],
                               native_frame(test, numeric, categorical, codes), test[LABEL],
                               categorical_features=categorical)
        record = {"rows": rows, "one_hot_columns": featurizer.transform(test.head(1)).shape[1],
                  "native_columns": len(numeric) + len(categorical),
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
