"""The ``xgb`` cell on Spark: the featurizer is fitted on the driver on a sample of the arm's
training rows, every row is featurized on the executors (as the featurize stage does it too),
and XGBoost's Spark estimator trains on every training row across the executors.

The driver holds the featurizer's sample (at most ``compute.spark.sample_rows`` rows), the
training rows' ``row_id`` and label, and per scored row its ``row_id``, label and K
probabilities (as the audit does); never the table's other columns for every row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from datacentric.columns import LABEL, ROW_ID, WEIGHT
from datacentric.evaluation import prediction_table
from datacentric.features import (
    SUITE_ADVICE,
    Encoding,
    FeatureOptions,
    build_featurizer,
    categorical_mask,
    require_features,
    require_finite,
)
from datacentric.models.boosting import (
    EARLY_STOPPING_MIN_CLASS_ROWS,
    XGBoostClassifier,
    xgboost_module,
)
from datacentric.roles import TableRoles
from datacentric.spark.tables import POSITION, driver_sample

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from sklearn.compose import ColumnTransformer

FILE, ROW = "_file", "_row"  # the row's place in its files, to return predictions in file order
CLASS = "_class"  # the training label as XGBoost reads it: its index among the training classes
STOP = "_stop"  # the early-stopping rows


def featurized(frame: DataFrame, featurizer: ColumnTransformer, *,
               classes: np.ndarray | None = None, keep: tuple[str, ...] = (ROW_ID, LABEL)
               ) -> tuple[DataFrame, list[str]]:
    """``frame`` (from :func:`datacentric.spark.tables.read_parquet`) featurized on the
    executors by the fitted ``featurizer`` (broadcast): the ``keep`` columns, :data:`FILE`,
    :data:`ROW`, and one double column per feature named ``_f0`` … (Spark reads dots in names
    as paths), plus :data:`CLASS` when the training ``classes`` are given. Returns the frame
    and the feature column names."""
    names = [f"_f{j}" for j in range(len(featurizer.get_feature_names_out()))]
    shared = frame.sparkSession.sparkContext.broadcast(featurizer)

    def transform(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            X = shared.value.transform(batch).to_numpy(np.float64)
            out = pd.DataFrame(X, columns=names)
            for column in (*keep, FILE, ROW):
                out[column] = batch[column].to_numpy()
            if classes is not None:
                out[CLASS] = np.searchsorted(classes, batch[LABEL].to_numpy()).astype(np.int64)
            yield out

    rows = frame.select("*", frame[POSITION]["file_name"].alias(FILE),
                        frame[POSITION]["row_index"].alias(ROW)).drop(POSITION)
    schema = ", ".join([f"`{n}` double" for n in names]
                       + [f"`{c}` {rows.schema[c].dataType.simpleString()}"
                          for c in (*keep, FILE, ROW)]
                       + ([f"{CLASS} long"] if classes is not None else []))
    return rows.mapInPandas(transform, schema), names


def fitted_featurizer(train: DataFrame, roles: TableRoles, *, rows: int, options: FeatureOptions,
                      encoding: Encoding, random_state: int, sample_rows: int
                      ) -> ColumnTransformer:
    """The featurizer fitted on the driver on every row of ``train`` (which has ``rows``
    rows) up to ``sample_rows``, else on a seeded sample of that many holding every class
    (:func:`datacentric.spark.tables.driver_sample`).

    Raises
    ------
    DatacentricError
        When ``roles`` leave no feature column, or the sample holds infinite values.
    """
    require_features(roles)
    sample = driver_sample(train, rows=rows, sample_rows=sample_rows, random_state=random_state,
                           every_level_of=LABEL)
    require_finite(sample, roles, what="training rows", advice=SUITE_ADVICE)
    return build_featurizer(roles, options=options, encoding=encoding,
                            random_state=random_state).fit(sample)


def run_xgb_cell(train: DataFrame, scored: list[DataFrame], roles: TableRoles, *,
                 model: XGBoostClassifier, classes: np.ndarray, options: FeatureOptions,
                 sample_rows: int) -> list[pd.DataFrame]:
    """Fit the featurizer on at most ``sample_rows`` of ``train`` (every class kept), train
    ``model``'s XGBoost on every row of ``train`` (weighted by ``sample_weight`` when the arm
    has it; early stopping on the rows whose seeded ``row_id`` hash falls in its
    ``validation_fraction``, unless a class has fewer than
    :data:`datacentric.models.boosting.EARLY_STOPPING_MIN_CLASS_ROWS` rows) and predict every
    frame of ``scored``. Frames come from :func:`datacentric.spark.tables.read_parquet`.

    Returns one prediction table per scored frame (:func:`datacentric.evaluation.prediction_table`,
    rows in file order, probabilities over ``classes``, 0 for a class absent from training).

    Raises
    ------
    DatacentricError
        When ``roles`` leave no feature column, or the sample holds infinite values.
    """
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    spark_xgboost = xgboost_module("spark")
    counts = {row[0]: row[1] for row in train.groupBy(LABEL).count().collect()}
    train_classes = np.array(sorted(counts))
    featurizer = fitted_featurizer(train, roles, rows=sum(counts.values()), options=options,
                                   encoding="native", random_state=model.random_state,
                                   sample_rows=sample_rows)
    weighted = WEIGHT in train.columns
    rows, names = featurized(train, featurizer, classes=train_classes,
                             keep=(ROW_ID, LABEL, WEIGHT) if weighted else (ROW_ID, LABEL))
    stop = min(counts.values()) >= EARLY_STOPPING_MIN_CLASS_ROWS
    if stop:
        buckets = 1_000_000
        rows = rows.withColumn(STOP, F.pmod(F.xxhash64(ROW_ID, F.lit(model.random_state)),
                                            F.lit(buckets)) < model.validation_fraction * buckets)
    mask = categorical_mask(featurizer.get_feature_names_out())
    estimator = spark_xgboost.SparkXGBClassifier(
        features_col=names, label_col=CLASS, weight_col=WEIGHT if weighted else None,
        validation_indicator_col=STOP if stop else None,
        early_stopping_rounds=model.n_iter_no_change if stop else None,
        num_workers=train.sparkSession.sparkContext.defaultParallelism,
        feature_types=["c" if m else "q" for m in mask], verbosity=0, verbose=False,
        **model.booster_params())
    # XGBoost's Spark estimator logs every step at INFO; a stage prints only what it decided
    logging.getLogger("XGBoost-PySpark").setLevel(logging.WARNING)
    # the estimator reads the rows twice (its class count, then training)
    fitted = estimator.fit(rows.cache())
    rows.unpersist()
    tables = []
    for frame in scored:
        features, _ = featurized(frame, featurizer)
        found = (fitted.transform(features)
                 .select(ROW_ID, LABEL, FILE, ROW,
                         vector_to_array("probability").alias("_probs"))
                 .toPandas().sort_values([FILE, ROW], kind="stable"))
        probs = np.zeros((len(found), len(classes)))
        probs[:, np.searchsorted(classes, train_classes)] = np.stack(found["_probs"].to_numpy())
        probs /= probs.sum(axis=1, keepdims=True)
        tables.append(prediction_table(found[ROW_ID], found[LABEL].to_numpy(), probs, classes))
    return tables
