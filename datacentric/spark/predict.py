"""predict on Spark: a file of new rows scored on the executors by the fitted featurizer and
model (both broadcast), each partition through the pandas engine's own
:func:`datacentric.scoring.conform` and :func:`datacentric.scoring.score`. Nothing but the
file's header comes to the driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from datacentric.columns import ROW_ID
from datacentric.dataset import base_ids
from datacentric.params import CsvParams
from datacentric.roles import TableRoles
from datacentric.scoring import conform, require_columns, score
from datacentric.spark.ingest import BASE, read_raw
from datacentric.spark.tables import POSITION, on_disk, with_row_ids

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from sklearn.compose import ColumnTransformer


def scored_rows(session: SparkSession, batch: Path, roles: TableRoles, *,
                featurizer: ColumnTransformer, model: Any, csv: CsvParams
                ) -> tuple[DataFrame, list[str]]:
    """The rows of ``batch`` (CSV or Parquet, read as ingest reads a raw table) scored:
    ``row_id``, ``predicted``, one ``proba_<class>`` double per class of ``model``, and
    :data:`POSITION` (the file order). ``row_id`` is ingest's: duplicates are numbered over
    the whole file in file order. Returns the frame and its output columns in order.

    Raises
    ------
    DatacentricError
        Naming ``batch``: from :func:`datacentric.spark.ingest.read_raw`, for a missing
        feature column (before any Spark job) and, when the rows are computed (inside
        :func:`datacentric.spark.session.task_errors`), as
        :func:`datacentric.scoring.conform` does for a value that cannot be read.
    """
    from pyspark.sql import types as T

    raw = read_raw(session, batch, delimiter=csv.delimiter, encoding=csv.encoding)
    require_columns(raw.columns, roles, source=str(batch))
    classes = np.asarray(model.classes_)
    probas = [f"proba_{c}" for c in classes]
    predicted = (T.BooleanType() if classes.dtype == bool else
                 T.LongType() if np.issubdtype(classes.dtype, np.integer) else T.StringType())
    schema = T.StructType([T.StructField(BASE, T.StringType()),
                           T.StructField("predicted", predicted),
                           *[T.StructField(name, T.DoubleType()) for name in probas],
                           T.StructField(POSITION, T.LongType())])
    shared = session.sparkContext.broadcast((featurizer, model))

    def scored(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        fitted_featurizer, fitted_model = shared.value
        for part in batches:
            rows = conform(part.drop(columns=POSITION), roles, source=str(batch))
            out = score(rows, fitted_featurizer, fitted_model)
            out[ROW_ID] = base_ids(out[ROW_ID])  # numbered over the whole file below
            yield out.rename(columns={ROW_ID: BASE}).assign(
                **{POSITION: part[POSITION].to_numpy()})

    frame = on_disk(raw.mapInPandas(scored, schema))  # read twice by with_row_ids
    return with_row_ids(frame, BASE), [ROW_ID, "predicted", *probas]
