"""The tuned arms' searches: reproducible for a seed, serial or with parallel workers."""

from __future__ import annotations

import numpy as np
import optuna
from sklearn.datasets import make_classification

from datacentric.params import TorchParams
from datacentric.tuning import _Split, tune_hgb, tune_torch


def _search(workers: int, random_state: int = 0):
    X, y = make_classification(n_samples=400, n_features=6, random_state=0)
    return tune_hgb(X, y, n_trials=4, workers=workers, random_state=random_state)


def test_parallel_trials_give_the_same_search_every_time():
    (first, best), (second, again) = _search(workers=2), _search(workers=2)
    assert best == again
    X, _ = make_classification(n_samples=400, n_features=6, random_state=0)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def _torch_search(workers: int, n_trials: int = 6):
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    base = TorchParams(max_epochs=12, patience=3).model_dump()
    return tune_torch(X.astype(np.float32), y, base=base, n_trials=n_trials, workers=workers,
                      random_state=0)


def test_the_torch_search_prunes_and_is_reproducible_with_parallel_workers(monkeypatch):
    pruned = []
    real_tell = optuna.Study.tell

    def tell(study, trial, values=None, state=None, **kwargs):
        pruned.append(state == optuna.trial.TrialState.PRUNED)
        return real_tell(study, trial, values, state, **kwargs)

    monkeypatch.setattr(optuna.Study, "tell", tell)
    (first, best), (second, again) = _torch_search(workers=2), _torch_search(workers=2)
    assert best == again and set(best) >= {"hidden_size", "learning_rate", "batch_size"}
    X, _ = make_classification(n_samples=300, n_features=6, random_state=0)
    X = X.astype(np.float32)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert first.max_epochs == 12 and first.hidden_size == best["hidden_size"]
    assert any(pruned) and not all(pruned), pruned
    _, serial = _torch_search(workers=1)
    assert set(serial) == set(best)


def test_the_inner_split_keeps_a_group_on_one_side():
    X, y = make_classification(n_samples=400, n_features=6, random_state=0)
    groups = np.arange(400) // 4
    split = _Split.of(X, y, None, 0.2, 0, groups)
    assert not set(groups[split.fit_idx]) & set(groups[split.val_idx])
    assert len(split.val_idx) == 80 and len(split.fit_idx) == 320
    plain = _Split.of(X, y, None, 0.2, 0)
    assert set(groups[plain.fit_idx]) & set(groups[plain.val_idx])
