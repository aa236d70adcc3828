"""predict: score a file of new rows with models/featurizer.skops and the trained model.

Reads the file ``chunk_rows`` rows at a time and appends each chunk's predictions to one
Parquet file (``row_id``, ``predicted``, ``proba_<class>``), written atomically, so
memory stays flat however large the file is. On the Spark engine the executors score the file
(:mod:`datacentric.spark.predict`) and ``out`` is a Parquet folder in the file's row order.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import typer

from datacentric import paths
from datacentric.io import atomic_path, read_chunks, read_json_input, require_input
from datacentric.models.persist import load_estimator
from datacentric.params import CsvParams, Params, load_params
from datacentric.roles import TableRoles
from datacentric.scoring import conform, score
from datacentric.stages.evaluate import load_model

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer


def main(batch: Path, out: Path, *, chunk_rows: int = 100_000,
         params_path: str = "params.yaml") -> None:
    featurizer = load_estimator(require_input(paths.FEATURIZER))
    model = load_model()
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    params = load_params(params_path)
    if params.compute.engine == "spark":
        rows = _on_spark(batch, out, roles, featurizer, model, params)
    else:
        rows = _on_pandas(batch, out, roles, featurizer, model, params.data.csv,
                          chunk_rows=chunk_rows)
    typer.echo(f"{out}: {rows} rows scored.")


def _on_pandas(batch: Path, out: Path, roles: TableRoles, featurizer: ColumnTransformer,
               model: Any, csv: CsvParams, *, chunk_rows: int) -> int:
    rows = 0
    with atomic_path(out) as tmp:
        writer = None
        for chunk in read_chunks(batch, chunk_rows=chunk_rows, delimiter=csv.delimiter,
                                 encoding=csv.encoding):
            conformed = conform(chunk, roles,
                                source=f"{batch} (rows {rows + 1}-{rows + len(chunk)})")
            table = pa.Table.from_pandas(score(conformed, featurizer, model),
                                         preserve_index=False)
            writer = writer or pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
            rows += len(chunk)
        writer.close()
    return rows


def _on_spark(batch: Path, out: Path, roles: TableRoles, featurizer: ColumnTransformer,
              model: Any, params: Params) -> int:
    """Score on the executors; ``out`` becomes a Parquet folder in the file's row order."""
    from datacentric.spark import tables
    from datacentric.spark.predict import scored_rows
    from datacentric.spark.session import spark_session, task_errors

    session = spark_session(params.compute.spark)
    with task_errors():
        frame, columns = scored_rows(session, batch, roles, featurizer=featurizer,
                                     model=model, csv=params.data.csv)
        tables.write_parquet(frame, out, columns)
    return session.read.parquet(str(out.resolve())).count()
