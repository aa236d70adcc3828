"""Label-error detection: out-of-fold probabilities from several diverse models, combined
into one calibrated, loss-weighted ensemble that cleanlab reads.

Each (model × repeat) run is temperature-calibrated, runs that fit the given labels better
weigh more, and ``cleanlab.filter.find_label_issues`` flags rows on the ensemble. The share
of runs that flag a row on their own is its ``stability``, so the review sheet can put
consensus flags first. Featurization is fitted inside every fold.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from cleanlab.count import estimate_joint
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores
from scipy.optimize import minimize_scalar
from sklearn.base import ClassifierMixin
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import SVC

from datacentric.columns import LABEL
from datacentric.errors import DatacentricError
from datacentric.features import (
    CODE_PREFIX,
    DEFAULT_FEATURES,
    SUITE_ADVICE,
    FeatureOptions,
    build_featurizer,
    require_features,
    require_finite,
)
from datacentric.models.zoo import encoding_for, fit_model
from datacentric.neighbours import KNeighborsVote
from datacentric.roles import TableRoles

AUDIT_MODELS: dict[str, Callable[[int], ClassifierMixin]] = {
    "hgb": lambda seed: HistGradientBoostingClassifier(random_state=seed),
    "logreg": lambda seed: LogisticRegression(max_iter=2000, random_state=seed),
    "knn": lambda seed: KNeighborsVote(n_neighbors=15, random_state=seed),
    "rf": lambda seed: RandomForestClassifier(n_estimators=200, min_samples_leaf=2, n_jobs=-1,
                                              random_state=seed),
    "et": lambda seed: ExtraTreesClassifier(n_estimators=200, min_samples_leaf=2, n_jobs=-1,
                                            random_state=seed),
    "svc": lambda seed: SVC(probability=True, random_state=seed),
    "mlp": lambda seed: _torch_mlp(seed),
}


def sized(model: ClassifierMixin, *, n_rows: int, tree_sample_rows: int,
          exact_search_rows: int) -> ClassifierMixin:
    """``model`` bounded for ``n_rows`` training rows: above ``tree_sample_rows`` each forest
    tree draws a bootstrap sample of that many rows; kNN searches exactly up to
    ``exact_search_rows`` reference rows and approximately above."""
    if isinstance(model, KNeighborsVote):
        model.set_params(exact_rows=exact_search_rows)
    if isinstance(model, (RandomForestClassifier, ExtraTreesClassifier)) and \
            n_rows > tree_sample_rows:
        model.set_params(bootstrap=True, max_samples=tree_sample_rows)
    return model


def audit_pipeline(model: str, roles: TableRoles, *, n_rows: int, random_state: int,
                   options: FeatureOptions = DEFAULT_FEATURES, tree_sample_rows: int = 100_000,
                   exact_search_rows: int = 20_000) -> Pipeline:
    """Unfitted featurizer + audit model ``model`` (a key of :data:`AUDIT_MODELS`), the model
    :func:`sized` for ``n_rows`` training rows; hgb reads category codes natively, the others
    one-hot columns (:func:`encoding_for`)."""
    encoding = encoding_for(model)
    estimator = sized(AUDIT_MODELS[model](random_state), n_rows=n_rows,
                      tree_sample_rows=tree_sample_rows, exact_search_rows=exact_search_rows)
    if encoding == "native":
        # the featurizer names its code columns; HistGradientBoosting reads them by name
        estimator.set_params(categorical_features=[
            f"{CODE_PREFIX}{c}" for c in roles.of("categorical")] or None)
    return make_pipeline(build_featurizer(roles, options=options, encoding=encoding,
                                          random_state=random_state), estimator)


def repeatable_predict_proba(pipeline, X: pd.DataFrame) -> np.ndarray:
    """``pipeline.predict_proba(X)`` on one thread: forests sum their trees' probabilities in
    thread order, which changes the last bits from run to run."""
    if "n_jobs" in pipeline[-1].get_params():
        pipeline[-1].set_params(n_jobs=1)
    return pipeline.predict_proba(X)


def _torch_mlp(seed: int) -> ClassifierMixin:
    from datacentric.models.torch_classifier import TorchClassifier  # torch loads slowly

    return TorchClassifier("mlp", max_epochs=50, random_state=seed)


def check_classes(labels: pd.Series) -> np.ndarray:
    """Sorted classes; refuses missing labels or a single class. A class with fewer rows than
    folds is audited all the same: the folds that miss it give it probability 0.

    Raises
    ------
    DatacentricError
        Naming the problem.
    """
    counts = labels.value_counts()
    if labels.isna().any():
        raise DatacentricError(f"labels: {int(labels.isna().sum())} missing labels.")
    if len(counts) < 2:
        raise DatacentricError(f"labels: a single class ('{counts.index[0]}'); nothing to audit.")
    return np.array(sorted(counts.index))


def out_of_fold_pred_probs(frame: pd.DataFrame, roles: TableRoles, *, model: str,
                           n_splits: int, random_state: int,
                           options: FeatureOptions = DEFAULT_FEATURES,
                           tree_sample_rows: int = 100_000, exact_search_rows: int = 20_000
                           ) -> np.ndarray:
    """Out-of-fold predicted probabilities, shape (N, K), columns in sorted class order.

    Each fold fits the featurizer and the model ``model`` (a key of :data:`AUDIT_MODELS`,
    :func:`sized` for the fold) on the other folds only.
    """
    classes = check_classes(frame[LABEL])
    require_finite(frame, roles, what="audited rows", advice=SUITE_ADVICE)
    require_features(roles)
    labels = frame[LABEL].to_numpy()
    pred_probs = np.zeros((len(frame), len(classes)))
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():  # "the least populated class has only n members": known
        warnings.simplefilter("ignore", UserWarning)
        splits = list(folds.split(frame, labels))
    for fit_idx, held_idx in splits:
        pipeline = audit_pipeline(
            model, roles, n_rows=len(fit_idx), random_state=random_state, options=options,
            tree_sample_rows=tree_sample_rows, exact_search_rows=exact_search_rows)
        fit_model(pipeline, frame.iloc[fit_idx], labels[fit_idx])
        probs = repeatable_predict_proba(pipeline, frame.iloc[held_idx])
        columns = np.searchsorted(classes, pipeline.classes_)
        pred_probs[np.ix_(held_idx, columns)] = probs
    return pred_probs


def calibrate_temperature(pred_probs: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Temperature-scaled copy of ``pred_probs`` (N, K): the one temperature that minimises the
    log loss against ``codes`` (N,), so over- and under-confident models become comparable."""
    logits = np.log(np.clip(pred_probs, 1e-7, 1.0))
    rows = np.arange(len(codes))

    def scaled(temperature: float) -> np.ndarray:
        z = logits / temperature
        z -= z.max(axis=1, keepdims=True)
        probs = np.exp(z)
        return probs / probs.sum(axis=1, keepdims=True)

    def loss(temperature: float) -> float:
        return -float(np.mean(np.log(np.clip(scaled(temperature)[rows, codes], 1e-12, 1.0))))

    return scaled(minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x)


def weighted_ensemble(runs: list[np.ndarray], codes: np.ndarray, *, sharpness: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Calibrate each run, then average with weights ``exp(-sharpness * (loss - best loss))``.

    Returns the ensemble probabilities (N, K) and the weights (one per run, summing to 1).
    ``sharpness=0`` is the plain mean; larger values favour the runs whose out-of-fold
    probabilities fit the given labels best.
    """
    calibrated = np.array([calibrate_temperature(p, codes) for p in runs])
    losses = -np.log(np.clip(calibrated[:, np.arange(len(codes)), codes], 1e-12, 1.0)).mean(axis=1)
    weights = np.exp(-sharpness * (losses - losses.min()))
    weights /= weights.sum()
    return np.tensordot(weights, calibrated, axes=1), weights


def find_label_errors(labels: np.ndarray, runs: list[np.ndarray], classes: np.ndarray, *,
                      sharpness: float = 10.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Flag label errors from several runs of out-of-fold probabilities.

    Parameters
    ----------
    labels : array of shape (N,), given labels (values of ``classes``)
    runs : list of arrays of shape (N, K), out-of-fold probabilities, one per model × repeat
    classes : array of shape (K,), sorted

    Returns
    -------
    table : DataFrame with ``is_label_issue`` (``cleanlab.filter.find_label_issues`` on the
        :func:`weighted_ensemble`), ``label_score`` (its self-confidence, 0–1, lower is
        worse), ``stability`` (share of runs that flag the row on their own),
        ``suggested_label`` and ``suggested_confidence`` (ensemble argmax).
    ensemble : array of shape (N, K), the weighted ensemble's probabilities.
    """
    codes = np.searchsorted(classes, labels)
    ensemble, _ = weighted_ensemble(runs, codes, sharpness=sharpness)
    flags = np.array([find_label_issues(labels=codes, pred_probs=p, n_jobs=1) for p in runs])
    table = pd.DataFrame({
        "is_label_issue": find_label_issues(labels=codes, pred_probs=ensemble, n_jobs=1),
        "label_score": get_label_quality_scores(labels=codes, pred_probs=ensemble,
                                                method="self_confidence"),
        "stability": flags.mean(axis=0),
        "suggested_label": classes[ensemble.argmax(axis=1)],
        "suggested_confidence": ensemble.max(axis=1),
    })
    return table, ensemble


def review_order(table: pd.DataFrame) -> np.ndarray:
    """Row positions of a :func:`find_label_errors` table in the order a reviewer reads them:
    flagged rows first, those most runs agree on first, then by ascending ``label_score``."""
    return np.lexsort((table["label_score"].to_numpy(), -table["stability"].to_numpy(),
                       ~table["is_label_issue"].to_numpy(dtype=bool)))


def noise_matrix(labels: np.ndarray, pred_probs: np.ndarray, classes: np.ndarray
                 ) -> pd.DataFrame:
    """cleanlab's estimated joint distribution of (given label, true label), shape (K, K),
    as a long frame: ``given_label``, ``true_label``, ``share`` (sums to 1)."""
    codes = np.searchsorted(classes, labels)
    joint = estimate_joint(labels=codes, pred_probs=pred_probs)
    given, true = np.meshgrid(classes, classes, indexing="ij")
    return pd.DataFrame({"given_label": given.ravel(), "true_label": true.ravel(),
                         "share": joint.ravel()})


def disputed_share(matrix: pd.DataFrame) -> float:
    """The share of all rows whose label the models confidently dispute: the
    :func:`noise_matrix` off its diagonal."""
    return float(matrix.loc[matrix["given_label"] != matrix["true_label"], "share"].sum())


def disputed_rates(matrix: pd.DataFrame) -> pd.Series:
    """Per given label, the share of its rows whose label the models confidently dispute (off
    the confident joint's diagonal): wrong labels and the classes' natural overlap together."""
    wrong = matrix[matrix["given_label"] != matrix["true_label"]]
    totals = matrix.groupby("given_label")["share"].sum()
    return (wrong.groupby("given_label")["share"].sum() / totals).rename("disputed_rate")


ANCHOR_QUANTILE = 0.97  # Patrini et al. (2017): the 97th percentile, robust where the max is not
MIN_ANCHOR_ROWS = 50  # per class, so that a small table's estimate is not a handful of rows


@dataclass(frozen=True)
class LabelErrorEstimate:
    """The estimated share of wrong labels with its 95% interval (normal approximation over
    the anchors' binomial counts), and the rate by true class."""

    share: float
    low: float
    high: float
    by_class: pd.Series


def label_error_rates(labels: np.ndarray, pred_probs: np.ndarray, classes: np.ndarray, *,
                      anchor_quantile: float = ANCHOR_QUANTILE,
                      min_anchor_rows: int = MIN_ANCHOR_ROWS) -> LabelErrorEstimate:
    """Estimated share of wrong labels, discounting the classes' natural overlap.

    For each class k, the rows with the highest out-of-fold probability of k (those at or
    above its ``anchor_quantile``, at least ``min_anchor_rows``) stand in for rows that truly
    are k (anchor points); the share of them whose given label is not k estimates how often a
    true k carries another label. Where classes overlap the models are unsure, so overlapping
    rows are rarely anchors and the overlap is mostly not counted; the count needs no
    calibrated probabilities, and out-of-fold probabilities never saw the row's own label.
    The estimate assumes a row's chance of a wrong label depends on its class, not on how hard
    the row is: errors concentrated on ambiguous rows are undercounted.

    Parameters
    ----------
    labels : array of shape (N,), given labels (values of ``classes``)
    pred_probs : array of shape (N, K), out-of-fold probabilities
    classes : array of shape (K,), sorted

    Returns
    -------
    LabelErrorEstimate: ``share`` = sum over classes of (given-label share) × (class rate);
    ``by_class`` indexed by class, the estimated share of the rows truly of that class that
    carry another label.
    """
    codes = np.searchsorted(classes, labels)
    n_anchors = min(len(codes), max(int(np.ceil((1 - anchor_quantile) * len(codes))),
                                    min_anchor_rows))
    wrong = np.empty(len(classes))
    for k in range(len(classes)):
        anchors = np.argsort(-pred_probs[:, k], kind="stable")[:n_anchors]
        wrong[k] = float((codes[anchors] != k).mean())
    prior = np.bincount(codes, minlength=len(classes)) / len(codes)
    share = float(prior @ wrong)
    half = 1.96 * float(np.sqrt(np.sum(prior**2 * wrong * (1 - wrong)) / n_anchors))
    return LabelErrorEstimate(share=share, low=max(share - half, 0.0), high=min(share + half, 1.0),
                              by_class=pd.Series(wrong, index=classes, name="label_error_rate"))
