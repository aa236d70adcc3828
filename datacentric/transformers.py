"""scikit-learn transformers for the column roles that need more than a stock encoder: dates
become numeric parts, free text a fixed number of components. Both learn on training rows
only, as every step of the featurizer does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from datacentric.values import as_float


def _columns(X) -> list[pd.Series]:
    """The columns of a frame or 2-D array, by position.

    Raises
    ------
    TypeError
        For sparse input.
    ValueError
        For input that is not 2-D, has no rows, or holds complex numbers.
    """
    if issparse(X):
        raise TypeError("sparse input is not supported; pass a DataFrame of dates or text.")
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object)) \
        if np.asarray(X, dtype=object).ndim == 2 else None
    if frame is None:
        raise ValueError("Expected 2D array, got 1D input instead: Reshape your data to one "
                         "column per date or text column.")
    if frame.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={frame.shape}) while a minimum "
                         f"of 1 is required.")
    if frame.shape[1] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={frame.shape}) while a minimum "
                         f"of 1 is required.")
    if any(pd.api.types.is_complex_dtype(c) or c.map(lambda v: isinstance(v, complex)).any()
           for _, c in frame.items()):
        raise ValueError("Complex data not supported.")
    return [frame.iloc[:, i] for i in range(frame.shape[1])]


class _ColumnTransformer(TransformerMixin, BaseEstimator):
    """Shared by the transformers below: they read columns of dates or text with gaps."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing value is a missing date or empty text
        tags.input_tags.string = True
        return tags


class DateParts(_ColumnTransformer):
    """Numeric parts of date columns: ``<column>_days`` (days elapsed since the column's
    earliest training date), ``<column>_month`` (1–12), ``<column>_weekday`` (0 = Monday) and,
    with ``with_time``, ``<column>_hour``. Missing dates give NaN in every part.

    Attributes
    ----------
    origin_days_ : ndarray of shape (n_columns,), the earliest training date of each column in
        days since 1970-01-01 (NaN for a column with no date)
    """

    def __init__(self, *, with_time: bool = False) -> None:
        self.with_time = with_time

    def fit(self, X, y=None) -> DateParts:
        columns = _columns(X)
        validate_data(self, X, skip_check_array=True)
        self.origin_days_ = np.array([self._days(c).min() for c in columns], dtype=float)
        return self

    @staticmethod
    def _days(column: pd.Series) -> pd.Series:
        return as_float(pd.to_datetime(column, errors="coerce"))

    def _parts(self) -> tuple[str, ...]:
        return ("days", "month", "weekday", "hour") if self.with_time else (
            "days", "month", "weekday")

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "origin_days_")
        columns = _columns(X)
        validate_data(self, X, skip_check_array=True, reset=False)
        out = []
        for column, origin in zip(columns, self.origin_days_, strict=True):
            dates = pd.to_datetime(column, errors="coerce")
            parts = {"days": self._days(column) - origin, "month": dates.dt.month,
                     "weekday": dates.dt.weekday, "hour": dates.dt.hour}
            out += [parts[p].to_numpy(dtype=float, na_value=np.nan) for p in self._parts()]
        return np.column_stack(out) if out else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "origin_days_")
        names = _check_feature_names_in(self, input_features)
        return np.asarray([f"{name}_{part}" for name in names for part in self._parts()],
                          dtype=object)


class TextComponents(_ColumnTransformer):
    """A bounded-size encoding of free-text columns: per column, TF-IDF over at most
    ``max_vocabulary`` words seen in training, reduced by truncated SVD to ``n_components``
    columns ``<column>_text<i>`` (fewer when the vocabulary is smaller; none when a column has
    no words).

    Attributes
    ----------
    encoders_ : list of (TfidfVectorizer, TruncatedSVD) or None, one per column
    """

    def __init__(self, n_components: int = 16, *, max_vocabulary: int = 2000,
                 random_state: int = 0) -> None:
        self.n_components = n_components
        self.max_vocabulary = max_vocabulary
        self.random_state = random_state

    @staticmethod
    def _text(column: pd.Series) -> list[str]:
        return column.astype(object).where(column.notna(), "").astype(str).tolist()

    def fit(self, X, y=None) -> TextComponents:
        columns = _columns(X)
        validate_data(self, X, skip_check_array=True)
        self.encoders_ = [self._fit_column(self._text(c)) for c in columns]
        return self

    def _fit_column(self, text: list[str]) -> tuple[TfidfVectorizer, TruncatedSVD] | None:
        vectorizer = TfidfVectorizer(max_features=self.max_vocabulary, sublinear_tf=True)
        try:
            counts = vectorizer.fit_transform(text)
        except ValueError:  # no word in any row: nothing to encode
            return None
        k = min(self.n_components, counts.shape[1] - 1, counts.shape[0] - 1)
        if k < 1:
            return None
        return vectorizer, TruncatedSVD(k, random_state=self.random_state).fit(counts)

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "encoders_")
        columns = _columns(X)
        validate_data(self, X, skip_check_array=True, reset=False)
        blocks = [svd.transform(vectorizer.transform(self._text(column)))
                  for column, fitted in zip(columns, self.encoders_, strict=True)
                  if fitted is not None for vectorizer, svd in [fitted]]
        return np.hstack(blocks) if blocks else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "encoders_")
        names = _check_feature_names_in(self, input_features)
        return np.asarray([f"{name}_text{i}" for name, fitted in
                           zip(names, self.encoders_, strict=True)
                           if fitted is not None for i in range(fitted[1].n_components)],
                          dtype=object)
