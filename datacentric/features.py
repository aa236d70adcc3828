"""Feature engineering by column role as a scikit-learn ColumnTransformer, always fitted on
training rows only.

Ids and constants are never features. Numbers and booleans are numeric columns, dates become
numeric parts (:class:`~datacentric.transformers.DateParts`), free text a bounded number of
components (:class:`~datacentric.transformers.TextComponents`), categoricals one-hot columns or
category codes, depending on the encoding the model needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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

from datacentric.errors import DatacentricError
from datacentric.roles import TableRoles
from datacentric.transformers import DateParts, TextComponents

SUITE_ADVICE = "; add a range expectation to the suite so that validation quarantines those rows"
CODE_PREFIX = "code__"  # the native encoding's categorical code columns
MAX_CATEGORY_CODES = 255  # HistGradientBoosting bins a categorical into at most 255 codes
Encoding = Literal["one_hot", "native"]


@dataclass(frozen=True)
class FeatureOptions:
    """``min_category_frequency``: rarer categorical levels are grouped into one;
    ``text_features``: components per free-text column (0 leaves text out)."""

    min_category_frequency: int = 10
    text_features: int = 16


DEFAULT_FEATURES = FeatureOptions()


def require_finite(frame: pd.DataFrame, roles: TableRoles, *, what: str,
                   advice: str = "") -> None:
    """Refuse infinite values in numeric columns, which no imputer or model accepts.

    Raises
    ------
    DatacentricError
        Naming ``what``, the first such column and its count.
    """
    numeric = [c for c in roles.of("numeric") if c in frame and
               pd.api.types.is_float_dtype(frame[c])]
    counts = np.isinf(frame[numeric]).sum()
    bad = counts[counts > 0]
    if len(bad):
        raise DatacentricError(
            f"{what}: column '{bad.index[0]}' has {int(bad.iloc[0])} infinite values{advice}.")


def _to_object(frame: pd.DataFrame) -> pd.DataFrame:
    # SimpleImputer wants one missing marker; pandas string columns carry NaN or pd.NA.
    return frame.astype(object).where(frame.notna(), np.nan)


def _to_float(frame: pd.DataFrame) -> pd.DataFrame:
    # nullable booleans (True/False/NA) become 1.0/0.0/NaN beside the numbers
    return frame.astype("float64")


def _scaled(step, *, encoding: Encoding):
    """``step`` then, for the one-hot encoding, median imputation with missing-value
    indicators and standard scaling; the native encoding keeps the missing values."""
    if encoding == "native":
        return make_pipeline(step)
    return make_pipeline(step, SimpleImputer(strategy="median", add_indicator=True,
                                             keep_empty_features=True), StandardScaler())


def _categorical(min_frequency: int, *, encoding: Encoding):
    to_object = FunctionTransformer(_to_object, feature_names_out="one-to-one")
    if encoding == "native":
        return make_pipeline(to_object, OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=np.nan,
            encoded_missing_value=np.nan, min_frequency=min_frequency,
            max_categories=MAX_CATEGORY_CODES))
    return make_pipeline(
        to_object, SimpleImputer(strategy="constant", fill_value="missing",
                                 keep_empty_features=True),
        OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=min_frequency,
                      sparse_output=False))


def build_featurizer(roles: TableRoles, *, options: FeatureOptions = DEFAULT_FEATURES,
                     encoding: Encoding = "one_hot", random_state: int = 0
                     ) -> ColumnTransformer:
    """An unfitted ColumnTransformer with pandas output over the feature columns of ``roles``.

    ``"one_hot"`` (for linear models, networks and distances): numbers, booleans (0/1), date
    parts and text components get median imputation with missing-value indicators, then
    standard scaling; categorical columns get constant ``"missing"`` imputation, then one-hot
    encoding where levels seen fewer than ``options.min_category_frequency`` times in
    training are grouped into one ``infrequent`` column, and levels unseen in training map to
    it too.

    ``"native"`` (for gradient-boosted trees, which split on categories themselves): the
    numeric columns pass through with their missing values; each categorical column becomes
    one column of ordinal codes named ``code__<column>``, rare levels grouped into one code as
    above and at most :data:`MAX_CATEGORY_CODES` codes; missing and unseen levels are NaN.
    """
    to_float = FunctionTransformer(_to_float, feature_names_out="one-to-one")
    text = roles.of("text") if options.text_features else []
    transformers = [
        ("num", _scaled(to_float, encoding=encoding), roles.of("numeric", "boolean")),
        ("date", _scaled(DateParts(), encoding=encoding), roles.of("date")),
        ("datetime", _scaled(DateParts(with_time=True), encoding=encoding),
         roles.of("datetime")),
        ("text", _scaled(TextComponents(options.text_features, random_state=random_state),
                         encoding=encoding), text),
        (CODE_PREFIX.removesuffix("__") if encoding == "native" else "cat",
         _categorical(options.min_category_frequency, encoding=encoding),
         roles.of("categorical")),
    ]
    transformer = ColumnTransformer([t for t in transformers if t[2]],
                                    verbose_feature_names_out=True)
    return transformer.set_output(transform="pandas")


def categorical_mask(columns: Sequence[str]) -> np.ndarray:
    """Boolean mask, one entry per feature column, of the native encoding's category codes
    (all False for the one-hot encoding)."""
    return np.array([str(c).startswith(CODE_PREFIX) for c in columns], dtype=bool)


def featurize_splits(train: pd.DataFrame, test: pd.DataFrame, roles: TableRoles, *,
                     options: FeatureOptions = DEFAULT_FEATURES,
                     encoding: Encoding = "one_hot", random_state: int = 0
                     ) -> tuple[ColumnTransformer, pd.DataFrame, pd.DataFrame]:
    """Fit the featurizer on ``train`` only; return it and both transformed frames.

    Raises
    ------
    DatacentricError
        When either frame holds infinite values (see :func:`require_finite`), or ``roles``
        leave no feature column.
    """
    require_finite(train, roles, what="training rows", advice=SUITE_ADVICE)
    require_finite(test, roles, what="test rows", advice=SUITE_ADVICE)
    require_features(roles)
    featurizer = build_featurizer(roles, options=options, encoding=encoding,
                                  random_state=random_state).fit(train)
    return featurizer, featurizer.transform(train), featurizer.transform(test)


def require_features(roles: TableRoles) -> None:
    """Refuse a table with no feature column (only ids, constants or dropped columns).

    Raises
    ------
    DatacentricError
        Naming the roles each column got and the params that change them.
    """
    if not roles.features():
        described = ", ".join(f"'{n}' {s.role}" for n, s in roles.columns.items()) or "none"
        raise DatacentricError(
            f"no feature column to learn from (columns: {described}); give columns a feature "
            f"role under data.columns in params.yaml.")
