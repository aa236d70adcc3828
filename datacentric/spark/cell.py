"""The ``xgb`` and torch cells on Spark: the featurizer is fitted on the driver on a sample of
the arm's training rows, every row is featurized on the executors (as the featurize stage does
it too), and the model trains on every training row away from the driver: XGBoost through its
Spark estimator, the torch networks through Spark's ``TorchDistributor`` (DDP, each process on
its own shard of the rows).

The driver holds the featurizer's sample (at most ``compute.spark.sample_rows`` rows), the
training rows' ``row_id`` and label, and per scored row its ``row_id``, label and K
probabilities (as the audit does); never the table's other columns for every row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from datacentric.columns import LABEL, ROW_ID, WEIGHT
from datacentric.errors import DatacentricError
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
from datacentric.models.distributed import current_shard, leave_process_group
from datacentric.models.persist import load_estimator, save_estimator
from datacentric.roles import TableRoles
from datacentric.spark.tables import POSITION, driver_sample

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from sklearn.compose import ColumnTransformer

    from datacentric.models.torch_classifier import TorchClassifier

FILE, ROW = "_file", "_row"  # the row's place in its files, to return predictions in file order
CLASS = "_class"  # the training label as XGBoost reads it: its index among the training classes
STOP = "_stop"  # the early-stopping rows
SHARD = "_shard"  # the torch process that trains on the row


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


def _training_rows(train: DataFrame, roles: TableRoles, *, encoding: Encoding,
                   options: FeatureOptions, random_state: int, sample_rows: int,
                   keep: tuple[str, ...]) -> tuple[dict, ColumnTransformer, DataFrame, list[str]]:
    """The training rows' class counts, the featurizer fitted on a sample of them
    (:func:`fitted_featurizer`), and the rows featurized (:func:`featurized`, with
    :data:`CLASS`, the ``keep`` columns and the arm's weight column when it has one) with their
    feature names."""
    counts = {row[0]: row[1] for row in train.groupBy(LABEL).count().collect()}
    featurizer = fitted_featurizer(train, roles, rows=sum(counts.values()), options=options,
                                   encoding=encoding, random_state=random_state,
                                   sample_rows=sample_rows)
    weight = (WEIGHT,) if WEIGHT in train.columns else ()
    rows, names = featurized(train, featurizer, classes=np.array(sorted(counts)),
                             keep=(*keep, *weight))
    return counts, featurizer, rows, names


def run_xgb_cell(train: DataFrame, scored: list[DataFrame], roles: TableRoles, *,
                 model: XGBoostClassifier, classes: np.ndarray, options: FeatureOptions,
                 sample_rows: int) -> list[pd.DataFrame]:
    """Fit the featurizer on at most ``sample_rows`` of ``train`` (every class kept), train
    ``model``'s XGBoost on every row of ``train`` (weighted by ``sample_weight`` when the arm
    has it; early stopping on the rows :func:`held_out` picks, whole subjects where the table
    has a group, unless a class has fewer than
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

    spark_xgboost = xgboost_module("spark")
    group = () if roles.group is None else (roles.group,)
    counts, featurizer, rows, names = _training_rows(
        train, roles, encoding="native", options=options, random_state=model.random_state,
        sample_rows=sample_rows, keep=(ROW_ID, LABEL, *group))
    train_classes, weighted = np.array(sorted(counts)), WEIGHT in train.columns
    stop = min(counts.values()) >= EARLY_STOPPING_MIN_CLASS_ROWS
    if stop:
        rows = rows.withColumn(STOP, held_out(model.validation_fraction, model.random_state,
                                              group=roles.group))
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
        tables.append(_prediction_table(found, np.stack(found["_probs"].to_numpy()),
                                        classes, train_classes))
    return tables


def held_out(fraction: float, random_state: int, *, group: str | None = None) -> Column:
    """True for a seeded ``fraction`` of the rows, chosen by a hash of their ``row_id`` (so
    the same rows whatever the partitioning); on a table with a ``group`` column, by a hash of
    its value, so that a subject's rows are held out together (a row without one is a subject
    of its own), as early stopping on the pandas engine holds out whole subjects."""
    from pyspark.sql import functions as F

    key = F.col(ROW_ID) if group is None else F.coalesce(
        F.col(f"`{group}`").cast("string"), F.col(ROW_ID))
    buckets = 1_000_000
    return F.pmod(F.xxhash64(key, F.lit(random_state)), F.lit(buckets)) < fraction * buckets


def _prediction_table(found: pd.DataFrame, probs: np.ndarray, classes: np.ndarray,
                      train_classes: np.ndarray) -> pd.DataFrame:
    """:func:`datacentric.evaluation.prediction_table` of the scored rows ``found`` (in file
    order) from their probabilities over ``train_classes``, spread over ``classes``."""
    spread = np.zeros((len(found), len(classes)))
    spread[:, np.searchsorted(classes, train_classes)] = probs
    spread /= spread.sum(axis=1, keepdims=True)
    return prediction_table(found[ROW_ID], found[LABEL].to_numpy(), spread, classes)


def train_on_shard(folder: str, names: list[str], model: TorchClassifier,
                   classes: np.ndarray, weighted: bool, out: str) -> None:
    """One ``TorchDistributor`` process: ``model`` fitted data-parallel
    (:meth:`TorchClassifier.fit_shard`) on this rank's rows of the Parquet dataset ``folder``
    (partitioned by :data:`SHARD`); rank 0 writes it to ``out`` (``.safetensors``). Not
    returned: under a ``local`` master every rank writes its return value to one file, and
    the last one wins."""
    shard = current_shard()
    rows = pd.read_parquet(Path(folder) / f"{SHARD}={shard.rank}")
    rows = rows.sort_values(ROW_ID, kind="stable")  # the part files' order is not fixed
    model.fit_shard(rows[names].to_numpy(np.float32), rows[CLASS].to_numpy(), classes=classes,
                    validation=rows[STOP].to_numpy(),
                    sample_weight=rows[WEIGHT].to_numpy() if weighted else None)
    leave_process_group()
    if shard.is_main:
        save_estimator(model, out)


def run_torch_cell(train: DataFrame, scored: list[DataFrame], roles: TableRoles, *,
                   model: TorchClassifier, classes: np.ndarray, options: FeatureOptions,
                   sample_rows: int, processes: int, scratch: Path) -> list[pd.DataFrame]:
    """Fit the featurizer on at most ``sample_rows`` of ``train`` (every class kept), train
    the torch ``model`` on every row of ``train`` with Spark's ``TorchDistributor`` in
    ``processes`` processes (on the driver's machine under a ``local`` master, else in
    executors' tasks; on GPUs when ``compute.spark.conf`` gives Spark GPUs), each on its own
    seeded share of the rows written to ``scratch`` (a new folder every process can read and
    write beside; the fitted network is written next to it as ``<scratch>.safetensors``),
    early stopping on the rows :func:`held_out` picks (whole subjects where the table has a
    group); then predict every frame of ``scored`` on the executors, the fitted model broadcast.

    Returns one prediction table per scored frame, as :func:`run_xgb_cell` does.

    Raises
    ------
    DatacentricError
        When ``roles`` leave no feature column, the sample holds infinite values, a process
        would get no rows, or no row falls in the validation fraction.
    """
    from pyspark.ml.torch.distributor import TorchDistributor
    from pyspark.sql import functions as F

    scratch = scratch.resolve()  # the JVM and the torch processes keep their own folders
    group = () if roles.group is None else (roles.group,)
    counts, featurizer, rows, names = _training_rows(
        train, roles, encoding="one_hot", options=options, random_state=model.random_state,
        sample_rows=sample_rows, keep=(ROW_ID, *group))
    train_classes, weighted = np.array(sorted(counts)), WEIGHT in train.columns
    rows = (rows.withColumn(STOP, held_out(model.validation_fraction, model.random_state,
                                           group=roles.group))
            .drop(FILE, ROW, *group)
            .withColumn(SHARD, F.pmod(F.xxhash64(ROW_ID, F.lit(model.random_state + 1)),
                                      F.lit(processes))))
    rows.write.partitionBy(SHARD).parquet(str(scratch))
    empty = [rank for rank in range(processes) if not (scratch / f"{SHARD}={rank}").is_dir()]
    if empty:
        raise DatacentricError(
            f"train.launch asks for {processes} torch processes, but {len(empty)} of them "
            f"would get no training rows ({sum(counts.values())} rows); ask for fewer.")
    if train.sparkSession.read.parquet(str(scratch)).where(STOP).isEmpty():
        raise DatacentricError(
            f"train.torch.validation_fraction ({model.validation_fraction}) leaves none of the "
            f"{sum(counts.values())} training rows for early stopping; raise it or add rows.")
    conf = train.sparkSession.sparkContext.getConf()
    local = train.sparkSession.sparkContext.master.startswith("local")
    gpus = conf.contains("spark.driver.resource.gpu.amount" if local
                         else "spark.task.resource.gpu.amount")
    distributor = TorchDistributor(num_processes=processes, local_mode=local, use_gpu=gpus)
    # it logs each start and finish at INFO; a stage prints only what it decided
    distributor.logger.setLevel(logging.WARNING)
    fitted_path = scratch.parent / f"{scratch.name}.safetensors"
    distributor.run(train_on_shard, str(scratch), names, model, train_classes,
                    weighted, str(fitted_path))
    fitted = load_estimator(fitted_path)
    shared = train.sparkSession.sparkContext.broadcast(fitted)
    probabilities = [f"_p{j}" for j in range(len(train_classes))]

    def predicted(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            probs = shared.value.predict_proba(batch[names].to_numpy(np.float32))
            yield pd.DataFrame({**{c: batch[c].to_numpy() for c in (ROW_ID, LABEL, FILE, ROW)},
                                **dict(zip(probabilities, probs.T, strict=True))})

    tables = []
    for frame in scored:
        features, _ = featurized(frame, featurizer)
        schema = ", ".join([f"`{c}` {features.schema[c].dataType.simpleString()}"
                            for c in (ROW_ID, LABEL, FILE, ROW)]
                           + [f"{p} double" for p in probabilities])
        found = (features.mapInPandas(predicted, schema).toPandas()
                 .sort_values([FILE, ROW], kind="stable"))
        tables.append(_prediction_table(found, found[probabilities].to_numpy(), classes,
                                        train_classes))
    shared.unpersist()
    return tables
