"""Seeds run several at a time: the same results in the same order, on the same threads."""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_info

from datacentric import seeds
from datacentric.params import Params
from datacentric.stages.cell import cell_workers


def _seed_run(seed: int) -> tuple[int, int, list[int], np.ndarray]:
    """The seed, the process it ran in, its thread counts (torch's, then each OpenMP and BLAS
    pool's) and a seeded model's probabilities."""
    import torch

    X, y = make_classification(600, n_features=8, n_informative=5, n_classes=3, random_state=7)
    model = HistGradientBoostingClassifier(max_iter=30, early_stopping=True, n_iter_no_change=3,
                                           random_state=seed).fit(X[:500], y[:500])
    threads = [torch.get_num_threads(), *(pool["num_threads"] for pool in threadpool_info())]
    return seed, os.getpid(), threads, model.predict_proba(X[500:])


def test_later_seeds_run_in_workers_on_the_first_seed_s_threads_to_the_same_models(
        monkeypatch):
    monkeypatch.setattr(seeds, "cpu_count", lambda: 2)
    monkeypatch.setattr(seeds, "WORKER_START_SECONDS", 60.0)
    here = seeds.map_seeds(_seed_run, [3, 1, 2], workers=2)
    monkeypatch.setattr(seeds, "WORKER_START_SECONDS", 0.0)
    apart = seeds.map_seeds(_seed_run, [3, 1, 2], workers=2)

    assert [run[0] for run in here] == [run[0] for run in apart] == [3, 1, 2]
    assert {run[1] for run in here} == {os.getpid()} == {apart[0][1]}
    assert os.getpid() not in {run[1] for run in apart[1:]}
    assert all(set(run[2]) == {1} for run in here + apart)  # torch's and every pool's
    for one, other in zip(here, apart, strict=True):
        np.testing.assert_array_equal(one[3], other[3])
    assert not np.array_equal(here[0][3], here[1][3])


@pytest.mark.parametrize(("requested", "n_seeds", "cores", "expected"),
                         [(None, 5, 2, 2), (None, 3, 16, 3), (4, 5, 2, 4), (1, 5, 16, 1)])
def test_one_worker_per_core_and_never_more_than_seeds(monkeypatch, requested, n_seeds, cores,
                                                        expected):
    monkeypatch.setattr(seeds, "cpu_count", lambda: cores)
    assert seeds.seed_workers(requested, n_seeds) == expected


def test_torch_ranks_train_their_seeds_together(monkeypatch):
    monkeypatch.setattr(seeds, "cpu_count", lambda: 8)
    params = Params()
    assert cell_workers("hgb", params, 5) == 5
    assert cell_workers("mlp", params, 5) == 5  # no GPU here: the CPU's cores
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert cell_workers("mlp", params, 5) == 1
    assert cell_workers("hgb", params, 5) == 5
