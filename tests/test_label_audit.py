"""The audit on small frames with planted problems, with real cleanlab and scikit-learn."""

from __future__ import annotations

import json
from contextlib import chdir

import numpy as np
import pandas as pd
import pytest
import yaml
from cleanlab.filter import find_label_issues
from conftest import roles_of
from sklearn.metrics import balanced_accuracy_score

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID
from datacentric.data_checks import (
    NON_IID_SIGNIFICANCE,
    datalab_issues,
    leaking_columns,
    shared_rows,
    single_column_leakage,
)
from datacentric.dataset import assign_row_ids
from datacentric.errors import DatacentricError
from datacentric.label_audit import (
    EVIDENCE_SIGNIFICANCE,
    audit_label_errors,
    bounded_rows,
    check_classes,
    cross_fit,
    disputed_rates,
    error_probabilities,
    find_label_errors,
    fitting_rows,
    flag_count,
    label_error_rates,
    label_evidence_p_value,
    noise_matrix,
    out_of_fold_pred_probs,
    stacked_ensemble,
)
from datacentric.review import neutralise_formulas, review_sheet
from datacentric.stages import audit, ingest, suite, validate

FLIPPED = [3, 50, 111, 170]


@pytest.fixture(scope="module")
def blobs():
    """Two well-separated classes; four rows deep inside their blob get the other label."""
    rng = np.random.default_rng(0)
    n = 240
    y = np.repeat(["no", "yes"], n // 2)
    centre = np.where(y == "yes", 3.0, -3.0)
    frame = pd.DataFrame({"x1": centre + rng.normal(0, 1, n), "x2": centre + rng.normal(0, 1, n),
                          "colour": rng.choice(["red", "blue"], n), LABEL: y})
    spread = np.array([-0.4, -0.1, 0.2, 0.5])  # distinct points deep inside their true blob
    frame.loc[FLIPPED, "x1"] = centre[FLIPPED] + spread
    frame.loc[FLIPPED, "x2"] = centre[FLIPPED] - spread
    frame.loc[FLIPPED, LABEL] = np.where(frame.loc[FLIPPED, LABEL] == "yes", "no", "yes")
    return assign_row_ids(frame)


@pytest.fixture(scope="module")
def runs(blobs):
    return [out_of_fold_pred_probs(blobs, roles_of(blobs), model=m, n_splits=5, random_state=0)
            for m in ("hgb", "logreg", "et")]


def test_obvious_flips_are_found_first(blobs, runs):
    classes = np.array(["no", "yes"])
    table, ensemble = find_label_errors(blobs[LABEL].to_numpy(), runs, classes)
    assert ensemble.shape == (len(blobs), 2) and np.allclose(ensemble.sum(axis=1), 1)
    flagged = set(np.flatnonzero(table["is_label_issue"]))
    assert set(FLIPPED) <= flagged and len(flagged) <= len(FLIPPED) + 3
    worst = table["label_score"].nsmallest(len(FLIPPED)).index
    assert set(worst) == set(FLIPPED)
    assert (table.loc[FLIPPED, "suggested_label"] != blobs.loc[FLIPPED, LABEL]).all()
    assert table["label_score"].between(0, 1).all() and table["stability"].between(0, 1).all()


def test_the_stacked_ensemble_trusts_the_runs_that_fit_the_labels():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, 500)
    informative = np.full((500, 3), 0.05)
    informative[np.arange(500), codes] = 0.9
    noise = rng.dirichlet(np.ones(3), 500)
    ensemble, weights = stacked_ensemble([noise, informative], codes)
    assert weights[1] > 0.99 and np.isclose(weights.sum(), 1)
    assert np.allclose(ensemble.sum(axis=1), 1)


def test_the_stacked_ensemble_is_no_worse_than_its_best_run():
    """Two runs that are each right on a different half: the mix fits better than either."""
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 2, 1000)
    halves = [np.arange(1000) < 500, np.arange(1000) >= 500]
    runs = []
    for sure in halves:
        p_given = np.where(sure, 0.9, rng.uniform(0.3, 0.7, 1000))
        run = np.empty((1000, 2))
        run[np.arange(1000), codes] = p_given
        run[np.arange(1000), 1 - codes] = 1 - p_given
        runs.append(run)

    def log_loss(probs: np.ndarray) -> float:
        return -float(np.mean(np.log(probs[np.arange(1000), codes])))

    ensemble, weights = stacked_ensemble(runs, codes)
    assert 0.2 < weights[0] < 0.8
    assert log_loss(ensemble) < min(log_loss(r) for r in runs)


def test_error_probabilities_under_known_noise():
    """A row surely of class 0 under 20% symmetric noise: labelled 0 it is right, labelled 1
    it is wrong; a row the model cannot place keeps its label with the noise-free odds."""
    transition = np.array([[0.8, 0.2], [0.2, 0.8]])
    pred_probs = np.array([[0.8, 0.2], [0.8, 0.2], [0.5, 0.5]])
    errors = error_probabilities(np.array([0, 1, 0]), pred_probs, transition)
    np.testing.assert_allclose(errors, [0.0, 1.0, 0.2], atol=1e-9)
    assert error_probabilities(np.array([1]), np.array([[0.3, 0.7]]), np.eye(2))[0] == 0.0


def test_flag_count_is_the_geometric_mean_of_its_two_counts():
    # expected F1 peaks at the 4 rows that are surely wrong
    errors = np.array([1.0, 1.0, 1.0, 1.0] + [0.0] * 96)
    order = np.arange(100)
    assert flag_count(order, errors, cleanlab_count=16) == 8
    assert flag_count(order, errors, cleanlab_count=4) == 4
    assert flag_count(order, errors, cleanlab_count=0) == 0


def test_later_passes_refit_without_the_rows_flagged(blobs, runs):
    classes = np.array(["no", "yes"])
    seen = []

    def fit_runs(excluded):
        seen.append(excluded)
        return runs

    table, _, _ = audit_label_errors(blobs[LABEL].to_numpy(), classes, fit_runs, passes=3)
    assert seen[0] is None and len(seen) == 3
    assert set(np.flatnonzero(seen[1])) >= set(FLIPPED)
    np.testing.assert_array_equal(seen[2], table["is_label_issue"].to_numpy())


def test_rows_are_ranked_by_the_mean_of_the_passes(blobs, runs):
    classes = np.array(["no", "yes"])
    labels = blobs[LABEL].to_numpy()
    per_pass = iter([[run] for run in runs])  # another model in each pass
    table, ensemble, _ = audit_label_errors(labels, classes, lambda excluded: next(per_pass),
                                            passes=3)
    passes = [find_label_errors(labels, [run], classes) for run in runs]
    np.testing.assert_allclose(ensemble, np.mean([e for _, e in passes], axis=0))
    np.testing.assert_allclose(table["label_score"],
                               np.mean([t["label_score"] for t, _ in passes], axis=0))
    np.testing.assert_allclose(table["stability"],
                               np.mean([t["stability"] for t, _ in passes], axis=0))
    count = round(np.mean([t["is_label_issue"].sum() for t, _ in passes]))  # the mean count ...
    assert table["is_label_issue"].sum() == count
    lowest = np.argsort(table["label_score"].to_numpy(), kind="stable")[:count]
    assert table["is_label_issue"].to_numpy()[lowest].all()  # ... along the mean's ranking
    assert set(np.flatnonzero(table["is_label_issue"])) <= set(FLIPPED)


def test_labels_the_rows_do_not_predict_are_not_disputed(blobs, runs):
    """Labels drawn at random, unrelated to the rows: cleanlab alone would flag about half of
    them; the models hold no evidence against any label, so none is flagged and no pass
    refits. The blobs' labels, which the rows do predict, carry evidence."""
    rng = np.random.default_rng(1)
    frame = assign_row_ids(pd.DataFrame({"x1": rng.normal(size=600), "x2": rng.normal(size=600),
                                         LABEL: rng.choice(["a", "b", "c"], 600, p=[.6, .3, .1])}))
    labels, classes = frame[LABEL].to_numpy(), np.array(["a", "b", "c"])
    chance = [out_of_fold_pred_probs(frame, roles_of(frame), model=m, n_splits=5, random_state=0)
              for m in ("hgb", "logreg")]
    seen = []

    def fit_runs(excluded):
        seen.append(excluded)
        return chance

    table, _, evidence = audit_label_errors(labels, classes, fit_runs, passes=3)
    assert evidence >= EVIDENCE_SIGNIFICANCE and len(seen) == 1
    assert not table["is_label_issue"].any()
    assert find_label_errors(labels, chance, classes)[0]["is_label_issue"].mean() > 0.3
    codes = np.searchsorted(classes, labels)
    assert label_evidence_p_value(codes, np.mean(chance, axis=0)) == \
        label_evidence_p_value(codes, np.mean(chance, axis=0))  # seeded
    blob_classes = np.array(["no", "yes"])
    blob_codes = np.searchsorted(blob_classes, blobs[LABEL].to_numpy())
    assert label_evidence_p_value(blob_codes, np.mean(runs, axis=0)) < 0.01


def test_later_passes_leave_out_only_the_rows_cleanlab_also_counts():
    """Two classes that overlap almost wholly (means 0.4 standard deviations apart, still
    evidence enough): the flag count exceeds cleanlab's, and the refit leaves out only
    cleanlab's count of the lowest-ranked rows."""
    rng = np.random.default_rng(0)
    labels = np.repeat(["no", "yes"], 200)
    frame = assign_row_ids(pd.DataFrame({
        "x1": np.where(labels == "yes", 0.2, -0.2) + rng.normal(0, 1, 400), LABEL: labels}))
    runs = [out_of_fold_pred_probs(frame, roles_of(frame), model="logreg", n_splits=5,
                                   random_state=0)]
    classes = np.array(["no", "yes"])
    seen = []

    def fit_runs(excluded):
        seen.append(excluded)
        return runs

    *_, evidence = audit_label_errors(labels, classes, fit_runs, passes=2)
    assert evidence < EVIDENCE_SIGNIFICANCE
    table, ensemble = find_label_errors(labels, runs, classes)
    cleanlab_count = find_label_issues(labels=np.searchsorted(classes, labels),
                                       pred_probs=ensemble).sum()
    assert cleanlab_count < table["is_label_issue"].sum()
    assert seen[1].sum() == cleanlab_count
    lowest = np.argsort(table["label_score"].to_numpy(), kind="stable")[:cleanlab_count]
    assert seen[1][lowest].all()


def test_excluded_rows_are_predicted_but_never_fitted(blobs):
    roles = roles_of(blobs)
    yes = (blobs[LABEL] == "yes").to_numpy()
    excluded = yes & (np.cumsum(yes) > 10)  # all but ten "yes" rows
    full = out_of_fold_pred_probs(blobs, roles, model="logreg", n_splits=5, random_state=0)
    thinned = out_of_fold_pred_probs(blobs, roles, model="logreg", n_splits=5, random_state=0,
                                     excluded=excluded)
    assert thinned.shape == full.shape and np.isfinite(thinned).all()
    assert thinned[:, 1].mean() < full[:, 1].mean() - 0.05


def test_bounded_rows_keep_every_class_in_proportion():
    labels = np.array(["a"] * 900 + ["b"] * 99 + ["c"])
    kept = bounded_rows(labels, 100, random_state=0)
    assert np.all(np.diff(kept) > 0) and len(kept) <= 100 + 3
    assert pd.Series(labels[kept]).value_counts().to_dict() == {"a": 90, "b": 9, "c": 1}
    assert not np.array_equal(kept, bounded_rows(labels, 100, random_state=1))
    np.testing.assert_array_equal(bounded_rows(labels, None, random_state=0), np.arange(1000))
    np.testing.assert_array_equal(bounded_rows(labels, 1000, random_state=0), np.arange(1000))


def test_bounded_fits_still_score_every_row_out_of_fold(blobs):
    """Fold models fitted on a 40-row sample: every row still gets probabilities from the one
    model that never saw it, the other rows the fold models' mean; no bound, no change."""
    roles = roles_of(blobs)
    other = blobs.sample(30, random_state=0)
    args = {"model": "logreg", "n_splits": 5, "random_state": 0, "other": other}
    full = cross_fit(blobs, roles, **args)
    bounded = cross_fit(blobs, roles, fit_rows=40, **args)
    for run in (full, bounded):
        np.testing.assert_allclose(run.pred_probs.sum(axis=1), 1, atol=1e-6)
        np.testing.assert_allclose(run.other_pred_probs.sum(axis=1), 1, atol=1e-6)
        given = (blobs.loc[FLIPPED, LABEL] == "yes").astype(int).to_numpy()
        assert (run.pred_probs[FLIPPED, given] < 0.5).all()
    assert not np.allclose(bounded.pred_probs, full.pred_probs)
    np.testing.assert_array_equal(
        cross_fit(blobs, roles, fit_rows=len(blobs), **args).pred_probs, full.pred_probs)
    np.testing.assert_array_equal(out_of_fold_pred_probs(blobs, roles, model="logreg",
                                                         n_splits=5, random_state=0),
                                  full.pred_probs)


@pytest.mark.parametrize("model", ["logreg", "hgb"])
def test_a_class_flagged_whole_is_still_fitted(blobs, model):
    """Every row of a class excluded: its rows stay in the fits, so the models still know
    both classes (logistic regression would refuse one class)."""
    yes = (blobs[LABEL] == "yes").to_numpy()
    np.testing.assert_array_equal(fitting_rows(blobs[LABEL].to_numpy(), yes), np.ones(len(yes)))
    probs = out_of_fold_pred_probs(blobs, roles_of(blobs), model=model, n_splits=5,
                                   random_state=0, excluded=yes | (np.arange(len(yes)) < 5))
    assert np.isfinite(probs).all() and probs[yes, 1].mean() > 0.5


def test_probabilities_are_out_of_fold(blobs, runs):
    for pred_probs in runs:
        assert pred_probs.shape == (len(blobs), 2)
        np.testing.assert_allclose(pred_probs.sum(axis=1), 1, atol=1e-6)
        # an in-sample tree ensemble would be confident on the flipped rows' given labels
        given = (blobs.loc[FLIPPED, LABEL] == "yes").astype(int).to_numpy()
        assert (pred_probs[FLIPPED, given] < 0.5).all()


def test_noise_matrix_and_rates(blobs, runs):
    matrix = noise_matrix(blobs[LABEL].to_numpy(), np.mean(runs, axis=0), np.array(["no", "yes"]))
    assert matrix["share"].sum() == pytest.approx(1)
    rates = disputed_rates(matrix)
    assert rates.between(0, 0.1).all()


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.2])
def test_the_label_error_estimate_discounts_overlap(rate):
    """Two unit-variance classes at -1 and +1 overlap (Bayes error 16%); with the noisy
    labels' true posterior as the model, the estimate finds the planted share (its interval
    holds it), not the overlap, while the disputed share counts both."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 40_000)
    x = rng.normal(2.0 * truth - 1.0, 1.0)
    clean = 1 / (1 + np.exp(-2 * x))  # P(true class 1 | x)
    noisy = (1 - rate) * clean + rate * (1 - clean)  # P(given label 1 | x)
    given = np.where(rng.random(len(x)) < rate, 1 - truth, truth)
    classes = np.array(["a", "b"])
    pred_probs = np.column_stack([1 - noisy, noisy])
    estimate = label_error_rates(classes[given], pred_probs, classes)
    assert estimate.share == pytest.approx(rate, abs=0.02)
    assert estimate.low < rate + 0.01 and estimate.high > rate - 0.01 and estimate.low >= 0
    assert estimate.by_class.index.tolist() == ["a", "b"]
    disputed = noise_matrix(classes[given], pred_probs, classes)
    assert disputed.query("given_label != true_label")["share"].sum() > rate + 0.05


@pytest.mark.parametrize("exact_rows", [10_000, 100], ids=["exact", "approximate"])
def test_duplicates_and_outliers_are_found(blobs, runs, exact_rows):
    features = blobs[["x1", "x2"]].to_numpy().copy()
    features[7] = features[8]  # a duplicated row
    features[20] = [80.0, -90.0]  # an extreme outlier
    table, counts = datalab_issues(features, blobs[LABEL].to_numpy(), np.mean(runs, axis=0),
                                   exact_rows=exact_rows)
    assert table.loc[[7, 8], "is_near_duplicate_issue"].all()
    assert table.loc[8, "near_duplicate_of"] == 7 and table.loc[7, "near_duplicate_of"] == -1
    assert table.loc[20, "is_outlier_issue"]
    assert table["outlier_score"].idxmin() == 20
    assert counts["near_duplicate"] >= 2 and counts["outlier"] >= 1
    for name in ("outlier", "near_duplicate"):
        assert table[f"{name}_score"].between(0, 1).all()


def test_the_row_order_is_judged_for_the_table_not_pinned_on_a_row(blobs, runs):
    """The blobs are in class order: Datalab finds the pattern, and once shuffled, none."""
    features = blobs[["x1", "x2"]].to_numpy()
    labels, pred_probs = blobs[LABEL].to_numpy(), np.mean(runs, axis=0)
    table, counts = datalab_issues(features, labels, pred_probs)
    assert counts["non_iid_p_value"] < counts["non_iid_significance"] == NON_IID_SIGNIFICANCE
    assert not [c for c in table.columns if "non_iid" in c]
    shuffled = np.random.default_rng(0).permutation(len(labels))
    _, counts = datalab_issues(features[shuffled], labels[shuffled], pred_probs[shuffled])
    assert counts["non_iid_p_value"] >= NON_IID_SIGNIFICANCE


def test_leaking_column_is_flagged(blobs):
    frame = blobs.assign(leak=np.where(blobs[LABEL] == "yes", "Yes", "Nope"))
    scores = single_column_leakage(frame, roles_of(frame)).set_index("column")[
        "balanced_accuracy"]
    assert scores["leak"] == 1.0
    assert scores["colour"] < 0.7


def test_a_category_that_fixes_the_label_is_a_leak_in_any_order_of_its_levels():
    """160 countries observed for nine years each, each in one of ten regions: the country
    names the region. A tree on the countries' alphabetical codes cannot follow that, and at
    under five training rows a country its leaves could not single them out either; a lookup
    of each country's region can (openintro::hfi by region)."""
    rng = np.random.default_rng(0)
    countries = [f"{a}{b}land" for a in "BCDFGHJKLMNPQRSTVWXZ" for b in "aeiouyrl"]
    region = dict(zip(countries, rng.integers(0, 10, len(countries)), strict=True))
    frame = assign_row_ids(pd.DataFrame({
        "country": np.repeat(countries, 9), "year": np.tile(np.arange(2008, 2017), 160),
        "x": rng.normal(size=1440)}).assign(**{LABEL: lambda f: [
            f"region {region[c]}" for c in f["country"]]}))
    roles = roles_of(frame)
    assert roles.columns["country"].role == "categorical"
    scores = single_column_leakage(frame, roles).set_index("column")["balanced_accuracy"]
    assert scores["country"] == 1.0 and scores["x"] < 0.3 and scores["year"] < 0.3


def test_a_table_of_free_text_alone_has_no_column_to_check_for_leaks():
    words = np.array(["great", "stale", "tasty", "bland", "fresh", "sweet"])
    rng = np.random.default_rng(0)
    frame = assign_row_ids(pd.DataFrame({
        "review": [" ".join(rng.choice(words, 12)) + f" order {i}" for i in range(200)],
        LABEL: rng.choice(["great", "other"], 200)}))
    roles = roles_of(frame)
    assert roles.of("text") == ["review"]
    leakage = single_column_leakage(frame, roles)
    assert leakage.empty and list(leakage.columns) == ["column", "balanced_accuracy"]
    assert not leaking_columns(leakage, model_balanced_accuracy=0.7, n_classes=2,
                               margin=0.01).any()


def test_a_class_of_one_row_leaves_every_column_checked_for_leaks(blobs):
    frame = blobs.assign(leak=np.where(blobs[LABEL] == "yes", "Yes", "Nope"))
    frame.loc[0, LABEL] = "once"  # kept whole in training with data.min_class_rows 1
    scores = single_column_leakage(frame, roles_of(frame)).set_index("column")[
        "balanced_accuracy"]
    assert scores.notna().all() and scores["leak"] > scores["colour"]


def _overlapping_table(n_rows: int, *, noise: float, random_state: int = 0) -> pd.DataFrame:
    """Two overlapping classes from three numeric columns (about 80% separable), a 12-level
    'grade' that fixes the true label, and ``noise`` of the labels flipped at random."""
    rng = np.random.default_rng(random_state)
    truth = rng.integers(0, 2, n_rows)
    grade = np.where(truth == 1, rng.integers(0, 6, n_rows), rng.integers(6, 12, n_rows))
    frame = pd.DataFrame({f"x{i}": truth * 0.8 + rng.normal(0, 1, n_rows) for i in range(3)})
    frame["grade"] = [f"G{g:02d}" for g in grade]
    flipped = rng.random(n_rows) < noise
    frame[LABEL] = np.where(truth ^ flipped, "yes", "no")
    return assign_row_ids(frame)


def _model_balanced_accuracy(frame: pd.DataFrame, roles) -> float:
    classes = check_classes(frame[LABEL])
    runs = [out_of_fold_pred_probs(frame, roles, model=name, n_splits=5, random_state=0)
            for name in ("hgb", "logreg")]
    _, ensemble = find_label_errors(frame[LABEL].to_numpy(), runs, classes)
    return balanced_accuracy_score(frame[LABEL], classes[ensemble.argmax(axis=1)])


@pytest.mark.parametrize("noise", [0.0, 0.1, 0.2])
def test_a_total_leak_is_found_under_label_noise(noise):
    frame = _overlapping_table(1200, noise=noise)
    roles = roles_of(frame)
    leakage = single_column_leakage(frame, roles)
    leaks = leaking_columns(leakage, model_balanced_accuracy=_model_balanced_accuracy(
        frame, roles), n_classes=2, margin=0.01)
    assert leakage[leaks]["column"].tolist() == ["grade"], leakage
    # the fixed threshold the check replaces would have missed it under noise
    assert noise == 0 or leakage.set_index("column").loc["grade", "balanced_accuracy"] < 0.95


def test_informative_columns_are_no_leak():
    frame = _overlapping_table(1200, noise=0.1).drop(columns=["grade"])
    roles = roles_of(frame)
    leakage = single_column_leakage(frame, roles)
    leaks = leaking_columns(leakage, model_balanced_accuracy=_model_balanced_accuracy(
        frame, roles), n_classes=2, margin=0.01)
    assert not leaks.any(), leakage


@pytest.mark.parametrize("exact_rows", [10_000, 50], ids=["exact", "approximate"])
def test_rows_shared_between_train_and_test(exact_rows):
    rng = np.random.default_rng(1)
    train = rng.normal(size=(100, 3))
    test = rng.normal(size=(20, 3))
    test[4] = train[9]
    test[5] = train[10] + 1e-4
    shared = shared_rows(train, test, pd.Series([f"t{i}" for i in range(100)]),
                         pd.Series([f"s{i}" for i in range(20)]), exact_rows=exact_rows)
    assert dict(zip(shared["test_row_id"], shared["train_row_id"], strict=True)) == {
        "s4": "t9", "s5": "t10"}


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (pd.Series(["a"] * 10), "single class"),
        (pd.Series(["a", None, "b"] * 5), "missing labels"),
    ],
)
def test_bad_labels_are_refused(labels, message):
    with pytest.raises(DatacentricError, match=message):
        check_classes(labels)


def test_review_sheet_orders_by_consensus_and_neutralises_formulas():
    issues = pd.DataFrame({
        ROW_ID: ["a", "b", "c", "d"], "split": "train",
        "is_label_issue": [True, True, False, False],
        "is_outlier_issue": [False, False, True, False],
        "label_score": [0.3, 0.1, 0.9, 0.9], "stability": [1.0, 0.67, 0.0, 0.0],
        "suggested_label": ["x", "y", "x", "x"]})
    rows = pd.DataFrame({ROW_ID: ["a", "b", "c", "d"], "note": ["=HYPERLINK(1)", "ok", "+1", "-"],
                         LABEL: ["y", "x", "x", "x"]})
    sheet = review_sheet(issues, rows)
    assert sheet[ROW_ID].tolist() == ["a", "b", "c"]
    assert sheet["issues"].tolist() == ["label", "label", "outlier"]
    assert sheet["note"].tolist() == ["'=HYPERLINK(1)", "ok", "'+1"]
    assert list(sheet.columns[:4]) == [ROW_ID, "split", "issues", "given_label"]
    assert sheet.columns[-1] == "decision" and (sheet["decision"] == "").all()


def test_neutralise_formulas_leaves_numbers_alone():
    frame = pd.DataFrame({"n": [-1.5, 2.0], "t": ["@SUM(A1)", "\tx"]})
    out = neutralise_formulas(frame)
    assert out["n"].tolist() == [-1.5, 2.0]
    assert out["t"].tolist() == ["'@SUM(A1)", "'\tx"]


def test_a_tiny_table_with_many_classes_is_not_estimated_mostly_wrong():
    """90 rows, six classes of 15, every label right and the models sure of it: a class's
    anchors cannot outnumber its rows, or most of them are other classes' rows."""
    codes = np.repeat(np.arange(6), 15)
    pred_probs = np.full((90, 6), 0.06)
    pred_probs[np.arange(90), codes] = 0.7
    classes = np.array(list("abcdef"))
    estimate = label_error_rates(classes[codes], pred_probs, classes)
    assert estimate.share == 0.0 and estimate.high == 0.0
    assert (estimate.by_class == 0.0).all()


def _audit_in(where, params: dict) -> None:
    """Ingest, suite draft, validation and audit in process, in ``where`` with ``params``."""
    (where / "params.yaml").write_text(yaml.safe_dump(params))
    with chdir(where):
        ingest.main()
        suite.draft()
        validate.main()
        audit.main()


@pytest.mark.parametrize("values", [["good", "bad"], [True, False]], ids=["text", "boolean"])
def test_the_audit_stage_flags_no_label_its_columns_cannot_predict_and_scores_the_test_rows(
        tmp_path, values):
    """The whole stage, in process, on labels drawn at random: the passes stop after the
    first, no training or test row is flagged, and every test row still gets its scores. Every
    by-label figure names the classes alike (a boolean label as True, not JSON's true)."""
    rng = np.random.default_rng(0)
    pd.DataFrame({"x1": rng.normal(size=400), "x2": rng.normal(size=400),
                  "colour": rng.choice(["red", "blue", "green"], 400),
                  "status": rng.choice(values, 400, p=[0.7, 0.3])}
                 ).to_csv(tmp_path / "table.csv", index=False)
    _audit_in(tmp_path, {"data": {"source": "table.csv", "target": "status"},
                         "audit": {"passes": 3, "folds": 3}})
    metrics = json.loads((tmp_path / paths.METRICS / "audit.json").read_text())
    issues = pd.read_parquet(tmp_path / paths.LABEL_ISSUES)
    validated_test_rows = len(pd.read_parquet(tmp_path / paths.VALIDATED_TEST))
    assert metrics["train"]["label_evidence_p_value"] >= EVIDENCE_SIGNIFICANCE
    assert metrics["train"]["label_issues"] == metrics["test"]["label_issues"] == 0
    assert not issues["is_label_issue"].any()
    train_labels = issues.loc[issues["split"] == "train", "given_label"].value_counts()
    assert metrics["label_issues_by_label"] == {
        str(label): {"flagged": 0, "rows": int(n)} for label, n in sorted(train_labels.items())}
    assert list(metrics["disputed_share_by_label"]) == list(
        metrics["label_error_rate_by_class"]) == list(metrics["label_issues_by_label"])
    test_rows = issues[issues["split"] == "test"]
    assert len(test_rows) == validated_test_rows and test_rows["label_score"].notna().all()


@pytest.mark.parametrize("grouped", [True, False])
def test_the_audit_folds_keep_a_subject_together(tmp_path, grouped):
    """Twenty subjects of 25 visits each, a label drawn per subject and a column that tells
    the subjects apart but not their labels: with the subject declared as the group, no fold
    model has seen the subject of a row it scores, so there is no evidence to dispute labels
    with; without it, the models learn each subject's label from its other visits."""
    rng = np.random.default_rng(0)
    subject = np.repeat(np.arange(20), 25)
    pd.DataFrame({"subject": subject, "x": subject * 10 + rng.normal(0, 0.5, 500),
                  "status": np.repeat(rng.choice(["good", "bad"], 20), 25)}
                 ).to_csv(tmp_path / "table.csv", index=False)
    columns = {"group": "subject"} if grouped else {"drop": ["subject"]}
    # without the group, x alone names each subject's label: a leak the run is told of
    _audit_in(tmp_path, {
        "data": {"source": "table.csv", "target": "status", "columns": columns},
        "audit": {"passes": 1, "folds": 5, "acknowledged_leaks": [] if grouped else ["x"]}})
    metrics = json.loads((tmp_path / paths.METRICS / "audit.json").read_text())
    train = pd.read_parquet(tmp_path / paths.PREPARED_TRAIN)
    test = pd.read_parquet(tmp_path / paths.PREPARED_TEST)
    p_value = metrics["train"]["label_evidence_p_value"]
    if grouped:
        assert not set(train["subject"]) & set(test["subject"])
        assert p_value >= EVIDENCE_SIGNIFICANCE
    else:
        assert p_value < EVIDENCE_SIGNIFICANCE


def test_a_group_with_fewer_subjects_than_folds_is_refused_at_ingest(tmp_path):
    rng = np.random.default_rng(0)
    pd.DataFrame({"hospital": rng.choice(["north", "south", "east"], 200),
                  "x": rng.normal(size=200), "status": rng.choice(["good", "bad"], 200)}
                 ).to_csv(tmp_path / "table.csv", index=False)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(
        {"data": {"source": "table.csv", "target": "status",
                  "columns": {"group": "hospital"}}}))
    with chdir(tmp_path), pytest.raises(DatacentricError, match=(
            r"table.csv: column 'hospital', the table's group \(data.columns.group\), holds \d "
            r"subjects in the training rows, fewer than audit.folds=5")):
        ingest.main()
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.parquet"))
