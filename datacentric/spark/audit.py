"""The audit's row work on Spark: each fold's models fit on a bounded sample drawn to the
driver, every row is scored on the executors, and the probabilities come back for cleanlab.

The driver holds, per row, its ``row_id``, its label and its K probabilities (about
100 + 8·K bytes a row: some 1.5 GB for ten million rows of three classes), and the samples
the models fit on; never the table's other columns for every row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from datacentric.columns import LABEL, ROW_ID
from datacentric.dataset import fold_groups
from datacentric.errors import DatacentricError
from datacentric.features import (
    DEFAULT_FEATURES,
    SUITE_ADVICE,
    FeatureOptions,
    require_features,
    require_finite,
)
from datacentric.label_audit import (
    CrossFit,
    check_classes,
    fold_model,
    fold_plan,
    repeatable_predict_proba,
)
from datacentric.roles import TableRoles
from datacentric.spark.tables import ORDINAL, POSITION, with_ordinal

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from sklearn.pipeline import Pipeline


@dataclass(frozen=True)
class SparkRows:
    """Rows kept in Spark, addressed by position as the pandas engine reads them: ``frame``
    holds them with :data:`ORDINAL`; ``keys`` (on the driver) their ``row_id``, ``label``
    and the table's group column, if any, in that order."""

    frame: DataFrame
    keys: pd.DataFrame

    @classmethod
    def of(cls, frame: DataFrame, *, group: str | None = None) -> SparkRows:
        """The rows of a frame from :func:`datacentric.spark.tables.read_parquet`; ``group``
        names the roles' group column."""
        frame = with_ordinal(frame).drop(POSITION).cache()
        wanted = [ORDINAL, ROW_ID, LABEL] + ([] if group is None else [group])
        keys = frame.select(*wanted).toPandas().sort_values(ORDINAL)
        if not np.array_equal(keys[ORDINAL].to_numpy(), np.arange(len(keys))):
            raise DatacentricError("the Parquet dataset's rows could not be numbered in file "
                                   "order; rewrite it with the ingest stage.")
        return cls(frame, keys.drop(columns=ORDINAL).reset_index(drop=True))

    @property
    def labels(self) -> np.ndarray:
        return self.keys[LABEL].to_numpy()

    def take(self, positions: np.ndarray) -> pd.DataFrame:
        """The rows at ``positions`` (sorted) as pandas, in that order, index 0 to n - 1."""
        from pyspark.sql import functions as F

        wanted = self.frame.sparkSession.createDataFrame(
            pd.DataFrame({ORDINAL: np.asarray(positions, dtype=np.int64)}))
        rows = self.frame.join(F.broadcast(wanted), on=ORDINAL).toPandas()
        return rows.sort_values(ORDINAL).drop(columns=ORDINAL).reset_index(drop=True)

    def score(self, pipelines: list[Pipeline], classes: np.ndarray, *,
              fold_of: np.ndarray | None = None) -> np.ndarray:
        """Probabilities of every row, shape (N, K), columns in ``classes`` order, computed on
        the executors (the fitted pipelines broadcast): row i's from
        ``pipelines[fold_of[i]]``, or, without ``fold_of``, the mean of all pipelines."""
        k = len(classes)
        columns = [np.searchsorted(classes, p.classes_) for p in pipelines]
        shared = self.frame.sparkSession.sparkContext.broadcast((pipelines, columns, fold_of))
        names = [f"_p{j}" for j in range(k)]

        def scored(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            models, places, folds = shared.value
            for batch in batches:
                ordinal = batch[ORDINAL].to_numpy()
                rows = batch.drop(columns=ORDINAL)
                probs = np.zeros((len(rows), k))
                if folds is None:
                    for model, place in zip(models, places, strict=True):
                        probs[:, place] += repeatable_predict_proba(model, rows) / len(models)
                else:
                    fold = folds[ordinal]
                    for f in np.unique(fold):
                        mask = fold == f
                        probs[np.ix_(mask, places[f])] = repeatable_predict_proba(
                            models[f], rows[mask])
                yield pd.DataFrame({ORDINAL: ordinal, **dict(zip(names, probs.T, strict=True))})

        schema = f"{ORDINAL} long, " + ", ".join(f"{n} double" for n in names)
        found = self.frame.mapInPandas(scored, schema).toPandas().sort_values(ORDINAL)
        shared.unpersist()
        return found[names].to_numpy()


def cross_fit(rows: SparkRows, roles: TableRoles, *, model: str, n_splits: int,
              random_state: int, options: FeatureOptions = DEFAULT_FEATURES,
              tree_sample_rows: int = 100_000, exact_search_rows: int = 20_000,
              fit_rows: int | None = None, excluded: np.ndarray | None = None,
              other: SparkRows | None = None) -> CrossFit:
    """:func:`datacentric.label_audit.cross_fit` on Spark: the same folds and the same fit
    samples (so the same fold models), each fitted on the driver; every row scored on the
    executors by the one fold model that never saw it, every ``other`` row by their mean."""
    labels = rows.labels
    classes = check_classes(rows.keys[LABEL])
    require_features(roles)
    groups = fold_groups(rows.keys, group=roles.group)
    plan = fold_plan(labels, n_splits=n_splits, random_state=random_state, fit_rows=fit_rows,
                     excluded=excluded, groups=groups)
    # one Spark job brings every fold's sample; each fold then picks its rows on the driver
    wanted = np.unique(np.concatenate([fit_idx for fit_idx, _ in plan]))
    samples = rows.take(wanted)
    require_finite(samples, roles, what="audited rows", advice=SUITE_ADVICE)
    pipelines = [fold_model(model, roles,
                            samples.iloc[np.searchsorted(wanted, fit_idx)].reset_index(drop=True),
                            labels[fit_idx], random_state=random_state, options=options,
                            tree_sample_rows=tree_sample_rows,
                            exact_search_rows=exact_search_rows,
                            groups=None if groups is None else groups[fit_idx])
                 for fit_idx, _ in plan]
    fold_of = np.empty(len(labels), dtype=np.int32)
    for fold, (_, held_idx) in enumerate(plan):
        fold_of[held_idx] = fold
    return CrossFit(rows.score(pipelines, classes, fold_of=fold_of),
                    None if other is None else other.score(pipelines, classes))
