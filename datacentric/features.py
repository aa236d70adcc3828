"""Feature engineering as a scikit-learn ColumnTransformer, always fitted on training rows only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)

from datacentric.columns import IS_FLIPPED, LABEL, ROW_ID, TRUE_LABEL, WEIGHT
from datacentric.errors import DatacentricError

NON_FEATURES = (ROW_ID, LABEL, TRUE_LABEL, IS_FLIPPED, WEIGHT)
SUITE_ADVICE = "; add a range expectation to the suite so that validation quarantines those rows"
CODE_PREFIX = "code__"  # the native encoding's categorical code columns
MAX_CATEGORY_CODES = 255  # HistGradientBoosting bins a categorical into at most 255 codes
Encoding = Literal["one_hot", "native"]


def feature_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Split a prepared frame's feature columns into (numeric, categorical) name lists."""
    names = [c for c in frame.columns if c not in NON_FEATURES]
    numeric = [c for c in names if pd.api.types.is_float_dtype(frame[c])]
    categorical = [c for c in names if c not in numeric]
    return numeric, categorical


def require_finite(frame: pd.DataFrame, *, what: str, advice: str = "") -> None:
    """Refuse infinite values in numeric feature columns, which no imputer or model accepts.

    Raises
    ------
    DatacentricError
        Naming ``what``, the first such column and its count.
    """
    numeric, _ = feature_columns(frame)
    counts = np.isinf(frame[numeric]).sum()
    bad = counts[counts > 0]
    if len(bad):
        raise DatacentricError(
            f"{what}: column '{bad.index[0]}' has {int(bad.iloc[0])} infinite values{advice}.")


def _to_object(frame: pd.DataFrame) -> pd.DataFrame:
    # SimpleImputer wants one missing marker; pandas string columns carry NaN or pd.NA.
    return frame.astype(object).where(frame.notna(), np.nan)


def build_featurizer(
    numeric: list[str], categorical: list[str], *, min_category_frequency: int = 10,
    encoding: Encoding = "one_hot",
) -> ColumnTransformer:
    """An unfitted ColumnTransformer with pandas output.

    ``"one_hot"`` (for linear models, networks and distances): numeric columns get median
    imputation with missing-value indicators, then standard scaling; categorical columns get
    constant ``"missing"`` imputation, then one-hot encoding where levels seen fewer than
    ``min_category_frequency`` times in training are grouped into one ``infrequent`` column,
    and levels unseen in training map to it too.

    ``"native"`` (for gradient-boosted trees, which split on categories themselves): numeric
    columns pass through with their missing values; each categorical column becomes one
    column of ordinal codes named ``code__<column>``, rare levels grouped into one code as
    above and at most :data:`MAX_CATEGORY_CODES` codes; missing and unseen levels are NaN.
    """
    if encoding == "native":
        numeric_pipe = "passthrough"
        categorical_pipe = make_pipeline(
            FunctionTransformer(_to_object, feature_names_out="one-to-one"),
            OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                           encoded_missing_value=np.nan, min_frequency=min_category_frequency,
                           max_categories=MAX_CATEGORY_CODES))
        categorical_name = CODE_PREFIX.removesuffix("__")
    else:
        numeric_pipe = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            StandardScaler(),
        )
        categorical_pipe = make_pipeline(
            FunctionTransformer(_to_object, feature_names_out="one-to-one"),
            SimpleImputer(strategy="constant", fill_value="missing", keep_empty_features=True),
            OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                min_frequency=min_category_frequency,
                sparse_output=False,
            ),
        )
        categorical_name = "cat"
    transformer = ColumnTransformer(
        [("num", numeric_pipe, numeric), (categorical_name, categorical_pipe, categorical)],
        verbose_feature_names_out=True,
    )
    return transformer.set_output(transform="pandas")


def categorical_mask(columns: Sequence[str]) -> np.ndarray:
    """Boolean mask, one entry per feature column, of the native encoding's category codes
    (all False for the one-hot encoding)."""
    return np.array([str(c).startswith(CODE_PREFIX) for c in columns], dtype=bool)


def featurize_splits(train: pd.DataFrame, test: pd.DataFrame, *, min_category_frequency: int,
                     encoding: Encoding = "one_hot"
                     ) -> tuple[ColumnTransformer, pd.DataFrame, pd.DataFrame]:
    """Fit the featurizer on ``train`` only; return it and both transformed frames.

    Raises
    ------
    DatacentricError
        When either frame holds infinite values (see :func:`require_finite`).
    """
    require_finite(train, what="training rows", advice=SUITE_ADVICE)
    require_finite(test, what="test rows", advice=SUITE_ADVICE)
    featurizer = build_featurizer(*feature_columns(train), encoding=encoding,
                                  min_category_frequency=min_category_frequency).fit(train)
    return featurizer, featurizer.transform(train), featurizer.transform(test)
