"""The tuned model arm: an Optuna TPE search over HistGradientBoosting's hyperparameters on an
inner validation split of the training rows (the test rows are never seen)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import optuna
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split


def _model(params: dict, categorical_features: Sequence[bool] | None,
           random_state: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(**params, categorical_features=categorical_features,
                                          early_stopping=False, random_state=random_state)


def tune_hgb(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, *,
             categorical_features: Sequence[bool] | None = None, n_trials: int = 20,
             validation_fraction: float = 0.2, random_state: int = 0
             ) -> tuple[HistGradientBoostingClassifier, dict]:
    """Search learning rate, tree size, regularisation and rounds with TPE, minimising the
    weighted log loss on a stratified inner validation split of ``X``; then refit the best
    configuration on all of ``X``. ``categorical_features`` marks the columns of category
    codes. Returns the fitted model and the best parameters."""
    index = np.arange(len(y))
    counts = np.unique(y, return_counts=True)[1]
    fit_idx, val_idx = train_test_split(index, test_size=validation_fraction,
                                        random_state=random_state,
                                        stratify=y if counts.min() >= 2 else None)
    weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
    classes = np.unique(y)

    def objective(trial: optuna.Trial) -> float:
        params = {
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 4, 64, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
            "l2_regularization": trial.suggest_float("l2_regularization", 1e-4, 10, log=True),
            "max_iter": trial.suggest_int("max_iter", 50, 400, log=True),
        }
        model = _model(params, categorical_features, random_state).fit(X[fit_idx], y[fit_idx],
                                                 sample_weight=weights[fit_idx])
        # a class too rare to reach the fitting part gets probability 0, not a missing column
        pred_probs = np.zeros((len(val_idx), len(classes)))
        pred_probs[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(X[val_idx])
        return log_loss(y[val_idx], np.clip(pred_probs, 1e-15, 1), labels=classes,
                        sample_weight=weights[val_idx])

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=random_state))
    study.optimize(objective, n_trials=n_trials)
    best = study.best_params
    return _model(best, categorical_features, random_state).fit(X, y, sample_weight=weights), best
