"""Data issues beyond labels: Datalab's outliers, near-duplicates and class imbalance on
featurized rows and its test of the row order (non-IID), plus leakage (single columns that give
the label away, rows shared between train and test).

Every per-row check follows one schema: ``is_<name>_issue`` (bool) and ``<name>_score``
(0–1, lower is worse). The row order is a property of the whole table, so it is a p-value,
not a row's flag.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from cleanlab import Datalab
from cleanlab.internal.neighbor.knn_graph import construct_knn_graph_from_index, correct_knn_graph
from cleanlab.internal.neighbor.metric import decide_default_metric
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import cross_val_predict
from sklearn.preprocessing import OrdinalEncoder
from sklearn.tree import DecisionTreeClassifier

from datacentric.columns import LABEL
from datacentric.dataset import fold_groups, stratified_folds
from datacentric.neighbours import ApproximateNeighbors, neighbour_index
from datacentric.roles import TableRoles
from datacentric.values import as_float

ROW_ISSUES = ("outlier", "near_duplicate", "class_imbalance")
# Datalab's own default: below it, the rows' order in the file carries a pattern
NON_IID_SIGNIFICANCE = 0.05


DATALAB_NEIGHBOURS = 10  # Datalab's default k for outliers, near-duplicates and non-IID
# A column that leaks needs few intervals or codes to predict the label; the cap keeps each
# tree's cost bounded on large tables (a 1M-row column: 20 s unbounded, 7 s capped).
LEAKAGE_TREE_LEAVES = 256
SCALE_ROWS = 10_000  # training rows whose nearest-neighbour distances set the shared-row scale


def datalab_issues(features: np.ndarray, labels: np.ndarray, pred_probs: np.ndarray, *,
                   exact_rows: int = 20_000, random_state: int = 0
                   ) -> tuple[pd.DataFrame, dict[str, float | None]]:
    """Run cleanlab's Datalab for :data:`ROW_ISSUES` and its non-IID test of the row order.

    Up to ``exact_rows`` rows Datalab builds its exact neighbour graph itself; above, the
    graph comes from an approximate index with the metric Datalab would choose, exact
    duplicates restored by cleanlab's own correction.

    Parameters
    ----------
    features : array of shape (N, D), featurized rows
    labels : array of shape (N,)
    pred_probs : array of shape (N, K), out-of-fold probabilities, sorted class order

    Returns
    -------
    Per-row frame with ``is_<name>_issue`` and ``<name>_score`` for each of
    :data:`ROW_ISSUES` plus ``near_duplicate_of`` (position of the first earlier row in the
    row's near-duplicate set, or -1), and the count of flagged rows per issue type with
    ``non_iid_p_value``: Datalab's permutation-test p-value that neighbours in feature space
    lie no nearer each other in the given row order than by chance (below
    :data:`NON_IID_SIGNIFICANCE`: sorted or drifting rows; None on too few rows). Datalab
    marks one row for a non-IID table; that mark says nothing about the row, so it is left
    out.
    """
    knn_graph = None
    if len(features) > exact_rows:
        metric = "cosine" if decide_default_metric(features) == "cosine" else "euclidean"
        index = ApproximateNeighbors(DATALAB_NEIGHBOURS, metric=metric,
                                     random_state=random_state).fit(features)
        knn_graph = correct_knn_graph(features, construct_knn_graph_from_index(index))
    lab = Datalab(data={LABEL: labels}, label_name=LABEL, verbosity=0)
    # given a graph, Datalab's neighbour checks read only the graph
    lab.find_issues(features=features if knn_graph is None else None, pred_probs=pred_probs,
                    knn_graph=knn_graph,
                    issue_types={**{name: {} for name in ROW_ISSUES},
                                 "non_iid": {"significance_threshold": NON_IID_SIGNIFICANCE}})
    issues = lab.get_issues()
    columns = [c for name in ROW_ISSUES for c in (f"is_{name}_issue", f"{name}_score")
               if c in issues]
    table = issues[columns].reset_index(drop=True)
    sets = lab.get_issues("near_duplicate")["near_duplicate_sets"]
    table["near_duplicate_of"] = [int(min(members)) if len(members) and min(members) < i else -1
                                  for i, members in enumerate(sets)]
    counts: dict[str, float | None] = {name: int(table[f"is_{name}_issue"].sum())
                                for name in ROW_ISSUES if f"is_{name}_issue" in table}
    p_value = lab.info.get("non_iid", {}).get("p-value")  # absent when the test could not run
    counts["non_iid_p_value"] = None if p_value is None else float(p_value)
    counts["non_iid_significance"] = NON_IID_SIGNIFICANCE
    return table, counts


class LevelMajority(ClassifierMixin, BaseEstimator):
    """A lookup table from one categorical column to the label: each category code (column 0
    of ``X``) predicts the label most common among the rows of that code it was fitted on
    (ties to the label most common overall), a code it never saw the label most common
    overall. A country predicts its region this way, however the countries are ordered."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> LevelMajority:
        overall = pd.Series(y).value_counts(sort=True)
        self.classes_ = np.unique(y)
        self.fallback_ = overall.index[0]
        rank = pd.Series(np.arange(len(overall)), index=overall.index)
        counts = (pd.DataFrame({"code": np.asarray(X)[:, 0], "label": y})
                  .value_counts().rename("rows").reset_index())
        counts["rank"] = counts["label"].map(rank)  # not .loc: boolean labels would mask
        chosen = counts.sort_values(["code", "rows", "rank"], ascending=[True, False, True],
                                    kind="stable").drop_duplicates("code")
        self.lookup_ = pd.Series(chosen["label"].to_numpy(), index=chosen["code"].to_numpy())
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        found = pd.Series(np.asarray(X)[:, 0]).map(self.lookup_)
        return found.where(found.notna(), self.fallback_).to_numpy(dtype=self.classes_.dtype)


def single_column_leakage(frame: pd.DataFrame, roles: TableRoles, *, n_splits: int = 3,
                          random_state: int = 0) -> pd.DataFrame:
    """How well each numeric, boolean, date or categorical column alone predicts the label
    (free text and ids, with a value of their own on nearly every row, are left out).

    A decision tree of at most :data:`LEAKAGE_TREE_LEAVES` leaves on the one column (missing
    as its own value), or for a categorical column a :class:`LevelMajority` lookup of its
    codes (a tree on codes in alphabetical order cannot follow a country-to-region mapping),
    scored by cross-validated balanced accuracy (the rows of one ``roles.group`` value in one
    fold). Columns ``column``, ``balanced_accuracy``, sorted worst (most predictive) first; no
    rows for a table whose features are all free text.
    """
    labels = frame[LABEL].to_numpy()
    # fewer folds for rare classes, but two at least: a class of one row (data.min_class_rows
    # 1) is scored by a fold that never saw its class, and every other row as usual
    n_splits = int(min(n_splits, max(2, frame[LABEL].value_counts().min())))
    groups = fold_groups(frame, group=roles.group)
    if groups is not None:
        n_splits = min(n_splits, len(np.unique(groups)))
    folds = None if n_splits < 2 else stratified_folds(n_splits, groups=groups,
                                                       random_state=random_state)
    rows = []
    for name in roles.of("numeric", "boolean", "date", "datetime", "categorical"):
        column = frame[[name]]
        if roles.columns[name].role != "categorical":
            column = column.apply(as_float)
            X = column.fillna(column[name].min() - 1 if column[name].notna().any() else 0)
            model = DecisionTreeClassifier(min_samples_leaf=5, max_leaf_nodes=LEAKAGE_TREE_LEAVES,
                                           random_state=random_state)
        else:
            X = OrdinalEncoder(encoded_missing_value=-1).fit_transform(column.astype(object))
            model = LevelMajority()
        if folds is None:
            score = float("nan")
        else:
            with warnings.catch_warnings():  # "the least populated class has only n members"
                warnings.simplefilter("ignore", UserWarning)
                predicted = cross_val_predict(model, X, labels, groups=groups, cv=folds)
            score = balanced_accuracy_score(labels, predicted)
        rows.append({"column": name, "balanced_accuracy": float(score)})
    return pd.DataFrame(rows, columns=["column", "balanced_accuracy"]).sort_values(
        "balanced_accuracy", ascending=False, ignore_index=True)


def leaking_columns(leakage: pd.DataFrame, *, model_balanced_accuracy: float, n_classes: int,
                    margin: float) -> pd.Series:
    """Which columns of ``leakage`` (:func:`single_column_leakage`) give the label away: alone
    they reach at least ``1 - margin`` of what the whole model reaches above chance on the
    same labels, and at least halfway from chance to perfect.

    Judging against the model, not a fixed threshold, keeps a total leak visible under label
    noise: noisy labels cap the column and the model alike. A boolean Series on ``leakage``.
    """
    chance = 1.0 / max(n_classes, 1)
    above = leakage["balanced_accuracy"] - chance
    return ((above >= (1 - margin) * (model_balanced_accuracy - chance))
            & (above >= 0.5 * (1 - chance)))


def shared_rows(train_features: np.ndarray, test_features: np.ndarray, train_ids: pd.Series,
                test_ids: pd.Series, *, distance_fraction: float = 0.05,
                exact_rows: int = 20_000, random_state: int = 0) -> pd.DataFrame:
    """Test rows that are exact or near copies of a training row.

    A pair is shared when the Euclidean distance between featurized rows is at most
    ``distance_fraction`` times the median nearest-neighbour distance within the training
    rows (over at most :data:`SCALE_ROWS` of them, drawn with ``random_state``; 0 finds exact
    copies only). Columns ``test_row_id``, ``train_row_id``, ``distance``. Above
    ``exact_rows`` training rows the neighbour search is approximate.
    """
    search = neighbour_index(train_features, exact_rows=exact_rows, random_state=random_state)
    scale = 0.0
    if len(train_features) > 1:
        # the median over a sample of rows estimates the median over all of them; each
        # sampled row finds itself first, so its nearest other row is the second
        rows = np.random.default_rng(random_state).choice(
            len(train_features), size=min(len(train_features), SCALE_ROWS), replace=False)
        within, _ = search.kneighbors(train_features[np.sort(rows)], n_neighbors=2)
        scale = float(np.median(within[:, 1]))
    distance, index = search.kneighbors(test_features, n_neighbors=1)
    close = distance[:, 0] <= distance_fraction * scale + 1e-9
    return pd.DataFrame({"test_row_id": np.asarray(test_ids)[close],
                         "train_row_id": np.asarray(train_ids)[index[close, 0]],
                         "distance": distance[close, 0]})

