"""Scoring new rows with the fitted featurizer and model, one chunk at a time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer

from datacentric.columns import ROW_ID
from datacentric.dataset import as_strings, assign_row_ids
from datacentric.errors import DatacentricError
from datacentric.features import require_finite


def fitted_columns(featurizer: ColumnTransformer) -> tuple[list[str], list[str]]:
    """The (numeric, categorical) input columns a fitted featurizer transforms."""
    named = {name: list(columns) for name, _, columns in featurizer.transformers_}
    return named.get("num", []), named.get("cat", [])


def conform(chunk: pd.DataFrame, *, numeric: list[str], categorical: list[str],
            source: str) -> pd.DataFrame:
    """The featurizer's input columns typed as at training (float64 numerics, string
    categoricals), with the training ``row_id`` of each row; other columns are dropped.

    Raises
    ------
    DatacentricError
        Naming ``source`` and the first missing column, or a numeric column holding text.
    """
    chunk = chunk.rename(columns=lambda name: str(name).strip())
    missing = [c for c in numeric + categorical if c not in chunk.columns]
    if missing:
        raise DatacentricError(f"{source}: column '{missing[0]}' is missing; the model was "
                               f"trained with it.")
    out = pd.DataFrame(index=pd.RangeIndex(len(chunk)))
    for name in numeric:
        column = chunk[name].reset_index(drop=True)
        values = pd.to_numeric(column, errors="coerce").astype("float64")
        text = column[values.isna() & column.notna() & (column.astype(str).str.strip() != "")]
        if len(text):
            raise DatacentricError(f"{source}: column '{name}' is numeric at training but holds "
                                   f"{text.iloc[0]!r}.")
        out[name] = values
    for name in categorical:
        out[name] = as_strings(chunk[name].reset_index(drop=True))
    require_finite(out, what=source)
    return assign_row_ids(out)


def score(rows: pd.DataFrame, featurizer: ColumnTransformer, model: Any) -> pd.DataFrame:
    """``row_id``, ``predicted`` and one ``proba_<class>`` column per class, for rows
    conformed by :func:`conform`."""
    X = featurizer.transform(rows).to_numpy(np.float32)
    pred_probs = model.predict_proba(X)
    classes = np.asarray(model.classes_)
    table = pd.DataFrame(pred_probs, columns=[f"proba_{c}" for c in classes])
    table.insert(0, "predicted", classes[pred_probs.argmax(axis=1)])
    table.insert(0, ROW_ID, rows[ROW_ID].to_numpy())
    return table
