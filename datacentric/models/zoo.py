"""Model arms by name: every one is a scikit-learn classifier that honours ``sample_weight``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

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
              sample_weight: np.ndarray | None = None) -> ClassifierMixin | Pipeline:
    """``model.fit(X, y)`` (with ``sample_weight`` when given), with HistGradientBoosting's
    early stopping (``model`` or a pipeline's last step) turned off when a class has fewer
    than :data:`EARLY_STOPPING_MIN_CLASS_ROWS` rows: it holds out a stratified tenth of the
    rows, which needs every class on both sides."""
    estimator = model[-1] if isinstance(model, Pipeline) else model
    if isinstance(estimator, HistGradientBoostingClassifier) and \
            estimator.early_stopping is not False:
        counts = np.unique(np.asarray(y), return_counts=True)[1]
        if counts.min() < EARLY_STOPPING_MIN_CLASS_ROWS:
            estimator.set_params(early_stopping=False)
    if sample_weight is None:
        return model.fit(X, y)
    return model.fit(X, y, sample_weight=sample_weight)


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
