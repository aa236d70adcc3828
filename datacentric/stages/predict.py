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
from datacentric.io import atomic_path, read_chunks, read_json_input, require_input
from datacentric.models.persist import load_estimator
from datacentric.params import load_params
from datacentric.roles import TableRoles
from datacentric.scoring import conform, score
from datacentric.stages.evaluate import load_model


def main(batch: Path, out: Path, *, chunk_rows: int = 100_000,
         params_path: str = "params.yaml") -> None:
    featurizer = load_estimator(require_input(paths.FEATURIZER))
    model = load_model()
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    csv = load_params(params_path).data.csv
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
    typer.echo(f"{out}: {rows} rows scored.")
