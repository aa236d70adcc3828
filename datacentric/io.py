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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from datacentric import values
from datacentric.errors import DatacentricError
from datacentric.paths import WRITTEN_BY


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


DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 1 << 20


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: its delimiter and text encoding."""

    delimiter: str = ","
    encoding: str = "utf-8"


def sniff_csv(path: str | Path, *, delimiter: str | None = None,
              encoding: str | None = None) -> CsvDialect:
    """The dialect of a CSV file, read from its first megabyte; ``delimiter`` and
    ``encoding`` force either part.

    The encoding is UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark,
    or else Windows-1252, the usual export of spreadsheets on Western systems. The delimiter
    is the one of :data:`DELIMITERS` that splits the header into most fields while every
    sampled line has as many fields.
    """
    with Path(path).open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    encoding = encoding or _sniff_encoding(head)
    if delimiter is not None:
        return CsvDialect(delimiter, encoding)
    text = head.decode(encoding, errors="replace")
    if len(head) == _SNIFF_BYTES:
        text = text[:text.rfind("\n")]  # the last line may be cut
    lines = text.splitlines()[:200]

    def fit(candidate: str) -> tuple[float, int]:
        rows = list(csv.reader(lines, delimiter=candidate))
        if not rows or len(rows[0]) < 2:
            return (0.0, 0)
        agree = sum(len(r) == len(rows[0]) for r in rows if r) / max(1, sum(1 for r in rows if r))
        return (agree, len(rows[0]))

    best = max(DELIMITERS, key=fit)
    return CsvDialect(best if fit(best)[1] > 1 else ",", encoding)


def _sniff_encoding(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the sample's end
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return "latin-1"  # decodes any byte
            return "cp1252"
    return "utf-8-sig"


def read_table(path: str | Path, *, delimiter: str | None = None,
               encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file a user hands in. A CSV's cells come back as text, or
    missing for the words of :data:`datacentric.values.MISSING_WORDS`, in the
    :func:`sniff_csv` dialect (``delimiter`` and ``encoding`` force it), so that the column
    roles decide how to read numbers, booleans and dates.

    Raises
    ------
    DatacentricError
        When the file is missing, empty, has no data rows, cannot be decoded or parsed, has
        duplicated column names, or has lines with fewer fields than its header.
    """
    path = Path(path)
    suffix = readable_suffix(path)
    with _read_errors(path):
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
            refuse_duplicated_names(path, list(pq.read_schema(path).names))
        else:
            dialect = checked_csv_dialect(path, delimiter=delimiter, encoding=encoding)
            frame = pd.read_csv(path, **_csv_options(dialect))
    if frame.empty:
        raise DatacentricError(f"{path}: has a header but no data rows.")
    return frame


def checked_csv_dialect(path: Path, *, delimiter: str | None, encoding: str | None
                        ) -> CsvDialect:
    """The :func:`sniff_csv` dialect of a CSV file whose header names no column twice and
    whose records are no shorter than the header (see :func:`refuse_short_lines`).

    Raises
    ------
    DatacentricError
        As :func:`sniff_csv`, :func:`refuse_duplicated_names` and :func:`refuse_short_lines`.
    """
    dialect = sniff_csv(path, delimiter=delimiter, encoding=encoding)
    header = csv_header(path, dialect)
    refuse_duplicated_names(path, header)
    refuse_short_lines(path, dialect, header)
    return dialect


def _csv_options(dialect: CsvDialect) -> dict:
    return {"sep": dialect.delimiter, "encoding": dialect.encoding, "dtype": str,
            "skipinitialspace": True, "keep_default_na": False,
            "na_values": sorted(values.MISSING_WORDS)}


def read_chunks(path: str | Path, *, chunk_rows: int, delimiter: str | None = None,
                encoding: str | None = None) -> Iterator[pd.DataFrame]:
    """Yield a CSV or Parquet file as frames of at most ``chunk_rows`` rows, so a file larger
    than memory can be processed. CSV cells come back as text, as in :func:`read_table`.

    Raises
    ------
    DatacentricError
        As :func:`read_table` does, also for a problem found part-way through the file.
    """
    path = Path(path)
    suffix = readable_suffix(path)
    rows = 0
    with _read_errors(path):
        if suffix == ".parquet":
            source = pq.ParquetFile(path)
            refuse_duplicated_names(path, list(source.schema_arrow.names))
            chunks = (batch.to_pandas() for batch in source.iter_batches(batch_size=chunk_rows))
        else:
            dialect = checked_csv_dialect(path, delimiter=delimiter, encoding=encoding)
            chunks = pd.read_csv(path, chunksize=chunk_rows, **_csv_options(dialect))
        for chunk in chunks:
            rows += len(chunk)
            yield chunk
    if rows == 0:
        raise DatacentricError(f"{path}: has a header but no data rows.")


def readable_suffix(path: Path) -> str:
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
    except UnicodeDecodeError as exc:
        raise DatacentricError(
            f"{path}: cannot be decoded as {exc.encoding} text; set data.csv.encoding to the "
            f"file's encoding.") from None
    except pd.errors.EmptyDataError:
        raise DatacentricError(f"{path}: file has no columns.") from None
    except (pd.errors.ParserError, pa.ArrowInvalid, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatacentricError(f"{path}: cannot be read ({first_line}).") from None


def refuse_duplicated_names(path: Path, names: list[str]) -> None:
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DatacentricError(f"{path}: duplicated column names {duplicated}.")


def refuse_short_lines(path: Path, dialect: CsvDialect, header: list[str]) -> None:
    """Refuse a CSV file with records of fewer fields than its header, which pandas would
    read with the missing fields empty: most often a field holding a line break without
    quotes, which splits one row into several and shifts its values into other columns.
    pyarrow's parser counts the fields (quoted fields may hold line breaks); one column is
    converted, so the pass costs a fraction of the read.

    Raises
    ------
    DatacentricError
        Naming the file, how many records are short and the start of the first.
    """
    from pyarrow import csv as arrow_csv

    short: list[str] = []

    def note(row) -> str:  # a pyarrow.csv.InvalidRow
        if row.actual_columns < row.expected_columns:
            short.append(row.text)
        return "skip"  # longer rows: pandas names them itself

    names = [f"field{i}" for i in range(len(header))]  # the header's own may need stripping
    arrow_csv.read_csv(
        # one thread: pyarrow's reader threads, still alive when a later error ends the
        # process, abort it at exit ("terminate called without an active exception")
        path, read_options=arrow_csv.ReadOptions(encoding=dialect.encoding, skip_rows=1,
                                                 column_names=names, use_threads=False),
        parse_options=arrow_csv.ParseOptions(delimiter=dialect.delimiter,
                                             newlines_in_values=True, invalid_row_handler=note),
        convert_options=arrow_csv.ConvertOptions(include_columns=names[:1],
                                                 column_types={names[0]: pa.string()}))
    if short:
        first = short[0].strip()
        raise DatacentricError(
            f"{path}: {len(short)} line{'s' if len(short) > 1 else ''} "
            f"{'have' if len(short) > 1 else 'has'} fewer fields than the header's "
            f"{len(header)} (the first begins {first[:60]!r}), as where a value holds a line "
            f"break without quotes around it; quote such values or mend the lines, then "
            f"`dvc add` the file again.")


def csv_header(path: Path, dialect: CsvDialect) -> list[str]:
    with path.open(encoding=dialect.encoding, newline="") as handle:
        return [name.strip() for name in next(csv.reader(handle, delimiter=dialect.delimiter),
                                              [])]


def require_input(path: str | Path) -> Path:
    """``path`` when it exists.

    Raises
    ------
    DatacentricError
        Naming the missing file and the stage that writes it.
    """
    path = Path(path)
    if not path.exists():
        stage = next((WRITTEN_BY[p] for p in (path, *path.parents) if p in WRITTEN_BY), None)
        how = f"; the `{stage}` stage writes it: run `dvc repro {stage}`" if stage else ""
        raise DatacentricError(f"{path}: not found{how}.")
    return path


def read_input(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """A Parquet output of an earlier stage (see :func:`require_input`)."""
    return pd.read_parquet(require_input(path), **kwargs)


def input_columns(path: str | Path) -> list[str]:
    """The column names of a Parquet output of an earlier stage (a file or a folder), read
    from its schema alone (see :func:`require_input`)."""
    import pyarrow.dataset

    return pyarrow.dataset.dataset(require_input(path), format="parquet").schema.names


def read_json_input(path: str | Path) -> Any:
    """A JSON output of an earlier stage (see :func:`require_input`)."""
    return json.loads(require_input(path).read_text(encoding="utf-8"))
