"""Scoring new rows with the fitted featurizer and model, one chunk at a time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer

from datacentric.columns import ROW_ID
from datacentric.dataset import assign_row_ids
from datacentric.errors import DatacentricError
from datacentric.features import require_finite
from datacentric.roles import ColumnRole, TableRoles, apply_roles, type_column


def conform(chunk: pd.DataFrame, roles: TableRoles, *, source: str) -> pd.DataFrame:
    """The recorded columns of ``chunk`` typed by role, as ingest typed the training rows, with
    each row's ``row_id`` (from the key when the chunk has it); other columns are dropped.

    Raises
    ------
    DatacentricError
        Naming ``source`` and the first missing feature column, a number or date column
        holding a value that cannot be read, or an infinite value.
    """
    chunk = chunk.rename(columns=lambda name: str(name).strip())
    require_columns(chunk.columns, roles, source=source)
    out = apply_roles(chunk, roles)
    for name in roles.of("numeric", "boolean", "date", "datetime"):
        if out[name].dtype == object:  # typing left it as text: a value could not be read
            spec = roles.columns[name]
            bad = next(v for v in out[name].dropna() if _unreadable(v, spec))
            raise DatacentricError(f"{source}: column '{name}' is {spec.role} at training but "
                                   f"holds {bad!r}.")
    require_finite(out, roles, what=source)
    return assign_row_ids(out, key=roles.key if roles.key in out else None)


def require_columns(names: Iterable[str], roles: TableRoles, *, source: str) -> None:
    """Raise DatacentricError naming ``source`` and the first feature column of ``roles``
    missing from ``names`` (compared without surrounding spaces)."""
    present = {str(name).strip() for name in names}
    missing = [c for c in roles.features() if c not in present]
    if missing:
        raise DatacentricError(f"{source}: column '{missing[0]}' is missing; the model was "
                               f"trained with it.")


def _unreadable(value: str, spec: ColumnRole) -> bool:
    return type_column(pd.Series([value]), spec).dtype == object


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
