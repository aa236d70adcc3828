"""Spark tables in and out: Parquet datasets read with their file order, written atomically in
that order, and seeded samples drawn to the driver."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from datacentric.columns import ROW_ID
from datacentric.io import atomic_path

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

POSITION = "_position"  # the row's place in the file, for "first" and "in order of appearance"
ORDINAL = "_ordinal"  # the row's place in a Parquet dataset, 0 to N - 1, as pandas reads it
# rows of a table joined to every row (repeated ids, first rows): broadcast up to this many,
# about 16 bytes each; beyond, Spark shuffles both sides
BROADCAST_ROWS = 2_000_000
# rows brought to the driver per job: one collect of every key of 8,000,000 rows lost its
# task results in the default 1 GiB driver heap
DRIVER_PART_ROWS = 1_000_000


def read_parquet(session: SparkSession, path: str | Path) -> DataFrame:
    """A Parquet dataset written by :func:`write_parquet` (or one file), with
    :data:`POSITION` ordering its rows as they lie in the files (by part file, then row)."""
    from pyspark.sql import functions as F

    frame = session.read.parquet(str(Path(path).resolve()))
    return frame.withColumn(POSITION, F.struct(F.col("_metadata.file_name"),
                                               F.col("_metadata.row_index")))


def write_parquet(frame: DataFrame, path: str | Path, columns: list[str], *,
                  order: list[str | Column] | None = None) -> None:
    """``frame``'s ``columns`` as a Parquet dataset (a folder) at ``path``, its rows ordered by
    ``order`` (default :data:`POSITION`, the file order), replacing the folder in one rename
    (:func:`datacentric.io.atomic_path`)."""
    from pyspark.sql import functions as F

    quoted = [F.col("`" + name.replace("`", "``") + "`") for name in columns]  # dots are names
    with atomic_path(path) as tmp:
        frame.orderBy(*(order or [POSITION])).select(*quoted).write.parquet(str(tmp.resolve()))


def on_disk(frame: DataFrame) -> DataFrame:
    """``frame`` persisted on local disk, not in the JVM heap: a partition of a large input
    file (hundreds of thousands of wide rows) does not fit a default 1 GiB heap while it is
    cached, and reading the disk copy back costs less than computing the rows again."""
    from pyspark import StorageLevel

    return frame.persist(StorageLevel.DISK_ONLY)


def repeated_rows(frame: DataFrame, key: str, *columns: str) -> DataFrame:
    """``key``, :data:`POSITION` and ``columns`` of the rows of ``frame`` whose ``key`` value
    repeats, found on those columns alone (the wide rows are not shuffled)."""
    from pyspark.sql import functions as F

    narrow = frame.select(key, POSITION, *columns)
    repeats = narrow.groupBy(key).count().filter(F.col("count") > 1).select(key)
    return narrow.join(repeats, on=key)


def joinable(frame: DataFrame) -> DataFrame:
    """``frame`` cached, marked for a broadcast join when it has at most
    :data:`BROADCAST_ROWS` rows (the other side of the join then stays where it is)."""
    from pyspark.sql import functions as F

    frame = frame.cache()
    return F.broadcast(frame) if frame.count() <= BROADCAST_ROWS else frame


def with_row_ids(frame: DataFrame, base: str) -> DataFrame:
    """``frame`` with ``row_id`` from its ``base`` id column, as
    :func:`datacentric.dataset.assign_row_ids` gives it: ``-1``, ``-2`` … on the second, third
    … row sharing a base id, in :data:`POSITION` order over the whole frame. Only the rows
    whose base id repeats are numbered (on two columns) and joined back; ``frame`` is read
    twice, so cache it when it is costly to compute."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    occurrence = F.row_number().over(Window.partitionBy(base).orderBy(POSITION)) - 1
    later = repeated_rows(frame, base).select(POSITION, occurrence.alias("_occurrence")).filter(
        F.col("_occurrence") > 0)
    numbered = frame.join(joinable(later), on=POSITION, how="left")
    return numbered.withColumn(ROW_ID, F.when(F.col("_occurrence").isNull(), F.col(base))
                               .otherwise(F.concat(F.col(base), F.lit("-"),
                                                   F.col("_occurrence").cast("string")))
                               ).drop("_occurrence")


def driver_sample(frame: DataFrame, *, rows: int, sample_rows: int, random_state: int,
                  every_level_of: str | None = None) -> pd.DataFrame:
    """Every row of ``frame`` (which has ``rows`` rows) when at most ``sample_rows``, else a
    seeded sample of that many, as pandas in file order, without :data:`POSITION`. With
    ``every_level_of``, the sample also holds the first row of each of that column's values
    (so no class goes missing from it)."""
    from pyspark.sql import functions as F

    if rows <= sample_rows:
        chosen = frame
    else:
        chosen = frame.sample(fraction=min(1.0, 1.1 * sample_rows / rows),
                              seed=random_state).orderBy(POSITION).limit(sample_rows)
        if every_level_of is not None:
            # each value's first position from the narrow columns alone (a window sorting
            # each class's wide rows ran the 1 GiB driver heap out at 8,000,000 rows)
            first = frame.groupBy(every_level_of).agg(F.min(POSITION).alias(POSITION))
            firsts = frame.join(F.broadcast(first.select(POSITION)), on=POSITION)
            chosen = chosen.unionByName(firsts).dropDuplicates([POSITION])
    return chosen.orderBy(POSITION).toPandas().drop(columns=POSITION)


def numbered(frame: DataFrame, name: str, *, group: Column, order: Column) -> DataFrame:
    """``frame`` with ``name``: each row's index, 0 to N - 1, in ``group`` then ``order``
    order, from each group's row count (brought to the driver) and the row's rank within its
    group; only the group and order columns are shuffled."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    grouped = frame.withColumn("_group", group)
    counts = sorted(tuple(row) for row in grouped.groupBy("_group").count().collect())
    offsets, start = [], 0
    for value, count in counts:
        offsets.append((value, start))
        start += count
    kind = grouped.schema["_group"].dataType.simpleString()
    offset = frame.sparkSession.createDataFrame(offsets, f"_group {kind}, _offset long")
    return (grouped.join(F.broadcast(offset), on="_group")
            .withColumn(name, F.col("_offset") - 1 + F.row_number().over(
                Window.partitionBy("_group").orderBy(order)))
            .drop("_group", "_offset"))


def with_ordinal(frame: DataFrame) -> DataFrame:
    """``frame`` (from :func:`read_parquet`, perhaps filtered) with :data:`ORDINAL`: the row's
    index among its rows as pandas reads them (part files in name order, rows in file
    order), 0 to N - 1."""
    from pyspark.sql import functions as F

    return numbered(frame, ORDINAL, group=F.col(POSITION)["file_name"],
                    order=F.col(POSITION)["row_index"])


def numbered_to_pandas(frame: DataFrame) -> pd.DataFrame:
    """Every row of ``frame`` (from :func:`with_ordinal`, narrow: the driver holds it all) as
    pandas in :data:`ORDINAL` order, index 0 to N - 1, without :data:`ORDINAL`; brought over
    :data:`DRIVER_PART_ROWS` rows per job, from a copy on local disk."""
    from pyspark.sql import functions as F

    kept = on_disk(frame)
    try:
        rows = kept.count()
        parts = [kept.filter(F.col(ORDINAL).between(start, start + DRIVER_PART_ROWS - 1))
                 .toPandas() for start in range(0, max(rows, 1), DRIVER_PART_ROWS)]
    finally:
        kept.unpersist()
    whole = pd.concat(parts, ignore_index=True).sort_values(ORDINAL)
    return whole.drop(columns=ORDINAL).reset_index(drop=True)
