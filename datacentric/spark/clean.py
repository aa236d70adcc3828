"""Data arms on Spark: the arm's decisions are made on the driver from the rows' keys alone, then
applied to the whole table by a join on the executors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from datacentric import cleaning
from datacentric.cleaning import CleanOptions
from datacentric.columns import LABEL, ROW_ID, WEIGHT
from datacentric.spark.tables import ORDINAL, POSITION, numbered_to_pandas, with_ordinal

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def apply_arm(train: DataFrame, issues: pd.DataFrame, decisions: pd.DataFrame, arm: str,
              options: CleanOptions) -> tuple[DataFrame, pd.DataFrame, int, int]:
    """Data arm ``arm`` of ``train`` (from :func:`datacentric.spark.tables.read_parquet`): the
    arm's rows (a Spark frame with :data:`POSITION`, the table's columns then ``sample_weight``
    when the arm adds it), the row-level changes, and the numbers of rows in and out.

    Every step of :mod:`datacentric.cleaning` reads only ``row_id``, the label and the weight,
    so the driver holds those (about 100 bytes a row, as the audit does) and runs the same
    steps as the pandas engine: the same rows are kept, relabelled and re-weighted. The keys
    come to the driver numbered in file order, a part at a time
    (:func:`datacentric.spark.tables.numbered_to_pandas`).
    """
    from pyspark.sql import functions as F

    keys = [c for c in (ROW_ID, LABEL, WEIGHT) if c in train.columns]
    spine = numbered_to_pandas(with_ordinal(train.select(*keys, POSITION)).select(ORDINAL, *keys))
    arm_rows, changes = cleaning.apply_arm(spine, issues, decisions, arm, options)
    if not cleaning.parse_arm(arm):
        return train, changes, len(spine), len(spine)
    changed = [c for c in (LABEL, WEIGHT) if c in arm_rows.columns]
    decided = train.sparkSession.createDataFrame(arm_rows[[ROW_ID, *changed]]).withColumn(
        LABEL, F.col(LABEL).cast(train.schema[LABEL].dataType))
    columns = [c for c in train.columns if c != POSITION]
    columns += [WEIGHT] if WEIGHT in changed and WEIGHT not in columns else []
    return (train.drop(*changed).join(decided, on=ROW_ID, how="inner")
            .select(*columns, POSITION), changes, len(spine), len(arm_rows))
