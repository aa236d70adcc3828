"""featurize: fit the ColumnTransformer on the training rows, transform both splits.

Writes data/features/{train,test}.parquet (``row_id``, ``label``, then the named feature
columns), models/featurizer.skops and metrics/featurize.json.
"""

from __future__ import annotations

import pandas as pd

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID
from datacentric.features import build_featurizer, feature_columns
from datacentric.io import write_json, write_parquet
from datacentric.models.persist import save_estimator
from datacentric.params import load_params


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    train = pd.read_parquet(paths.VALIDATED_TRAIN)
    test = pd.read_parquet(paths.VALIDATED_TEST)
    numeric, categorical = feature_columns(train)
    featurizer = build_featurizer(
        numeric, categorical, min_category_frequency=params.featurize.min_category_frequency
    ).fit(train)

    def with_keys(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([frame[[ROW_ID, LABEL]], featurizer.transform(frame)], axis=1)

    train_features, test_features = with_keys(train), with_keys(test)
    write_parquet(train_features, paths.FEATURES_TRAIN)
    write_parquet(test_features, paths.FEATURES_TEST)
    save_estimator(featurizer, paths.FEATURIZER)
    write_json({"numeric_columns": len(numeric), "categorical_columns": len(categorical),
                "features": train_features.shape[1] - 2}, paths.METRICS / "featurize.json")
