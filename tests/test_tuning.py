"""The tuned arm's search: reproducible for a seed, serial or with parallel workers."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_classification

from datacentric.tuning import tune_hgb


def _search(workers: int, random_state: int = 0):
    X, y = make_classification(n_samples=400, n_features=6, random_state=0)
    return tune_hgb(X, y, n_trials=4, workers=workers, random_state=random_state)


def test_parallel_trials_give_the_same_search_every_time():
    (first, best), (second, again) = _search(workers=2), _search(workers=2)
    assert best == again
    X, _ = make_classification(n_samples=400, n_features=6, random_state=0)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
