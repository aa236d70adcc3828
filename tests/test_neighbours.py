"""Neighbour search: the approximate index against exact search, and the kNN vote against
scikit-learn's KNeighborsClassifier."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from datacentric.label_audit import sized
from datacentric.neighbours import ApproximateNeighbors, KNeighborsVote, neighbour_index


@pytest.fixture(scope="module")
def clusters() -> np.ndarray:
    """4,000 rows in 40 clusters of 12 dimensions, with three exact copies."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 5, size=(40, 12))
    rows = centres[rng.integers(0, 40, 4000)] + rng.normal(0, 1, size=(4000, 12))
    rows[[10, 20, 30]] = rows[[11, 21, 31]]
    return rows


def test_approximate_search_finds_almost_all_exact_neighbours(clusters):
    queries = clusters[:500] + 0.01
    exact_d, exact_i = neighbour_index(clusters, exact_rows=10**6).kneighbors(queries, 10)
    approx_d, approx_i = neighbour_index(clusters, exact_rows=1000).kneighbors(queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx_i, exact_i, strict=True)])
    assert recall >= 0.9
    assert np.allclose(approx_d[:, 0], exact_d[:, 0], atol=1e-4)  # float32 index
    again = neighbour_index(clusters, exact_rows=1000).kneighbors(queries, 10)
    assert np.array_equal(again[1], approx_i)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_own_neighbours_leave_each_row_out_and_keep_its_copies(clusters, metric):
    distances, indices = ApproximateNeighbors(5, metric=metric).fit(clusters).kneighbors()
    assert indices.shape == (len(clusters), 5)
    assert not (indices == np.arange(len(clusters))[:, None]).any()
    for row, copy in [(10, 11), (21, 20), (30, 31)]:
        assert indices[row, 0] == copy and distances[row, 0] == pytest.approx(0, abs=1e-5)
    exact = NearestNeighbors(n_neighbors=5, metric=metric).fit(clusters).kneighbors()[0]
    assert np.allclose(np.sort(distances[:, 0]), np.sort(exact[:, 0]), atol=1e-3, rtol=1e-3)


def test_vote_matches_scikit_learn_on_exact_search(clusters):
    labels = np.where(clusters[:, 0] > 0, "a", "b")
    queries = np.vstack([clusters[:300], clusters[5:6]])  # includes rows at distance 0
    ours = KNeighborsVote(15).fit(clusters, labels).predict_proba(queries)
    theirs = KNeighborsClassifier(15, weights="distance").fit(clusters, labels
                                                              ).predict_proba(queries)
    assert np.allclose(ours, theirs)


def test_vote_on_the_approximate_index_agrees_with_exact(clusters):
    labels = np.where(clusters[:, 0] + clusters[:, 1] > 0, "a", "b")
    vote = KNeighborsVote(15, exact_rows=1000).fit(clusters[500:], labels[500:])
    exact = KNeighborsVote(15).fit(clusters[500:], labels[500:])
    agree = (vote.predict(clusters[:500]) == exact.predict(clusters[:500])).mean()
    assert agree >= 0.97


def test_forests_draw_bounded_samples_only_on_large_tables():
    small = sized(ExtraTreesClassifier(), n_rows=1000, tree_sample_rows=5000,
                  exact_search_rows=10)
    assert not small.bootstrap and small.max_samples is None
    large = sized(RandomForestClassifier(), n_rows=10000, tree_sample_rows=5000,
                  exact_search_rows=10)
    assert large.bootstrap and large.max_samples == 5000
    assert sized(KNeighborsVote(), n_rows=10, tree_sample_rows=5,
                 exact_search_rows=7).exact_rows == 7
