"""The tuned model arm: an Optuna TPE search over HistGradientBoosting's hyperparameters on an
inner validation split of the training rows (the test rows are never seen)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import optuna
from joblib import Parallel, delayed
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split


def _model(params: dict, categorical_features: Sequence[bool] | None,
           random_state: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(**params, categorical_features=categorical_features,
                                          early_stopping=False, random_state=random_state)


def tune_hgb(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, *,
             categorical_features: Sequence[bool] | None = None, n_trials: int = 20,
             workers: int = 1, validation_fraction: float = 0.2, random_state: int = 0
             ) -> tuple[HistGradientBoostingClassifier, dict]:
    """Search learning rate, tree size, regularisation and rounds with TPE, minimising the
    weighted log loss on a stratified inner validation split of ``X``; then refit the best
    configuration on all of ``X``. ``categorical_features`` marks the columns of category
    codes. Returns the fitted model and the best parameters.

    ``workers`` trials run at once, in separate processes: the study asks for that many
    (TPE's constant liar keeps them apart), evaluates them in parallel and tells the results
    in trial order, so the search depends on ``random_state`` and ``workers`` alone, never on
    which process finishes first. ``n_trials`` is the same budget whatever ``workers``.
    """
    index = np.arange(len(y))
    counts = np.unique(y, return_counts=True)[1]
    fit_idx, val_idx = train_test_split(index, test_size=validation_fraction,
                                        random_state=random_state,
                                        stratify=y if counts.min() >= 2 else None)
    weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
    split = _Split(X, y, weights, fit_idx, val_idx, categorical_features, random_state)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(
        seed=random_state, constant_liar=workers > 1))
    with Parallel(n_jobs=workers) as parallel:
        while len(study.trials) < n_trials:
            trials = [study.ask() for _ in range(min(workers, n_trials - len(study.trials)))]
            proposals = [_suggest(trial) for trial in trials]
            losses = parallel(delayed(split.loss)(params) for params in proposals) \
                if workers > 1 else [split.loss(params) for params in proposals]
            for trial, loss in zip(trials, losses, strict=True):
                study.tell(trial, loss)
    best = study.best_params
    return _model(best, categorical_features, random_state).fit(X, y, sample_weight=weights), best


def _suggest(trial: optuna.Trial) -> dict:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 4, 64, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-4, 10, log=True),
        "max_iter": trial.suggest_int("max_iter", 50, 400, log=True),
    }


@dataclass(frozen=True)
class _Split:
    """The inner split a trial is scored on; picklable, so trials can run in other processes."""

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray
    fit_idx: np.ndarray
    val_idx: np.ndarray
    categorical_features: Sequence[bool] | None
    random_state: int

    def loss(self, params: dict) -> float:
        """Weighted validation log loss of ``params`` fitted on the fitting part."""
        model = _model(params, self.categorical_features, self.random_state).fit(
            self.X[self.fit_idx], self.y[self.fit_idx], sample_weight=self.weights[self.fit_idx])
        classes = np.unique(self.y)
        # a class too rare to reach the fitting part gets probability 0, not a missing column
        pred_probs = np.zeros((len(self.val_idx), len(classes)))
        pred_probs[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(
            self.X[self.val_idx])
        return log_loss(self.y[self.val_idx], np.clip(pred_probs, 1e-15, 1), labels=classes,
                        sample_weight=self.weights[self.val_idx])
