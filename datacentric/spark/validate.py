"""Validation's row work on Spark: the quarantined rows of an outcome, found where the rows are.

Great Expectations judges every expectation (:class:`datacentric.validation.Validator` with
``engine="spark"``); a failed row-level expectation comes back with its own Spark SQL condition
on the failing rows, which selects them here, checked against Great Expectations' count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from datacentric.columns import ROW_ID
from datacentric.errors import DatacentricError
from datacentric.validation import ValidationOutcome

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

REASON = "_reason"
NUMBER = "_expectation"  # the expectation's place in the outcome, for the count check


def quarantine_rows(frame: DataFrame, outcome: ValidationOutcome) -> DataFrame:
    """:func:`datacentric.quarantine.quarantine_table` on Spark: one row per quarantined
    ``row_id`` of ``frame`` with ``batch`` and ``reasons`` (the failing row-level expectations,
    sorted, ``; ``-joined).

    Raises
    ------
    DatacentricError
        When an expectation's condition selects another number of rows than Great
        Expectations counted as failing.
    """
    from pyspark.sql import functions as F

    session = frame.sparkSession
    parts = []
    for number, o in enumerate(outcome.outcomes):
        if not o.quarantines:
            continue
        failing = (frame.filter(F.expr(o.failing_rows_condition)).select(ROW_ID)
                   if o.failing_rows_condition else
                   session.createDataFrame([(i,) for i in o.failing_row_ids], f"{ROW_ID} string"))
        parts.append(failing.select(ROW_ID, F.lit(o.reason).alias(REASON),
                                    F.lit(number).alias(NUMBER)))
    if not parts:
        return session.createDataFrame(
            [], f"{ROW_ID} string, batch string, reasons string")
    pairs = parts[0]
    for part in parts[1:]:
        pairs = pairs.unionByName(part)
    pairs = pairs.cache()
    _check_counts(pairs, outcome)
    return (pairs.groupBy(ROW_ID)
            .agg(F.concat_ws("; ", F.array_sort(F.collect_set(REASON))).alias("reasons"))
            .select(ROW_ID, F.lit(outcome.batch).alias("batch"), "reasons"))


def _check_counts(pairs: DataFrame, outcome: ValidationOutcome) -> None:
    selected = {row[NUMBER]: row["count"] for row in pairs.groupBy(NUMBER).count().collect()}
    for number, o in enumerate(outcome.outcomes):
        found = selected.get(number, 0)
        if o.failing_rows_condition and found != o.unexpected_count:
            raise DatacentricError(
                f"{outcome.batch}: Great Expectations counted {o.unexpected_count} rows failing "
                f"{o.reason}, but its condition selects {found}; validate this table with "
                f"compute.engine: pandas.")
