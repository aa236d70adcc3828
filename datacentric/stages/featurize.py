"""featurize: fit the ColumnTransformer on the training rows, transform both splits, in the
encoding that ``train.model`` trains on (native category codes for hgb, one-hot otherwise),
each column by its recorded role.

Writes data/features/{train,test}.parquet (``row_id``, ``label``, then the named feature
columns), models/featurizer.skops and metrics/featurize.json.
"""

from __future__ import annotations

import pandas as pd

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID
from datacentric.features import FeatureOptions, featurize_splits
from datacentric.io import read_input, read_json_input, write_json, write_parquet
from datacentric.models.persist import save_estimator
from datacentric.models.zoo import encoding_for
from datacentric.params import load_params
from datacentric.roles import FEATURE_ROLES, TableRoles


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    train = read_input(paths.VALIDATED_TRAIN)
    test = read_input(paths.VALIDATED_TEST)
    encoding = encoding_for(params.train.model)
    featurizer, X_train, X_test = featurize_splits(
        train, test, roles, options=FeatureOptions(**params.featurize.model_dump()),
        encoding=encoding, random_state=params.base.seed)
    train_features = pd.concat([train[[ROW_ID, LABEL]], X_train], axis=1)
    test_features = pd.concat([test[[ROW_ID, LABEL]], X_test], axis=1)
    write_parquet(train_features, paths.FEATURES_TRAIN)
    write_parquet(test_features, paths.FEATURES_TEST)
    save_estimator(featurizer, paths.FEATURIZER)
    write_json({"encoding": encoding,
                **{f"{role}_columns": len(roles.of(role)) for role in FEATURE_ROLES},
                "features": train_features.shape[1] - 2}, paths.METRICS / "featurize.json")
