"""Ingest on Spark: the raw table read, typed, given row ids and split without collecting it.

The same row-local functions as the pandas engine type each partition
(:mod:`datacentric.chunks`), hash the row ids and the split keys; the global steps (the typing
plan, duplicate ids, the per-class split) are Spark jobs. On the same rows the result equals
the pandas engine's: same ``row_id``, same split, same typed values. The column roles are
inferred on at most ``sample_rows`` rows drawn to the driver (all rows of a smaller table).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from datacentric import chunks, dataset, values
from datacentric.columns import IS_FLIPPED, LABEL, ROW_ID, TRUE_LABEL
from datacentric.errors import DatacentricError
from datacentric.io import checked_csv_dialect, readable_suffix
from datacentric.roles import TableRoles
from datacentric.spark.tables import (
    POSITION,
    driver_sample,
    joinable,
    numbered,
    on_disk,
    repeated_rows,
    with_row_ids,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

BASE = "_base"
GROUP = "_group"  # what the split keeps on one side: the row's group id, else its base id
SPLIT_KEY = "_split_key"


def read_raw(session: SparkSession, path: Path, *, delimiter: str | None = None,
             encoding: str | None = None) -> DataFrame:
    """The file as Spark reads it (by its absolute path: the JVM keeps the working folder it
    started in), with :data:`POSITION`: a CSV's cells as text (in the
    :func:`datacentric.io.sniff_csv` dialect; quoted fields may span lines), missing where
    ``pandas.read_csv`` reads them as missing (:data:`datacentric.values.MISSING_WORDS`); a
    Parquet file's columns as stored.

    Raises
    ------
    DatacentricError
        As :func:`datacentric.io.read_table` does for a missing file, a duplicated column
        name, a line shorter than the header or no data rows, and for a column name with a
        dot.
    """
    from pyspark.sql import functions as F

    suffix = readable_suffix(path)
    if suffix == ".parquet":
        raw = session.read.parquet(str(path.resolve()))
    else:
        # Spark's own FAILFAST would stop on a short line too, but with a Java stack trace
        dialect = checked_csv_dialect(path, delimiter=delimiter, encoding=encoding)
        raw = (session.read.option("header", True).option("sep", dialect.delimiter)
               .option("encoding", dialect.encoding.removesuffix("-sig"))
               .option("multiLine", True).option("quote", '"').option("escape", '"')
               .option("ignoreLeadingWhiteSpace", True).option("mode", "FAILFAST")
               .csv(str(path.resolve())))
        raw = raw.toDF(*[name.removeprefix("\ufeff") for name in raw.columns])
    dotted = [name for name in raw.columns if "." in name]
    if dotted:
        raise DatacentricError(
            f"{path}: column '{dotted[0]}' has a dot in its name, which Spark (and Great "
            f"Expectations on Spark) reads as a nested field; rename the column or use "
            f"compute.engine: pandas.")
    if suffix != ".parquet":  # the cells pandas.read_csv reads as missing
        words = sorted(values.MISSING_WORDS)
        raw = raw.select(*[F.when(F.col(f"`{name}`").isin(words), None)
                           .otherwise(F.col(f"`{name}`")).alias(name) for name in raw.columns])
    return raw.withColumn(POSITION, F.monotonically_increasing_id())


def roles_from_sample(raw: DataFrame, *, target: str, columns: Mapping[str, object],
                      decimal: str | None, thousands: str | None, source: str,
                      sample_rows: int, random_state: int) -> tuple[pd.DataFrame, TableRoles]:
    """The rows the roles are inferred on (every row up to ``sample_rows``, else a seeded
    sample of that many, in file order), typed, and the roles
    (:func:`datacentric.dataset.prepare`).

    Raises
    ------
    DatacentricError
        As :func:`datacentric.dataset.prepare` does, and when the file has no data rows.
    """
    from pyspark.sql import functions as F

    rows = raw.count()
    if rows == 0:
        raise DatacentricError(f"{source}: has a header but no data rows.")
    sample = driver_sample(raw, rows=rows, sample_rows=sample_rows, random_state=random_state)
    frame, roles = dataset.prepare(sample, target=target, columns=columns, decimal=decimal,
                                   thousands=thousands, source=source)
    if roles.key is not None and rows > sample_rows:
        # a key unique in the sample must be unique in the table, or the table has none
        key = F.trim(F.col(roles.key))
        if raw.select(F.countDistinct(key)).first()[0] != rows:
            roles = replace(roles, key=None, group=roles.group or roles.key)
    return frame, roles


def _spark_type(dtype):
    """The Spark type of a typed column (object columns hold text; the label's type comes
    from the typing plan)."""
    from pyspark.sql import types as T

    if pd.api.types.is_bool_dtype(dtype):
        return T.BooleanType()
    if pd.api.types.is_float_dtype(dtype):
        return T.DoubleType()
    if pd.api.types.is_integer_dtype(dtype):
        return T.LongType()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return T.TimestampNTZType()
    return T.StringType()


def typed_with_ids(raw: DataFrame, roles: TableRoles, *, random_state: int
                   ) -> tuple[DataFrame, TableRoles, list[str]]:
    """Every row typed as the whole table would be (:func:`datacentric.chunks.typing_plan`
    over every partition's facts), with ``row_id`` (duplicates numbered in file order),
    :data:`BASE`, :data:`SPLIT_KEY` and :data:`POSITION`. Returns the frame (the typed rows
    kept on disk beneath it), the roles with the label type of the whole table, and the output
    columns in order."""
    from pyspark.sql import types as T

    def facts(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            found = chunks.chunk_facts(batch, roles)
            yield pd.DataFrame({"facts": [json.dumps(found)]})

    found = [json.loads(row.facts) for row in
             raw.drop(POSITION).mapInPandas(facts, "facts string").collect()]
    plan = chunks.typing_plan(found, roles)
    roles = replace(roles, label_type=plan.label_type)

    def typed(batch: pd.DataFrame) -> pd.DataFrame:
        out = chunks.type_chunk(batch.drop(columns=POSITION), roles, plan)
        base = dataset.content_ids(out, key=roles.key)
        group = dataset.split_groups(out, base=base, group=roles.group)
        return out.assign(**{BASE: base.to_numpy(), GROUP: group.to_numpy(),
                             POSITION: batch[POSITION].to_numpy(),
                             SPLIT_KEY: dataset.split_keys(group, random_state=random_state)
                             .to_numpy()})

    example = typed(raw.limit(1000).toPandas())
    schema = T.StructType([T.StructField(name, _spark_type(example[name].dtype))
                           for name in example.columns])
    if LABEL in example:  # the label's Spark type follows the plan, not the first rows
        label = {"bool": T.BooleanType(), "int": T.LongType()}.get(plan.label_type,
                                                                    T.StringType())
        schema = T.StructType([T.StructField(f.name, label) if f.name == LABEL else f
                               for f in schema.fields])

    def typed_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield typed(batch)

    frame = with_row_ids(on_disk(raw.mapInPandas(typed_batches, schema)), BASE)
    columns = [ROW_ID] + [c for c in example.columns
                          if c not in (BASE, GROUP, POSITION, SPLIT_KEY)]
    return frame, roles, columns


def split_train_test(labelled: DataFrame, *, test_size: float, min_train_rows: int = 1
                     ) -> tuple[DataFrame, DataFrame]:
    """:func:`datacentric.dataset.split_train_test` on Spark: within each class the
    :func:`datacentric.dataset.test_counts` rows with the smallest :data:`SPLIT_KEY` (ties in
    file order) go to test, rows sharing a :data:`GROUP` follow the first of them, and the
    groups of a class left short stay in training.

    Only narrow columns are shuffled: the ranking within each class finds the class's last
    test row (its key and position, brought to the driver), every row is compared with it
    where it lies, and the rows whose group repeats look up the first of them."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    session = labelled.sparkSession
    sizes = pd.Series({row[LABEL]: row["count"]
                       for row in labelled.groupBy(LABEL).count().collect()})
    n_test = dataset.test_counts(sizes, test_size=test_size, min_train_rows=min_train_rows)
    quota = session.createDataFrame(
        [(label, int(n)) for label, n in n_test.items()],
        schema=[LABEL, "_n_test"]).select(F.col(LABEL).cast(labelled.schema[LABEL].dataType),
                                          "_n_test")
    rank = F.row_number().over(Window.partitionBy(LABEL).orderBy(SPLIT_KEY, POSITION))
    last = (labelled.select(LABEL, SPLIT_KEY, POSITION).join(F.broadcast(quota), on=LABEL)
            .withColumn("_rank", rank).filter(F.col("_rank") == F.col("_n_test"))
            .select(LABEL, F.col(SPLIT_KEY).alias("_last_key"),
                    F.col(POSITION).alias("_last_position")))
    last = session.createDataFrame(last.collect(), schema=last.schema)  # a row per class
    by_rank = (F.col(SPLIT_KEY) < F.col("_last_key")) | (
        (F.col(SPLIT_KEY) == F.col("_last_key")) & (F.col(POSITION) <= F.col("_last_position")))
    marked = (labelled.join(F.broadcast(last), on=LABEL, how="left")
              .withColumn("_by_rank", F.coalesce(by_rank, F.lit(False)))
              .drop("_last_key", "_last_position"))
    first = F.first("_by_rank").over(Window.partitionBy(GROUP).orderBy(POSITION))
    firsts = repeated_rows(marked, GROUP, "_by_rank").select(POSITION, first.alias("_first"))
    marked = marked.join(joinable(firsts), on=POSITION, how="left").withColumn(
        "_is_test", F.coalesce(F.col("_first"), F.col("_by_rank")))
    kept = pd.Series({row[LABEL]: row["count"] for row in
                      marked.filter(~F.col("_is_test")).groupBy(LABEL).count().collect()},
                     dtype=int)
    short = dataset.short_classes(sizes, kept, min_train_rows=min_train_rows)
    if short:  # following a subject's first row took a class's training rows: they stay
        held = (marked.filter(F.col(LABEL).isin(short)).select(GROUP).distinct()
                .withColumn("_held", F.lit(True)))
        marked = marked.join(held, on=GROUP, how="left").withColumn(
            "_is_test", F.col("_is_test") & F.col("_held").isNull()).drop("_held")
    return marked.filter(~F.col("_is_test")), marked.filter(F.col("_is_test"))


def plant_noise(train: DataFrame, *, rate: float, model: str, random_state: int) -> DataFrame:
    """``train`` (rows from :func:`split_train_test`) with :data:`LABEL` flipped as
    :func:`datacentric.dataset.flip_labels` flips the same rows in file order, the given label
    kept as :data:`TRUE_LABEL` and :data:`IS_FLIPPED` set where they differ.

    The driver draws the noise for every training row (:func:`datacentric.dataset.noise_draws`,
    16 bytes a row while it draws: 160 MB for ten million rows) and keeps the rows that can
    flip; each row's index among the training rows comes from the rows before it in its read
    partition (:data:`POSITION` holds the partition above bit 33), on that column alone."""
    from pyspark.sql import functions as F

    session, label_type = train.sparkSession, train.schema[LABEL].dataType
    classes = sorted(row[0] for row in train.select(LABEL).distinct().collect())
    chances = dataset.flip_chances(rate=rate, model=model, n_classes=len(classes))
    indexed = numbered(train.select(POSITION, LABEL), "_index",
                       group=F.shiftright(POSITION, 33), order=F.col(POSITION))
    uniform, shift = dataset.noise_draws(train.count(), model=model, n_classes=len(classes),
                                         random_state=random_state)
    can_flip = np.flatnonzero(uniform < chances.max())
    draws = session.createDataFrame(pd.DataFrame({
        "_index": can_flip, "_uniform": uniform[can_flip], "_shift": shift[can_flip]}))
    codes = session.createDataFrame(
        [(label, code, float(chances[code])) for code, label in enumerate(classes)],
        schema=[LABEL, "_code", "_chance"]).select(
        F.col(LABEL).cast(label_type), "_code", "_chance")
    noisy = codes.select(F.col("_code").alias("_noisy_code"), F.col(LABEL).alias("_noisy"))
    flipped = (indexed.join(F.broadcast(draws), on="_index").join(F.broadcast(codes), on=LABEL)
               .filter(F.col("_uniform") < F.col("_chance"))
               .withColumn("_noisy_code", (F.col("_code") + F.col("_shift")) % len(classes))
               .join(F.broadcast(noisy), on="_noisy_code").select(POSITION, "_noisy"))
    return (train.join(joinable(flipped), on=POSITION, how="left")
            .withColumn(TRUE_LABEL, F.col(LABEL))
            .withColumn(IS_FLIPPED, F.col("_noisy").isNotNull())
            .withColumn(LABEL, F.coalesce(F.col("_noisy"), F.col(LABEL))).drop("_noisy"))
