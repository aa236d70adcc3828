"""Ingest logic: normalise a raw table, give rows content-based ids, split, plant label noise.

Every function takes and returns frames or arrays; none reads or writes files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datacentric.columns import LABEL, ROW_ID
from datacentric.errors import DatacentricError


def normalise(frame: pd.DataFrame, *, target: str, source: str = "data") -> pd.DataFrame:
    """Return a copy with clean column names, float64 numerics, string categoricals.

    The target column is renamed to ``label`` (string). Numeric columns become float64 (so
    missing values are NaN); every other column becomes strings with surrounding blanks
    removed and empty strings as missing; infinite values become missing.

    Raises
    ------
    DatacentricError
        When the target column is absent, has missing values, has one class, or a column
        is named ``row_id`` or ``label``.
    """
    frame = frame.rename(columns=lambda name: str(name).strip())
    if target not in frame.columns:
        raise DatacentricError(
            f"{source}: target column '{target}' not found (columns: {', '.join(frame.columns)})."
        )
    reserved = [c for c in (ROW_ID, LABEL) if c in frame.columns and c != target]
    if reserved:
        raise DatacentricError(f"{source}: column name '{reserved[0]}' is reserved; rename it.")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in frame.columns:
        column = frame[name].reset_index(drop=True)
        if name != target and _is_numeric(column):
            out[name] = pd.to_numeric(column, errors="coerce").astype("float64")
        else:
            out[name] = as_strings(column)
    labels = out.pop(target)
    missing = int(labels.isna().sum())
    if missing:
        first = labels.index[labels.isna()][:5].tolist()
        raise DatacentricError(
            f"{source}: target column '{target}' has {missing} missing values "
            f"(first data rows {first}); fill or remove them."
        )
    if labels.nunique() < 2:
        raise DatacentricError(
            f"{source}: target column '{target}' has a single class "
            f"('{labels.iloc[0]}'); a classifier needs at least two."
        )
    out[LABEL] = labels
    return out


def _is_numeric(column: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    present = column.dropna()
    if present.empty:
        return True
    converted = pd.to_numeric(present, errors="coerce")
    return bool(converted.notna().all())


def as_strings(column: pd.Series) -> pd.Series:
    """Object column of stripped strings; blanks and missing values become NaN."""
    text = column.astype("string").str.strip()
    text = text.mask(text == "")
    return text.astype(object).where(text.notna(), np.nan)


def assign_row_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with a ``row_id`` column derived from each row's feature values.

    The id is a 16-hex-digit hash of the values of every column except ``label``, so it is the
    same on every run, after rows are added or reordered, and after a relabel. Rows with
    identical values get ``-1``, ``-2`` … suffixes in order of appearance.
    """
    features = frame.drop(columns=[LABEL], errors="ignore").sort_index(axis=1)
    hashed = pd.util.hash_pandas_object(features, index=False).to_numpy()
    base = pd.Series([f"{h:016x}" for h in hashed], index=frame.index)
    occurrence = base.groupby(base).cumcount()
    ids = base.where(occurrence == 0, base + "-" + occurrence.astype(str))
    out = frame.copy()
    out.insert(0, ROW_ID, ids.to_numpy())
    return out


def split_train_test(
    frame: pd.DataFrame, *, test_size: float, random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified split keyed by ``row_id``: within each class, the rows whose seeded hash of
    ``row_id`` is smallest go to test.

    A row's side depends on its id and the seed, not on file order, so adding rows moves few
    existing rows across. Each class keeps at least one row on each side when it has two.
    """
    keys = pd.util.hash_pandas_object(frame[ROW_ID] + f"/{random_state}", index=False)
    rank = keys.groupby(frame[LABEL]).rank(method="first") - 1
    sizes = frame[LABEL].map(frame[LABEL].value_counts())
    n_test = np.clip(np.round(sizes * test_size), 1, np.maximum(sizes - 1, 1))
    is_test = (rank < n_test) & (sizes > 1)
    return frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)


def flip_labels(
    labels: pd.Series, *, rate: float, model: str, random_state: int
) -> pd.Series:
    """Return labels with a share ``rate`` of them flipped, for scoring label-error detection.

    ``symmetric``: each row flips with probability ``rate`` to a uniformly drawn other class.
    ``class_conditional``: class k (in sorted order, of K) flips with probability
    ``2 * rate * (k + 1) / (K + 1)`` (mean ``rate``, capped at 0.95) to the next class.
    """
    if rate == 0:
        return labels.copy()
    rng = np.random.default_rng(random_state)
    classes = np.array(sorted(labels.unique()))
    codes = np.searchsorted(classes, labels.to_numpy())
    n_classes = len(classes)
    if model == "symmetric":
        flip = rng.random(len(codes)) < rate
        shift = rng.integers(1, n_classes, size=len(codes))
    elif model == "class_conditional":
        per_class = np.minimum(2 * rate * (np.arange(n_classes) + 1) / (n_classes + 1), 0.95)
        flip = rng.random(len(codes)) < per_class[codes]
        shift = np.ones(len(codes), dtype=int)
    else:
        raise ValueError(f"unknown noise model {model!r}")
    noisy = np.where(flip, (codes + shift) % n_classes, codes)
    return pd.Series(classes[noisy], index=labels.index, name=labels.name)
