"""predict: score a file of new rows with models/featurizer.skops and the trained model.

Reads the file ``chunk_rows`` rows at a time and appends each chunk's predictions to one
Parquet file (``row_id``, ``predicted``, ``proba_<class>``), written atomically, so
memory stays flat however large the file is.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import typer

from datacentric import paths
from datacentric.io import atomic_path, read_chunks
from datacentric.models.persist import load_estimator
from datacentric.scoring import conform, fitted_columns, score
from datacentric.stages.evaluate import load_model


def main(batch: Path, out: Path, *, chunk_rows: int = 100_000) -> None:
    featurizer = load_estimator(paths.FEATURIZER)
    model = load_model()
    numeric, categorical = fitted_columns(featurizer)
    rows = 0
    with atomic_path(out) as tmp:
        writer = None
        for chunk in read_chunks(batch, chunk_rows=chunk_rows):
            conformed = conform(chunk, numeric=numeric, categorical=categorical,
                                source=f"{batch} (rows {rows + 1}-{rows + len(chunk)})")
            table = pa.Table.from_pandas(score(conformed, featurizer, model),
                                         preserve_index=False)
            writer = writer or pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
            rows += len(chunk)
        writer.close()
    typer.echo(f"{out}: {rows} rows scored.")
