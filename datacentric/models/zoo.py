"""Model arms by name: every one is a scikit-learn classifier that honours ``sample_weight``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import has_fit_parameter

from datacentric.dataset import held_out_rows
from datacentric.features import Encoding
from datacentric.params import ModelName, TrainParams

MODEL_NAMES = get_args(ModelName)


def encoding_for(model_arm: str) -> Encoding:
    """The feature encoding model arm ``model_arm`` trains on: gradient-boosted trees (``hgb``,
    ``tuned`` and ``xgb``) split on category codes natively, which on wide one-hot tables is
    several times faster (bench/hgb_encoding.py); the rest need one-hot columns."""
    return "native" if model_arm in ("hgb", "tuned", "xgb") else "one_hot"


EARLY_STOPPING_MIN_CLASS_ROWS = 10


def fit_model(model: ClassifierMixin | Pipeline, X, y: np.ndarray,
              sample_weight: np.ndarray | None = None, *, groups: np.ndarray | None = None
              ) -> ClassifierMixin | Pipeline:
    """``model.fit(X, y)`` (with ``sample_weight`` when given), with HistGradientBoosting's
    early stopping (``model`` or a pipeline's last step) turned off when a class has fewer
    than :data:`EARLY_STOPPING_MIN_CLASS_ROWS` rows: it holds out a stratified tenth of the
    rows, which needs every class on both sides.

    ``groups`` (N,), when given, keeps each group on one side of the rows early stopping
    watches (:func:`held_out_rows`), for every model that stops early (a pipeline's steps
    before the model are fitted on all rows); HistGradientBoosting then stops on those rows
    (``X_val``), and stops only where there are two groups or more."""
    estimator = model[-1] if isinstance(model, Pipeline) else model
    fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
    if isinstance(estimator, HistGradientBoostingClassifier) and \
            estimator.early_stopping is not False:
        counts = np.unique(np.asarray(y), return_counts=True)[1]
        if counts.min() < EARLY_STOPPING_MIN_CLASS_ROWS or \
                (groups is not None and len(np.unique(groups)) < 2):
            estimator.set_params(early_stopping=False)
        elif groups is not None:
            return _fit_stopping_on_groups(model, X, np.asarray(y), sample_weight, groups)
    elif groups is not None and has_fit_parameter(estimator, "groups"):
        fit_params[f"{model.steps[-1][0]}__groups" if isinstance(model, Pipeline)
                   else "groups"] = groups
    return model.fit(X, y, **fit_params)


def _fit_stopping_on_groups(model: ClassifierMixin | Pipeline, X, y: np.ndarray,
                            sample_weight: np.ndarray | None, groups: np.ndarray
                            ) -> ClassifierMixin | Pipeline:
    estimator = model[-1] if isinstance(model, Pipeline) else model
    fit_idx, stop_idx = held_out_rows(y, fraction=estimator.validation_fraction,
                                      random_state=estimator.random_state, groups=groups)
    rows = model[:-1].fit_transform(X, y) if isinstance(model, Pipeline) else X

    def take(index: np.ndarray):
        return rows.iloc[index] if isinstance(rows, pd.DataFrame) else rows[index]

    weights = ({} if sample_weight is None else
               {"sample_weight": sample_weight[fit_idx],
                "sample_weight_val": sample_weight[stop_idx]})
    estimator.fit(take(fit_idx), y[fit_idx], X_val=take(stop_idx), y_val=y[stop_idx], **weights)
    return model


def make_model(name: str, params: TrainParams, *, random_state: int,
               categorical_features: Sequence[bool] | None = None) -> ClassifierMixin:
    """An unfitted classifier for model arm ``name`` with hyperparameters from ``params``.

    ``categorical_features`` (one bool per feature column, see
    :func:`datacentric.features.categorical_mask`) tells ``hgb`` which columns hold category
    codes; the other models ignore it.

    Raises
    ------
    ValueError
        For a name outside :data:`MODEL_NAMES`.
    """
    if name == "logreg":
        return LogisticRegression(C=params.logreg.C, max_iter=params.logreg.max_iter,
                                  random_state=random_state)
    if name == "hgb":
        return HistGradientBoostingClassifier(
            learning_rate=params.hgb.learning_rate, max_iter=params.hgb.max_iter,
            max_leaf_nodes=params.hgb.max_leaf_nodes,
            l2_regularization=params.hgb.l2_regularization,
            categorical_features=categorical_features,
            early_stopping=True, random_state=random_state)
    if name in ("mlp", "resnet"):
        # Imported here: torch takes seconds to load, and most cells never use it.
        from datacentric.models.torch_classifier import TorchClassifier

        return TorchClassifier(name, **params.torch.model_dump(), random_state=random_state)
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
