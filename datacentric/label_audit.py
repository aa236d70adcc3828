"""Label-error detection: out-of-fold probabilities from several models, stacked into one
calibrated ensemble, ranked, and cut at a count chosen per table.

Each (model × repeat) run is temperature-calibrated and the runs are averaged with the convex
weights that fit the given labels best, so the table decides which models to trust. Each later
pass refits every model without the rows the pass before is surest are wrong, and rows are
ranked by the mean of the passes' ensembles. The share of runs that flag a row on their own is its
``stability``, so the review sheet can put consensus flags first.
Featurization is fitted inside every fold.
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
from scipy.optimize import minimize, minimize_scalar
from sklearn.base import ClassifierMixin
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import SVC

from datacentric.columns import LABEL
from datacentric.dataset import fold_groups, stratified_folds
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


def fitting_rows(labels: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Boolean mask, shape (N,), of the rows a model fits on: those not ``excluded``, except
    that a class whose every row is excluded keeps them all (no model learns a class from no
    rows, and logistic regression refuses a single class)."""
    keep = ~excluded
    vanished = np.setdiff1d(np.unique(labels), np.unique(labels[keep]))
    return keep | np.isin(labels, vanished)


def bounded_rows(labels: np.ndarray, max_rows: int | None, *, random_state: int) -> np.ndarray:
    """Sorted positions of at most about ``max_rows`` of ``labels`` (N,), drawn without
    replacement and stratified: each class keeps its share of ``max_rows`` (rounded down) and
    at least one row, so no class vanishes from a sample (hence up to one row over per class).
    Every position when ``max_rows`` is None or at least N."""
    if max_rows is None or len(labels) <= max_rows:
        return np.arange(len(labels))
    rng = np.random.default_rng(random_state)
    values, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    quota = np.minimum(counts, np.maximum(1, counts * max_rows // len(labels)))
    kept = [rng.choice(np.flatnonzero(codes == k), size=quota[k], replace=False)
            for k in range(len(values))]
    return np.sort(np.concatenate(kept))


@dataclass(frozen=True)
class CrossFit:
    """Out-of-fold probabilities of the audited rows, shape (N, K), and, when other rows were
    given, theirs as the mean of the fold models' probabilities, shape (M, K); columns in
    sorted class order."""

    pred_probs: np.ndarray
    other_pred_probs: np.ndarray | None


def fold_plan(labels: np.ndarray, *, n_splits: int, random_state: int,
              fit_rows: int | None = None, excluded: np.ndarray | None = None,
              groups: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per fold of a stratified K-fold split of ``labels`` (N,), the positions its models fit
    on and the positions they score: the other folds' rows, less those where the boolean mask
    ``excluded`` (N,) is set (:func:`fitting_rows`), bounded to about ``fit_rows``
    (:func:`bounded_rows`); and the fold's own rows. Rows sharing a value of ``groups`` (N,)
    fall in one fold (stratified group K-fold), so no fold model has seen the subject of a
    row it scores."""
    folds = stratified_folds(n_splits, groups=groups, random_state=random_state)
    with warnings.catch_warnings():  # "the least populated class has only n members": known
        warnings.simplefilter("ignore", UserWarning)
        splits = list(folds.split(np.zeros(len(labels)), labels, groups))
    plan = []
    for fold, (fit_idx, held_idx) in enumerate(splits):
        if excluded is not None:
            fit_idx = fit_idx[fitting_rows(labels[fit_idx], excluded[fit_idx])]
        plan.append((fit_idx[bounded_rows(labels[fit_idx], fit_rows,
                                          random_state=random_state + fold)], held_idx))
    return plan


def fold_model(model: str, roles: TableRoles, rows: pd.DataFrame, labels: np.ndarray, *,
               random_state: int, options: FeatureOptions = DEFAULT_FEATURES,
               tree_sample_rows: int = 100_000, exact_search_rows: int = 20_000,
               groups: np.ndarray | None = None) -> Pipeline:
    """The featurizer and audit model ``model`` (:func:`audit_pipeline`) fitted on ``rows``
    and their ``labels``, early stopping on whole ``groups`` (N,) where given."""
    pipeline = audit_pipeline(
        model, roles, n_rows=len(rows), random_state=random_state, options=options,
        tree_sample_rows=tree_sample_rows, exact_search_rows=exact_search_rows)
    fit_model(pipeline, rows, labels, groups=groups)
    return pipeline


def cross_fit(frame: pd.DataFrame, roles: TableRoles, *, model: str, n_splits: int,
              random_state: int, options: FeatureOptions = DEFAULT_FEATURES,
              tree_sample_rows: int = 100_000, exact_search_rows: int = 20_000,
              fit_rows: int | None = None, excluded: np.ndarray | None = None,
              other: pd.DataFrame | None = None) -> CrossFit:
    """Cross-fitted probabilities of ``frame``'s rows (N) and of the ``other`` rows.

    Each fold fits the featurizer and the model ``model`` (a key of :data:`AUDIT_MODELS`,
    :func:`sized` for the fold) on the other folds only, leaving out the rows where the
    boolean mask ``excluded`` (N,) is set and then keeping at most about ``fit_rows`` of them
    (:func:`fold_plan`), so a fold's fit costs the same on any table size; every row of
    ``frame`` is predicted by the one fold model that never saw it, and every ``other`` row by
    all of them (their mean), with no further fit.
    """
    classes = check_classes(frame[LABEL])
    require_finite(frame, roles, what="audited rows", advice=SUITE_ADVICE)
    require_features(roles)
    labels = frame[LABEL].to_numpy()
    pred_probs = np.zeros((len(frame), len(classes)))
    other_pred_probs = None if other is None else np.zeros((len(other), len(classes)))
    groups = fold_groups(frame, group=roles.group)
    plan = fold_plan(labels, n_splits=n_splits, random_state=random_state, fit_rows=fit_rows,
                     excluded=excluded, groups=groups)
    for fit_idx, held_idx in plan:
        pipeline = fold_model(model, roles, frame.iloc[fit_idx], labels[fit_idx],
                              random_state=random_state, options=options,
                              tree_sample_rows=tree_sample_rows,
                              exact_search_rows=exact_search_rows,
                              groups=None if groups is None else groups[fit_idx])
        columns = np.searchsorted(classes, pipeline.classes_)
        pred_probs[np.ix_(held_idx, columns)] = repeatable_predict_proba(
            pipeline, frame.iloc[held_idx])
        if other is not None:
            other_pred_probs[:, columns] += repeatable_predict_proba(pipeline, other) / n_splits
    return CrossFit(pred_probs, other_pred_probs)


def out_of_fold_pred_probs(frame: pd.DataFrame, roles: TableRoles, *, model: str,
                           n_splits: int, random_state: int,
                           options: FeatureOptions = DEFAULT_FEATURES,
                           tree_sample_rows: int = 100_000, exact_search_rows: int = 20_000,
                           fit_rows: int | None = None,
                           excluded: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold predicted probabilities, shape (N, K), columns in sorted class order: the
    ``pred_probs`` of :func:`cross_fit` with the same arguments."""
    return cross_fit(frame, roles, model=model, n_splits=n_splits, random_state=random_state,
                     options=options, tree_sample_rows=tree_sample_rows,
                     exact_search_rows=exact_search_rows, fit_rows=fit_rows,
                     excluded=excluded).pred_probs


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


def stacked_ensemble(runs: list[np.ndarray], codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calibrate each run, then average them with the convex weights that minimise the log
    loss of the average against ``codes`` (the given labels, which the out-of-fold runs never
    saw for their own rows).

    Returns the ensemble probabilities (N, K) and the weights (one per run, summing to 1). The
    ensemble's log loss is at most that of the best calibrated run, which is one of the
    candidates (all weight on it).
    """
    calibrated = np.array([calibrate_temperature(p, codes) for p in runs])
    given = np.clip(calibrated[:, np.arange(len(codes)), codes], 1e-12, 1.0)  # (runs, N)

    def weights_of(z: np.ndarray) -> np.ndarray:
        w = np.exp(z - z.max())
        return w / w.sum()

    def loss(z: np.ndarray) -> float:
        return -float(np.mean(np.log(np.clip(weights_of(z) @ given, 1e-12, 1.0))))

    best = np.zeros(len(runs))
    best[int(np.argmax(np.log(given).mean(axis=1)))] = 10.0  # start at the best single run
    weights = weights_of(minimize(loss, best, method="Powell").x if len(runs) > 1 else best)
    return np.tensordot(weights, calibrated, axes=1), weights


def error_probabilities(codes: np.ndarray, pred_probs: np.ndarray, transition: np.ndarray
                        ) -> np.ndarray:
    """P(the given label is wrong | the row), shape (N,), under class-conditional noise.

    ``transition`` (K, K) holds P(given label j | true class k) in row k (as
    :func:`anchor_label_shares` estimates it); ``pred_probs`` (N, K) the probabilities of the
    given labels. The clean posterior q solves ``q @ transition = pred_probs`` row by row
    (clipped to the simplex), and the given label is right with probability
    ``transition[y, y] * q[y] / (q @ transition)[y]``.
    """
    rows = np.arange(len(codes))
    clean = np.clip(pred_probs @ np.linalg.pinv(transition), 0.0, None)
    clean /= np.clip(clean.sum(axis=1, keepdims=True), 1e-12, None)
    right = transition[codes, codes] * clean[rows, codes] / np.clip(
        (clean @ transition)[rows, codes], 1e-12, None)
    return 1.0 - np.clip(right, 0.0, 1.0)


def flag_count(order: np.ndarray, error_probability: np.ndarray, cleanlab_count: int) -> int:
    """How many rows of ``order`` (positions, most suspect first) to flag.

    Two counts bracket the number of wrong labels: cleanlab's confident joint counts the
    classes' natural overlap as errors too, while the count that maximises the expected F1
    under ``error_probability`` (class-conditional noise, estimated at anchor rows) misses
    errors that fall on hard rows, where anchors never are. Their geometric mean is off from
    either by at most the square root of the ratio between them.
    """
    expected_hits = np.cumsum(error_probability[order])
    flagged = np.arange(1, len(order) + 1)
    best_f1_count = int(np.argmax(2 * expected_hits / (flagged + error_probability.sum()))) + 1
    return int(round(np.sqrt(cleanlab_count * best_f1_count)))


def find_label_errors(labels: np.ndarray, runs: list[np.ndarray], classes: np.ndarray
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    """Flag label errors from several runs of out-of-fold probabilities.

    The runs are combined by :func:`stacked_ensemble`; rows are ranked by the ensemble's
    probability of their given label and the first :func:`flag_count` of them are flagged.

    Parameters
    ----------
    labels : array of shape (N,), given labels (values of ``classes``)
    runs : list of arrays of shape (N, K), out-of-fold probabilities, one per model × repeat
    classes : array of shape (K,), sorted

    Returns
    -------
    table : DataFrame with ``is_label_issue``, ``label_score`` (the ensemble's probability of
        the given label, 0–1, lower is worse), ``stability`` (share of runs that
        ``cleanlab.filter.find_label_issues`` flags the row in on their own),
        ``suggested_label`` and ``suggested_confidence`` (ensemble argmax).
    ensemble : array of shape (N, K), the stacked ensemble's probabilities.
    """
    table, ensemble, _ = _label_pass(np.searchsorted(classes, labels), runs, classes)
    return table, ensemble


def _label_pass(codes: np.ndarray, runs: list[np.ndarray], classes: np.ndarray
                ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """:func:`find_label_errors` on label ``codes``, and the positions of the rows it is surest
    are wrong: the first ``min(flag count, cleanlab's count)`` of the ranking."""
    ensemble, _ = stacked_ensemble(runs, codes)
    label_score, order, count, cleanlab_count = ranked_counts(codes, ensemble)
    flags = np.array([find_label_issues(labels=codes, pred_probs=p, n_jobs=1) for p in runs])
    table = _label_table(classes, ensemble, label_score, flagged=order[:count],
                         stability=flags.mean(axis=0))
    return table, ensemble, order[:min(count, cleanlab_count)]


def ranked_counts(codes: np.ndarray, ensemble: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The ``ensemble``'s (N, K) probability of each given label ``codes`` (N,), the row
    positions by it (lowest first), how many of them to flag (:func:`flag_count`) and
    cleanlab's own count of label issues on the same ensemble."""
    label_score, order = _ranked(codes, ensemble)
    errors = error_probabilities(codes, ensemble, anchor_label_shares(codes, ensemble,
                                                                      ensemble.shape[1]))
    cleanlab_count = int(find_label_issues(labels=codes, pred_probs=ensemble, n_jobs=1).sum())
    return label_score, order, flag_count(order, errors, cleanlab_count), cleanlab_count


def _ranked(codes: np.ndarray, ensemble: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``ensemble``'s probability of each given label (N,) and the row positions by it,
    lowest first."""
    label_score = get_label_quality_scores(labels=codes, pred_probs=ensemble,
                                           method="self_confidence")
    return label_score, np.argsort(label_score, kind="stable")


def _label_table(classes: np.ndarray, ensemble: np.ndarray, label_score: np.ndarray, *,
                 flagged: np.ndarray, stability: np.ndarray) -> pd.DataFrame:
    """The table :func:`find_label_errors` describes, the rows at positions ``flagged``
    flagged."""
    is_label_issue = np.zeros(len(label_score), dtype=bool)
    is_label_issue[flagged] = True
    return pd.DataFrame({
        "is_label_issue": is_label_issue,
        "label_score": label_score,
        "stability": stability,
        "suggested_label": classes[ensemble.argmax(axis=1)],
        "suggested_confidence": ensemble.max(axis=1),
    })


def label_evidence_p_value(codes: np.ndarray, pred_probs: np.ndarray, *,
                           random_state: int = 0) -> float:
    """One-sided permutation p-value that out-of-fold ``pred_probs`` (N, K) give the given
    label ``codes`` (N,) more probability than they give labels unrelated to the rows.

    The statistic is the mean probability of the given label; its null distribution is that
    of the same labels shuffled among the rows, the probabilities fixed
    (:data:`EVIDENCE_PERMUTATIONS` shuffles, on at most :data:`EVIDENCE_ROWS` rows drawn at
    random). A large p-value says the models cannot tell a row's label from a random one, so
    they hold no evidence against any label: a row they disagree with is no likelier to be
    wrong than any other. Returns (shuffles scoring at least as high + 1) / (shuffles + 1).
    """
    rng = np.random.default_rng(random_state)
    if len(codes) > EVIDENCE_ROWS:
        drawn = rng.choice(len(codes), EVIDENCE_ROWS, replace=False)
        codes, pred_probs = codes[drawn], pred_probs[drawn]
    rows = np.arange(len(codes))
    # the same values summed in another order may differ in the last bits
    observed = pred_probs[rows, codes].mean() - 1e-12
    higher = sum(int(pred_probs[rows, rng.permutation(codes)].mean() >= observed)
                 for _ in range(EVIDENCE_PERMUTATIONS))
    return (higher + 1) / (EVIDENCE_PERMUTATIONS + 1)


def audit_label_errors(labels: np.ndarray, classes: np.ndarray,
                       fit_runs: Callable[[np.ndarray | None], list[np.ndarray]], *,
                       passes: int, random_state: int = 0
                       ) -> tuple[pd.DataFrame, np.ndarray, float]:
    """:func:`find_label_errors` over ``passes`` passes: each pass after the first refits the
    models without the rows the pass before is surest are wrong, so that the rows a model
    learns from are cleaner (every row is still scored out of fold). ``fit_runs(excluded)``
    returns the runs, fitting on no row where the boolean mask ``excluded`` (N,) is set (None:
    all rows).

    The rows left out are the flagged rows within cleanlab's own count (the first
    ``min(flag count, cleanlab count)`` of the ranking), not every flagged row: where the
    classes overlap the flag count also takes rows that are hard but right, and models refitted
    without them grow surer, flag more in the next pass and rank worse.

    Returns the table and ensemble of :func:`find_label_errors`, where the ensemble is the
    mean of the passes' ensembles (each pass's models saw other rows, so their mean ranks
    more steadily than the last pass alone), the flag count is the mean of the passes' flag
    counts (rounded), taken along the mean's ranking, and ``stability`` is the share of every
    pass's runs that flag the row; and the first pass's :func:`label_evidence_p_value`
    (``random_state`` seeds its shuffles). At or above :data:`EVIDENCE_SIGNIFICANCE` the
    models hold no evidence against any label: no row is flagged and no later pass runs.
    """
    codes = np.searchsorted(classes, labels)
    excluded, ensembles, stabilities, counts = None, [], [], []
    for _ in range(passes):
        table, ensemble, surest = _label_pass(codes, fit_runs(excluded), classes)
        excluded = np.zeros(len(codes), dtype=bool)
        excluded[surest] = True
        ensembles.append(ensemble)
        stabilities.append(table["stability"].to_numpy())
        counts.append(int(table["is_label_issue"].sum()))
        if len(ensembles) == 1:
            p_value = label_evidence_p_value(codes, ensemble, random_state=random_state)
            if p_value >= EVIDENCE_SIGNIFICANCE:
                counts = [0]
                break
    ensemble = np.mean(ensembles, axis=0)
    label_score, order = _ranked(codes, ensemble)
    return _label_table(classes, ensemble, label_score, flagged=order[:round(np.mean(counts))],
                        stability=np.mean(stabilities, axis=0)), ensemble, p_value


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
# below it, the models give the given labels more probability than shuffled ones: they hold
# evidence a label can be disputed with
EVIDENCE_SIGNIFICANCE = 0.05
EVIDENCE_PERMUTATIONS = 1000
EVIDENCE_ROWS = 100_000  # rows the permutation test draws at most (it stays a few seconds)


def anchor_rows(codes: np.ndarray, n_classes: int, anchor_quantile: float,
                min_anchor_rows: int) -> np.ndarray:
    """Anchor rows of each class, shape (K,): those at or above ``anchor_quantile`` of all
    rows, at least ``min_anchor_rows``, but never more than the rows given that class (at
    least one): more anchors than a class has rows would be mostly rows of other classes."""
    n_rows = len(codes)
    wanted = min(n_rows, max(int(np.ceil((1 - anchor_quantile) * n_rows)), min_anchor_rows))
    return np.clip(np.bincount(codes, minlength=n_classes), 1, wanted)


def anchor_label_shares(codes: np.ndarray, pred_probs: np.ndarray, n_classes: int, *,
                        anchor_quantile: float = ANCHOR_QUANTILE,
                        min_anchor_rows: int = MIN_ANCHOR_ROWS) -> np.ndarray:
    """Shape (K, K): row k holds the shares of the given labels (``codes``) among class k's
    anchor rows, the :func:`anchor_rows` with the highest out-of-fold probability of k. Rows
    the models are surest are k stand in for rows that truly are k, so row k estimates
    P(given label | true class k)."""
    n_anchors = anchor_rows(codes, n_classes, anchor_quantile, min_anchor_rows)
    shares = np.empty((n_classes, n_classes))
    for k, n in enumerate(n_anchors):
        anchors = np.argpartition(-pred_probs[:, k], n - 1)[:n]
        shares[k] = np.bincount(codes[anchors], minlength=n_classes) / n
    return shares


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
    above its ``anchor_quantile``, at least ``min_anchor_rows``, at most the rows given k)
    stand in for rows that truly are k (anchor points); the share of them whose given label
    is not k estimates how often a true k carries another label. Where classes overlap the
    models are unsure, so overlapping rows are rarely anchors and the overlap is mostly not
    counted; the count needs no calibrated probabilities, and out-of-fold probabilities never
    saw the row's own label. The estimate assumes a row's chance of a wrong label depends on
    its class, not on how hard the row is: errors concentrated on ambiguous rows are
    undercounted.

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
    shares = anchor_label_shares(codes, pred_probs, len(classes), anchor_quantile=anchor_quantile,
                                 min_anchor_rows=min_anchor_rows)
    wrong = 1.0 - np.diag(shares)
    n_anchors = anchor_rows(codes, len(classes), anchor_quantile, min_anchor_rows)
    prior = np.bincount(codes, minlength=len(classes)) / len(codes)
    share = float(prior @ wrong)
    half = 1.96 * float(np.sqrt(np.sum(prior**2 * wrong * (1 - wrong) / n_anchors)))
    return LabelErrorEstimate(share=share, low=max(share - half, 0.0), high=min(share + half, 1.0),
                              by_class=pd.Series(wrong, index=classes, name="label_error_rate"))
