"""The tuned model arms: an Optuna TPE search over a model family's hyperparameters on an inner
validation split of the training rows (the test rows are never seen). ``tuned`` searches
HistGradientBoosting, ``tuned_mlp`` the torch MLP, the latter pruning unpromising trials."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import optuna
from joblib import Parallel, delayed
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss

from datacentric.dataset import held_out_rows


def _model(params: dict, categorical_features: Sequence[bool] | None,
           random_state: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(**params, categorical_features=categorical_features,
                                          early_stopping=False, random_state=random_state)


def tune_hgb(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, *,
             categorical_features: Sequence[bool] | None = None, n_trials: int = 20,
             workers: int = 1, validation_fraction: float = 0.2, random_state: int = 0,
             groups: np.ndarray | None = None) -> tuple[HistGradientBoostingClassifier, dict]:
    """Search learning rate, tree size, regularisation and rounds with TPE, minimising the
    weighted log loss on a stratified inner validation split of ``X`` (whole ``groups``, (N,),
    on either side where given); then refit the best configuration on all of ``X``.
    ``categorical_features`` marks the columns of category codes. Returns the fitted model and
    the best parameters.

    ``workers`` trials run at once, in separate processes: the study asks for that many
    (TPE's constant liar keeps them apart), evaluates them in parallel and tells the results
    in trial order, so the search depends on ``random_state`` and ``workers`` alone, never on
    which process finishes first. ``n_trials`` is the same budget whatever ``workers``.
    """
    split = _Split.of(X, y, sample_weight, validation_fraction, random_state, groups)
    best = _search(lambda trial, params: split.hgb_outcome(params, categorical_features),
                   _suggest, n_trials=n_trials, workers=workers, random_state=random_state,
                   pruner=optuna.pruners.NopPruner())
    return _model(best, categorical_features, random_state).fit(
        X, y, sample_weight=split.weights), best


def tune_torch(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, *,
               base: dict, architecture: str = "mlp", n_trials: int = 20, workers: int = 1,
               validation_fraction: float = 0.2, random_state: int = 0,
               groups: np.ndarray | None = None):
    """Search a torch network's width, depth, dropout, learning rate, weight decay and batch
    size with TPE, minimising the weighted log loss on a stratified inner validation split of
    ``X`` (whole ``groups`` on either side where given; each trial's network early-stops on
    its own slice of the fitting part, as the ``mlp`` arm does); then refit the best
    configuration on all of ``X``. ``base`` holds the
    :class:`~datacentric.params.TorchParams` the search leaves alone (device, precision,
    epochs, patience). Returns the fitted
    :class:`~datacentric.models.torch_classifier.TorchClassifier` and the best parameters.

    Pruning: after each epoch a trial reports its early-stopping loss, and Optuna's
    ``MedianPruner`` stops it when that loss is worse than the median of the finished trials
    at the same epoch (from the fourth trial on, after five epochs). The pruner reads finished
    trials only, so with ``workers`` trials at once the search is still decided by
    ``random_state`` and ``workers`` alone, as in :func:`tune_hgb`.
    """
    from datacentric.models.torch_classifier import TorchClassifier

    split = _Split.of(X, y, sample_weight, validation_fraction, random_state, groups)
    best = _search(lambda trial, params: split.torch_outcome(trial, architecture, base | params),
                   _suggest_torch, n_trials=n_trials, workers=workers,
                   random_state=random_state,
                   pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=5))
    model = TorchClassifier(architecture, **(base | best), random_state=random_state)
    return model.fit(X, y, sample_weight=split.weights), best


@dataclass(frozen=True)
class _Outcome:
    """A trial's validation loss (None when pruned) and the losses it reported per epoch."""

    loss: float | None
    reports: tuple[float, ...] = ()


def _search(evaluate: Callable[[optuna.Trial, dict], _Outcome],
            suggest: Callable[[optuna.Trial], dict], *, n_trials: int, workers: int,
            random_state: int, pruner: optuna.pruners.BasePruner) -> dict:
    """Ask ``workers`` trials at a time (TPE's constant liar keeps them apart), evaluate them
    in parallel processes and tell the results in trial order; return the best parameters."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", pruner=pruner, sampler=optuna.samplers.
                                TPESampler(seed=random_state, constant_liar=workers > 1))
    with Parallel(n_jobs=workers) as parallel:
        while len(study.trials) < n_trials:
            trials = [study.ask() for _ in range(min(workers, n_trials - len(study.trials)))]
            proposals = [suggest(trial) for trial in trials]
            outcomes = parallel(delayed(evaluate)(trial, params)
                                for trial, params in zip(trials, proposals, strict=True)) \
                if workers > 1 else [evaluate(t, p) for t, p in zip(trials, proposals,
                                                                   strict=True)]
            for trial, outcome in zip(trials, outcomes, strict=True):
                if workers > 1:  # a worker process reported to its own copy of the study
                    for epoch, value in enumerate(outcome.reports):
                        trial.report(value, epoch)
                if outcome.loss is None:
                    study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                else:
                    study.tell(trial, outcome.loss)
    return study.best_params


def _suggest(trial: optuna.Trial) -> dict:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 4, 64, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-4, 10, log=True),
        "max_iter": trial.suggest_int("max_iter", 50, 400, log=True),
    }


def _suggest_torch(trial: optuna.Trial) -> dict:
    return {
        "hidden_size": trial.suggest_int("hidden_size", 32, 512, log=True),
        "n_blocks": trial.suggest_int("n_blocks", 1, 4),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 1e-2, log=True),
        "weight_decay": trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [128, 256, 512]),
    }


@dataclass(frozen=True)
class _Split:
    """The inner split a trial is scored on; picklable, so trials can run in other processes."""

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None  # None: unweighted (scikit-learn's faster path for HGB bins)
    fit_idx: np.ndarray
    val_idx: np.ndarray
    random_state: int

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
           validation_fraction: float, random_state: int, groups: np.ndarray | None = None
           ) -> _Split:
        fit_idx, val_idx = held_out_rows(y, fraction=validation_fraction,
                                         random_state=random_state, groups=groups)
        weights = None if sample_weight is None else np.asarray(sample_weight)
        return cls(X, y, weights, fit_idx, val_idx, random_state)

    def _weights(self, index: np.ndarray) -> np.ndarray | None:
        return None if self.weights is None else self.weights[index]

    def hgb_outcome(self, params: dict, categorical_features: Sequence[bool] | None
                    ) -> _Outcome:
        model = _model(params, categorical_features, self.random_state).fit(
            self.X[self.fit_idx], self.y[self.fit_idx], sample_weight=self._weights(self.fit_idx))
        return _Outcome(self._loss(model))

    def torch_outcome(self, trial: optuna.Trial, architecture: str, params: dict) -> _Outcome:
        from datacentric.models.torch_classifier import TorchClassifier

        reports = []

        def report(epoch: int, val_loss: float) -> None:
            reports.append(val_loss)
            trial.report(val_loss, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()

        model = TorchClassifier(architecture, **params, random_state=self.random_state)
        try:
            model.fit(self.X[self.fit_idx], self.y[self.fit_idx],
                      sample_weight=self._weights(self.fit_idx), epoch_callback=report)
        except optuna.TrialPruned:
            return _Outcome(None, tuple(reports))
        return _Outcome(self._loss(model), tuple(reports))

    def _loss(self, model) -> float:
        """Weighted validation log loss of a model fitted on the fitting part."""
        classes = np.unique(self.y)
        # a class too rare to reach the fitting part gets probability 0, not a missing column
        pred_probs = np.zeros((len(self.val_idx), len(classes)))
        pred_probs[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(
            self.X[self.val_idx])
        return log_loss(self.y[self.val_idx], np.clip(pred_probs, 1e-15, 1), labels=classes,
                        sample_weight=self._weights(self.val_idx))
