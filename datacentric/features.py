"""Feature engineering as a scikit-learn ColumnTransformer, always fitted on training rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from datacentric.columns import IS_FLIPPED, LABEL, ROW_ID, TRUE_LABEL, WEIGHT
from datacentric.errors import DatacentricError

NON_FEATURES = (ROW_ID, LABEL, TRUE_LABEL, IS_FLIPPED, WEIGHT)
SUITE_ADVICE = "; add a range expectation to the suite so that validation quarantines those rows"


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
    numeric: list[str], categorical: list[str], *, min_category_frequency: int = 10
) -> ColumnTransformer:
    """An unfitted ColumnTransformer with pandas output.

    Numeric: median imputation with missing-value indicators, then standard scaling.
    Categorical: constant ``"missing"`` imputation, then one-hot encoding where levels seen
    fewer than ``min_category_frequency`` times in training are grouped into one
    ``infrequent`` column, and levels unseen in training map to it too.
    """
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
    transformer = ColumnTransformer(
        [("num", numeric_pipe, numeric), ("cat", categorical_pipe, categorical)],
        verbose_feature_names_out=True,
    )
    return transformer.set_output(transform="pandas")


def featurize_splits(train: pd.DataFrame, test: pd.DataFrame, *, min_category_frequency: int
                     ) -> tuple[ColumnTransformer, pd.DataFrame, pd.DataFrame]:
    """Fit the featurizer on ``train`` only; return it and both transformed frames.

    Raises
    ------
    DatacentricError
        When either frame holds infinite values (see :func:`require_finite`).
    """
    require_finite(train, what="training rows", advice=SUITE_ADVICE)
    require_finite(test, what="test rows", advice=SUITE_ADVICE)
    featurizer = build_featurizer(*feature_columns(train),
                                  min_category_frequency=min_category_frequency).fit(train)
    return featurizer, featurizer.transform(train), featurizer.transform(test)
