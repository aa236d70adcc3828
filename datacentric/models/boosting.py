"""XGBoost's gradient boosting behind scikit-learn's conventions, for the ``xgb`` model arm."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from datacentric.dataset import held_out_rows
from datacentric.errors import DatacentricError

EARLY_STOPPING_MIN_CLASS_ROWS = 10  # as HistGradientBoosting's in datacentric.models.zoo


def xgboost_module(part: str | None = None):
    """The ``xgboost`` module, or its submodule ``part`` (such as ``"spark"``).

    Raises
    ------
    DatacentricError
        When XGBoost is not installed.
    """
    try:
        return importlib.import_module("xgboost" + (f".{part}" if part else ""))
    except ImportError:
        raise DatacentricError("params.yaml: the xgb model arm needs XGBoost; pip install "
                               "'datacentric[xgb]'.") from None


class XGBoostClassifier(ClassifierMixin, BaseEstimator):
    """Histogram gradient boosting by XGBoost, with the same contract as the ``hgb`` arm's
    HistGradientBoostingClassifier: any class labels (``classes_`` sorted), category codes
    (columns marked by ``categorical_features``, non-negative codes, NaN for missing) split
    natively, ``sample_weight``, and early stopping after ``n_iter_no_change`` rounds on a
    seeded, stratified ``validation_fraction`` of the rows (off when a class has fewer than
    :data:`EARLY_STOPPING_MIN_CLASS_ROWS` rows). Features are float arrays of shape (N, F)."""

    def __init__(self, *, n_estimators: int = 200, learning_rate: float = 0.1,
                 max_depth: int = 6, reg_lambda: float = 1.0, n_iter_no_change: int = 10,
                 validation_fraction: float = 0.1,
                 categorical_features: Sequence[bool] | None = None, n_jobs: int | None = None,
                 random_state: int = 0) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.reg_lambda = reg_lambda
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.categorical_features = categorical_features
        self.n_jobs = n_jobs
        self.random_state = random_state

    def booster_params(self) -> dict:
        """XGBoost's parameters, shared with its Spark estimator; the objective (logistic or
        softmax) and the early-stopping metric (log loss) follow from the number of classes."""
        return {"n_estimators": self.n_estimators, "learning_rate": self.learning_rate,
                "max_depth": self.max_depth, "reg_lambda": self.reg_lambda,
                "tree_method": "hist", "random_state": self.random_state}

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None,
            groups: np.ndarray | None = None) -> XGBoostClassifier:
        """Fit on ``X`` (N, F) and ``y`` (N,); ``groups`` (N,), when given, keeps each group on
        one side of the rows early stopping watches (:func:`held_out_rows`)."""
        xgboost = xgboost_module()
        X = np.asarray(X, dtype=np.float32)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        if len(self.classes_) < 2:
            raise DatacentricError(f"the xgb model arm needs two classes or more; the training "
                                   f"rows hold only {self.classes_.tolist()}.")
        weights = np.ones(len(codes)) if sample_weight is None else np.asarray(sample_weight)
        mask = (np.zeros(X.shape[1], dtype=bool) if self.categorical_features is None
                else np.asarray(self.categorical_features, dtype=bool))
        stop = np.bincount(codes).min() >= EARLY_STOPPING_MIN_CLASS_ROWS
        model = xgboost.XGBClassifier(
            **self.booster_params(), n_jobs=self.n_jobs,
            feature_types=["c" if m else "q" for m in mask], enable_categorical=bool(mask.any()),
            early_stopping_rounds=self.n_iter_no_change if stop else None)
        if stop:
            fit_idx, stop_idx = held_out_rows(codes, fraction=self.validation_fraction,
                                              random_state=self.random_state, groups=groups)
            model.fit(X[fit_idx], codes[fit_idx], sample_weight=weights[fit_idx],
                      eval_set=[(X[stop_idx], codes[stop_idx])],
                      sample_weight_eval_set=[weights[stop_idx]], verbose=False)
        else:
            model.fit(X, codes, sample_weight=weights, verbose=False)
        self.booster_ = model
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (N, len(classes_)), columns in ``classes_`` order."""
        return self.booster_.predict_proba(np.asarray(X, dtype=np.float32))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
