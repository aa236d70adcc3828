"""featurize: fit the ColumnTransformer on the training rows, transform both splits, in the
encoding that ``train.model`` trains on (native category codes for hgb, one-hot otherwise),
each column by its recorded role.

Writes data/features/{train,test}.parquet (``row_id``, ``label``, then the named feature
columns), models/featurizer.skops and metrics/featurize.json. On the Spark engine the
featurizer is fitted on the driver (every training row up to ``compute.spark.sample_rows``)
and the executors featurize both splits, written as Parquet folders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID
from datacentric.features import Encoding, FeatureOptions, featurize_splits
from datacentric.io import read_input, read_json_input, require_input, write_json, write_parquet
from datacentric.models.persist import save_estimator
from datacentric.models.zoo import encoding_for
from datacentric.params import Params, load_params
from datacentric.roles import FEATURE_ROLES, TableRoles

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    encoding = encoding_for(params.train.model)
    options = FeatureOptions(**params.featurize.model_dump())
    if params.compute.engine == "spark":
        featurizer = _on_spark(roles, params, options=options, encoding=encoding)
    else:
        featurizer = _on_pandas(roles, params, options=options, encoding=encoding)
    save_estimator(featurizer, paths.FEATURIZER)
    write_json({"encoding": encoding,
                **{f"{role}_columns": len(roles.of(role)) for role in FEATURE_ROLES},
                "features": len(featurizer.get_feature_names_out())},
               paths.METRICS / "featurize.json")


def _on_pandas(roles: TableRoles, params: Params, *, options: FeatureOptions,
               encoding: Encoding) -> ColumnTransformer:
    train = read_input(paths.VALIDATED_TRAIN)
    test = read_input(paths.VALIDATED_TEST)
    featurizer, X_train, X_test = featurize_splits(
        train, test, roles, options=options, encoding=encoding, random_state=params.base.seed)
    write_parquet(pd.concat([train[[ROW_ID, LABEL]], X_train], axis=1), paths.FEATURES_TRAIN)
    write_parquet(pd.concat([test[[ROW_ID, LABEL]], X_test], axis=1), paths.FEATURES_TEST)
    return featurizer


def _on_spark(roles: TableRoles, params: Params, *, options: FeatureOptions,
              encoding: Encoding) -> ColumnTransformer:
    """The featurizer fitted on the driver on every training row up to
    ``compute.spark.sample_rows`` (a seeded sample beyond); both splits featurized on the
    executors and written as Parquet folders in file order."""
    from pyspark.sql import functions as F

    from datacentric.spark import tables
    from datacentric.spark.cell import FILE, ROW, featurized, fitted_featurizer
    from datacentric.spark.session import spark_session

    session = spark_session(params.compute.spark)
    train = tables.read_parquet(session, require_input(paths.VALIDATED_TRAIN))
    test = tables.read_parquet(session, require_input(paths.VALIDATED_TEST))
    featurizer = fitted_featurizer(train, roles, rows=train.count(), options=options,
                                   encoding=encoding, random_state=params.base.seed,
                                   sample_rows=params.compute.spark.sample_rows)
    names = list(featurizer.get_feature_names_out())
    for frame, path in ((train, paths.FEATURES_TRAIN), (test, paths.FEATURES_TEST)):
        rows, columns = featurized(frame, featurizer)
        named = rows.select(ROW_ID, LABEL, FILE, ROW,
                            *[F.col(c).alias(n) for c, n in zip(columns, names, strict=True)])
        tables.write_parquet(named, path, [ROW_ID, LABEL, *names], order=[FILE, ROW])
    return featurizer
