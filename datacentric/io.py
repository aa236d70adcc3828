"""File I/O for stages: reading user tables with clear errors, writing every output atomically.

Each writer puts its bytes in a temporary file in the target's folder and renames it over the
target, so an interrupted stage leaves the old output or none, never a half-written one.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from datacentric.errors import DatacentricError


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    Works for files and folders. On error the temporary path is removed and ``path`` is left
    as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*"):  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent)) / path.name
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp.parent, ignore_errors=True)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def write_json(obj: Any, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=float) + "\n")


def write_text(text: str, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file a user hands in.

    Raises
    ------
    DatacentricError
        When the file is missing, empty, has no data rows, is not UTF-8, cannot be parsed,
        or has duplicated column names.
    """
    path = Path(path)
    suffix = _readable_suffix(path)
    with _read_errors(path):
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
            _refuse_duplicated_names(path, list(pq.read_schema(path).names))
        else:
            _refuse_duplicated_names(path, _csv_header(path))
            frame = pd.read_csv(path, encoding="utf-8")
    if frame.empty:
        raise DatacentricError(f"{path}: has a header but no data rows.")
    return frame


def read_chunks(path: str | Path, *, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Yield a CSV or Parquet file as frames of at most ``chunk_rows`` rows, so a file larger
    than memory can be processed.

    Raises
    ------
    DatacentricError
        As :func:`read_table` does, also for a problem found part-way through the file.
    """
    path = Path(path)
    suffix = _readable_suffix(path)
    rows = 0
    with _read_errors(path):
        if suffix == ".parquet":
            source = pq.ParquetFile(path)
            _refuse_duplicated_names(path, list(source.schema_arrow.names))
            chunks = (batch.to_pandas() for batch in source.iter_batches(batch_size=chunk_rows))
        else:
            _refuse_duplicated_names(path, _csv_header(path))
            chunks = pd.read_csv(path, encoding="utf-8", chunksize=chunk_rows)
        for chunk in chunks:
            rows += len(chunk)
            yield chunk
    if rows == 0:
        raise DatacentricError(f"{path}: has a header but no data rows.")


def _readable_suffix(path: Path) -> str:
    if not path.is_file():
        raise DatacentricError(f"{path}: file not found.")
    if path.stat().st_size == 0:
        raise DatacentricError(f"{path}: file is empty.")
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".txt", ".parquet"}:
        raise DatacentricError(f"{path}: unsupported file type '{suffix}' (use .csv or .parquet).")
    return suffix


@contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """Turn the parsers' exceptions into one sentence naming the file."""
    try:
        yield
    except UnicodeDecodeError:
        raise DatacentricError(f"{path}: not UTF-8 text; re-save it as UTF-8.") from None
    except pd.errors.EmptyDataError:
        raise DatacentricError(f"{path}: file has no columns.") from None
    except (pd.errors.ParserError, pa.ArrowInvalid, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatacentricError(f"{path}: cannot be read ({first_line}).") from None


def _refuse_duplicated_names(path: Path, names: list[str]) -> None:
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DatacentricError(f"{path}: duplicated column names {duplicated}.")


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [name.strip() for name in next(csv.reader(handle), [])]
