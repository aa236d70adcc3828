"""Nearest-neighbour search that stays affordable on large tables.

Up to ``exact_rows`` reference rows the search is exact (scikit-learn, brute force); above it,
an inverted-file index (faiss ``IndexIVFFlat``, √rows k-means cells) compares each query with
the rows of its 16 closest cells only, so the cost grows as rows^1.5 instead of rows².
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import NearestNeighbors

N_PROBE = 16  # of the √rows cells, each query searches this many


class ApproximateNeighbors:
    """The part of :class:`sklearn.neighbors.NearestNeighbors` that cleanlab's Datalab uses
    (``fit``, ``kneighbors``), backed by a faiss IVF index.

    ``metric`` is ``"euclidean"`` or ``"cosine"`` (rows scaled to unit length; the distance
    returned is 1 − cosine similarity). The index's k-means takes ``random_state``; the search
    itself is deterministic.
    """

    def __init__(self, n_neighbors: int = 10, *, metric: str = "euclidean",
                 random_state: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.random_state = random_state

    def _prepared(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float32)
        if self.metric == "cosine":
            X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        return X

    def fit(self, X: np.ndarray) -> ApproximateNeighbors:
        import faiss  # loads its own OpenMP runtime; only large tables need it

        reference = self._prepared(X)
        n_cells = max(1, math.isqrt(len(reference)))
        quantizer = faiss.IndexFlatL2(reference.shape[1])
        index = faiss.IndexIVFFlat(quantizer, reference.shape[1], n_cells)
        index.cp.seed = self.random_state
        index.train(reference)
        index.add(reference)
        index.nprobe = min(N_PROBE, n_cells)
        self.index_, self.reference_ = index, reference
        return self

    def kneighbors(self, X: np.ndarray | None = None, n_neighbors: int | None = None,
                   return_distance: bool = True):
        """Distances and indices, shape (n_queries, n_neighbors), nearest first. With ``X``
        None, the fitted rows query the index and each row is left out of its own list."""
        k = n_neighbors or self.n_neighbors
        own = X is None
        queries = self.reference_ if own else self._prepared(X)
        squared, indices = self.index_.search(queries, k + own)
        squared = np.maximum(squared, 0.0).astype(np.float64)
        # unit rows: |a - b|² / 2 = 1 - cos(a, b)
        distances = squared / 2 if self.metric == "cosine" else np.sqrt(squared)
        if own:
            distances, indices = _drop_self(distances, indices, k)
        return (distances, indices) if return_distance else indices


def _drop_self(distances: np.ndarray, indices: np.ndarray, k: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k nearest others: the row itself removed where it was found, else the
    farthest of the k + 1."""
    is_self = indices == np.arange(len(indices))[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    keep = ~is_self
    return distances[keep].reshape(-1, k), indices[keep].reshape(-1, k)


def neighbour_index(reference: np.ndarray, *, exact_rows: int, random_state: int = 0
                    ) -> NearestNeighbors | ApproximateNeighbors:
    """A Euclidean search over ``reference``, fitted: exact up to ``exact_rows`` rows,
    approximate above. Its ``kneighbors(X, n_neighbors)`` returns distances and indices,
    shape (n_queries, n_neighbors); ``X`` None queries the reference rows, each without
    itself."""
    if len(reference) <= exact_rows:
        return NearestNeighbors().fit(reference)
    return ApproximateNeighbors(random_state=random_state).fit(reference)


class KNeighborsVote(ClassifierMixin, BaseEstimator):
    """Distance-weighted k-nearest-neighbour classifier, the probabilities of scikit-learn's
    ``KNeighborsClassifier(weights="distance")``, searched with :func:`neighbour_index`
    (exact up to ``exact_rows`` training rows, approximate above)."""

    def __init__(self, n_neighbors: int = 15, *, exact_rows: int = 20_000,
                 random_state: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.exact_rows = exact_rows
        self.random_state = random_state

    def fit(self, X, y) -> KNeighborsVote:
        self.classes_, self.codes_ = np.unique(np.asarray(y), return_inverse=True)
        self.index_ = neighbour_index(np.asarray(X, dtype=np.float64),
                                      exact_rows=self.exact_rows, random_state=self.random_state)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Shape (n_rows, n_classes): each class's share of the neighbours' 1/distance weights;
        neighbours at distance 0, where there are any, share all the weight."""
        distances, indices = self.index_.kneighbors(np.asarray(X, dtype=np.float64),
                                                    n_neighbors=self.n_neighbors)
        copies = distances == 0
        weights = np.where(copies.any(axis=1, keepdims=True), copies,
                           1 / np.where(copies, 1.0, distances))
        probs = np.zeros((len(distances), len(self.classes_)))
        np.add.at(probs, (np.arange(len(distances))[:, None], self.codes_[indices]), weights)
        return probs / probs.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
