"""audit: find the training rows a data team should look at first, and audit the test rows.

Writes data/audit/label_issues.parquet (one row per train and test row: given and suggested
label, scores, issue flags), data/audit/pred_probs.parquet (out-of-fold ensemble
probabilities of the training rows), reports/review_sheet.csv, reports/noise_matrix.json,
reports/leakage.json and metrics/audit.json. Scored against data/prepared/label_truth.parquet
when labels were flipped on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import typer
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    precision_recall_fscore_support,
)

from datacentric import paths
from datacentric.columns import IS_FLIPPED, LABEL, ROW_ID
from datacentric.data_checks import (
    datalab_issues,
    leaking_columns,
    shared_rows,
    single_column_leakage,
)
from datacentric.errors import DatacentricError
from datacentric.features import FeatureOptions, build_featurizer
from datacentric.io import (
    read_input,
    read_json_input,
    require_input,
    write_csv,
    write_json,
    write_parquet,
)
from datacentric.label_audit import (
    EVIDENCE_SIGNIFICANCE,
    CrossFit,
    audit_label_errors,
    bounded_rows,
    check_classes,
    cross_fit,
    disputed_rates,
    disputed_share,
    find_label_errors,
    label_error_rates,
    noise_matrix,
)
from datacentric.params import AuditParams, Params, load_params
from datacentric.review import review_sheet
from datacentric.roles import TableRoles


def _score_against_truth(table: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    merged = table.merge(truth[[ROW_ID, IS_FLIPPED]], on=ROW_ID)
    precision, recall, f1, _ = precision_recall_fscore_support(
        merged[IS_FLIPPED], merged["is_label_issue"], average="binary", zero_division=0)
    return {"precision": precision, "recall": recall, "f1": f1,
            "pr_auc": average_precision_score(merged[IS_FLIPPED], -merged["label_score"])}


@dataclass(frozen=True)
class Rows:
    """One split's rows as the audit reads them, on either engine: ``keys`` (``row_id`` and
    ``label`` of every row, in order) and ``take`` (the full rows at sorted positions, as a
    pandas frame)."""

    keys: pd.DataFrame
    take: Callable[[np.ndarray], pd.DataFrame]


# cross(model=..., random_state=..., excluded=..., score_test=...) runs
# datacentric.label_audit.cross_fit (or its Spark twin) on the training rows with the audit's
# settings, the test rows as ``other`` when score_test is true
CrossFitter = Callable[..., CrossFit]


def _pandas_rows(frame: pd.DataFrame) -> Rows:
    return Rows(frame[[ROW_ID, LABEL]],
                lambda at: frame if len(at) == len(frame) else frame.iloc[at])


def _label_audits(train: Rows, test: Rows, cross: CrossFitter, audit: AuditParams, seed: int):
    """The label tables of the training rows (out of fold) and of the test rows (the last
    pass's fold models), the ensemble's out-of-fold probabilities, the classes, and the
    p-value that the models hold evidence against the given labels."""
    classes = check_classes(train.keys[LABEL])
    runs: list[CrossFit] = []
    per_pass = audit.repeats * len(audit.models)

    def one_pass(excluded: np.ndarray | None, *, score_test: bool) -> list[CrossFit]:
        return [cross(model=name, random_state=seed + repeat, excluded=excluded,
                      score_test=score_test)
                for repeat in range(audit.repeats) for name in audit.models]

    def fit_runs(excluded: np.ndarray | None) -> list[np.ndarray]:
        # only the last pass's fold models score the test rows
        runs.extend(one_pass(excluded, score_test=len(runs) // per_pass == audit.passes - 1))
        return [run.pred_probs for run in runs[-per_pass:]]

    train_table, ensemble, evidence = audit_label_errors(
        train.keys[LABEL].to_numpy(), classes, fit_runs, passes=audit.passes, random_state=seed)
    if runs[-1].other_pred_probs is None:  # no evidence ended the passes before the last one
        runs.extend(one_pass(None, score_test=True))  # the first pass's fold models again
    test_table, _ = find_label_errors(test.keys[LABEL].to_numpy(),
                                      [run.other_pred_probs for run in runs[-per_pass:]],
                                      classes)
    if evidence >= EVIDENCE_SIGNIFICANCE:  # nothing to dispute a test row's label with either
        test_table["is_label_issue"] = False
    return train_table, test_table, ensemble, classes, evidence


def _leakage(sample: pd.DataFrame, roles: TableRoles, model: float, n_classes: int,
             audit: AuditParams, seed: int) -> pd.DataFrame:
    """The single-column leakage table of a stratified ``sample`` of the training rows
    (:func:`bounded_rows` to ``audit.fit_rows``: a leaking column shows on a sample as well
    as on every row) with ``leaks`` and ``acknowledged``; ``model`` is the ensemble's
    out-of-fold balanced accuracy on all training labels.

    Raises
    ------
    DatacentricError
        When a column leaks and audit.acknowledged_leaks does not list it, or that list names
        a column the table does not have.
    """
    unknown = [c for c in audit.acknowledged_leaks if c not in roles.columns]
    if unknown:
        raise DatacentricError(f"params.yaml: audit.acknowledged_leaks names '{unknown[0]}', "
                               f"which is not a column of the table.")
    leakage = single_column_leakage(sample, roles, random_state=seed)
    leakage["leaks"] = leaking_columns(leakage, model_balanced_accuracy=model,
                                       n_classes=n_classes, margin=audit.leakage_margin)
    leakage["acknowledged"] = leakage["column"].isin(audit.acknowledged_leaks)
    stop = leakage[leakage["leaks"] & ~leakage["acknowledged"]]
    if len(stop) == 1:
        row = stop.iloc[0]
        raise DatacentricError(
            f"column '{row.column}' gives the label away: alone it predicts it with balanced "
            f"accuracy {row.balanced_accuracy:.3f}, where all columns together reach "
            f"{model:.3f}; drop it (data.columns.drop: [{row.column}]) or, if it is "
            f"legitimately that predictive, list it in audit.acknowledged_leaks.")
    if len(stop) > 1:  # every one at once, so that one edit (and one suite redraft) fixes all
        named = ", ".join(f"'{r.column}' ({r.balanced_accuracy:.3f})" for r in stop.itertuples())
        raise DatacentricError(
            f"columns {named} give the label away: alone each predicts it with that balanced "
            f"accuracy, where all columns together reach {model:.3f}; drop them "
            f"(data.columns.drop: [{', '.join(stop['column'])}]) or, if they are "
            f"legitimately that predictive, list them in audit.acknowledged_leaks.")
    return leakage


def _data_checks(train: Rows, test: Rows, roles: TableRoles, ensemble: np.ndarray,
                 audit: AuditParams, seed: int, options: FeatureOptions,
                 sample_rows: int | None):
    """Datalab's per-row table for every training row (near-duplicates named by row_id) and
    its counts, and the test rows shared with training rows. With ``sample_rows``, both run
    on stratified samples of at most that many rows of each split; the other rows get no
    Datalab flags. Returns the table, the counts (with ``data_check_rows``) and the shared
    rows."""
    train_at = bounded_rows(train.keys[LABEL].to_numpy(), sample_rows, random_state=seed)
    test_at = bounded_rows(test.keys[LABEL].to_numpy(), sample_rows, random_state=seed)
    train_rows, test_rows = train.take(train_at), test.take(test_at)
    featurizer = build_featurizer(roles, options=options, random_state=seed)
    X_train = featurizer.fit_transform(train_rows).to_numpy(np.float64)
    X_test = featurizer.transform(test_rows).to_numpy(np.float64)
    search = {"exact_rows": audit.exact_search_rows, "random_state": seed}
    datalab, counts = datalab_issues(X_train, train_rows[LABEL].to_numpy(), ensemble[train_at],
                                     **search)
    first = datalab.pop("near_duplicate_of").to_numpy()
    datalab["near_duplicate_of"] = np.where(first >= 0, train_rows[ROW_ID].to_numpy()[first],
                                            None)
    if len(train_at) < len(train.keys):
        datalab = datalab.set_axis(train_at).reindex(np.arange(len(train.keys)))
    shared = shared_rows(X_train, X_test, train_rows[ROW_ID], test_rows[ROW_ID],
                         distance_fraction=audit.shared_distance_fraction, **search)
    return datalab, {**counts, "data_check_rows": len(train_at)}, shared


def _audit(train: Rows, test: Rows, cross: CrossFitter, *, roles: TableRoles, params: Params,
           sample_rows: int | None, truth: pd.DataFrame) -> None:
    """Everything the stage writes, from either engine's rows."""
    audit, seed = params.audit, params.base.seed
    options = _options(params)
    train_table, test_table, ensemble, classes, evidence = _label_audits(train, test, cross,
                                                                         audit, seed)
    labels = train.keys[LABEL].to_numpy()
    # a leak stops the pipeline before any further model trains on it
    model = float(balanced_accuracy_score(labels, classes[ensemble.argmax(axis=1)]))
    leakage = _leakage(train.take(bounded_rows(labels, audit.fit_rows, random_state=seed)),
                       roles, model, len(classes), audit, seed)
    datalab, datalab_counts, shared = _data_checks(train, test, roles, ensemble, audit, seed,
                                                   options, sample_rows)

    train_issues = pd.concat([train.keys[[ROW_ID]].assign(split="train",
                                                          given_label=train.keys[LABEL]),
                              train_table, datalab], axis=1)
    test_issues = pd.concat([test.keys[[ROW_ID]].assign(split="test",
                                                        given_label=test.keys[LABEL]),
                             test_table], axis=1)
    test_issues["is_shared_issue"] = test_issues[ROW_ID].isin(shared["test_row_id"])
    issues = pd.concat([train_issues, test_issues], ignore_index=True)
    for name in [c for c in issues.columns if c.startswith("is_")]:
        issues[name] = issues[name].astype("boolean").fillna(False).astype(bool)

    matrix = noise_matrix(labels, ensemble, classes)
    errors = label_error_rates(labels, ensemble, classes)
    metrics = {
        "train": {"rows": len(labels), "label_issues": int(train_table["is_label_issue"].sum()),
                  **datalab_counts,
                  "label_evidence_p_value": evidence,
                  "label_evidence_significance": EVIDENCE_SIGNIFICANCE,
                  "disputed_label_share": disputed_share(matrix),
                  "label_error_share": errors.share, "label_error_share_low": errors.low,
                  "label_error_share_high": errors.high},
        "test": {"label_issues": int(test_table["is_label_issue"].sum()),
                 "shared_with_train": int(test_issues["is_shared_issue"].sum())},
        # keys as str(label), the same in every by-label figure (JSON writes True as "true")
        "disputed_share_by_label": {str(label): share for label, share
                                    in disputed_rates(matrix).round(6).items()},
        "label_issues_by_label": {
            str(label): {"flagged": int(group.sum()), "rows": len(group)}
            for label, group in train_table["is_label_issue"].groupby(labels)},
        "label_error_rate_by_class": {str(label): rate for label, rate
                                      in errors.by_class.round(6).items()},
        "leaking_columns": int(leakage["leaks"].sum()),
        "model_balanced_accuracy": model,
    }
    if truth[IS_FLIPPED].any():
        metrics["vs_truth"] = _score_against_truth(train_issues, truth)
    for row in leakage[leakage["leaks"]].itertuples():
        typer.echo(f"warning: column '{row.column}' alone predicts the label as well as the "
                   f"model (balanced accuracy {row.balanced_accuracy:.3f}); acknowledged in "
                   f"audit.acknowledged_leaks.", err=True)

    probs = pd.DataFrame(ensemble, columns=[f"proba_{c}" for c in classes])
    train_issues = issues.iloc[:len(train_issues)]
    flags = [c for c in issues.columns if c.startswith("is_") and c.endswith("_issue")]
    flagged = np.flatnonzero(train_issues[flags].any(axis=1))
    write_parquet(issues, paths.LABEL_ISSUES)
    write_parquet(pd.concat([train.keys[[ROW_ID]], probs], axis=1), paths.PRED_PROBS)
    # test rows are reported in label_issues.parquet but never offered for relabelling
    write_csv(review_sheet(train_issues, train.take(flagged)), paths.REVIEW_SHEET)
    write_json({"matrix": matrix.to_dict("records")}, paths.NOISE_MATRIX)
    write_json({"columns": leakage.to_dict("records"), "shared_rows": shared.to_dict("records")},
               paths.LEAKAGE)
    write_json(metrics, paths.METRICS / "audit.json")


def _options(params: Params) -> FeatureOptions:
    return FeatureOptions(**params.featurize.model_dump())


def _cross_settings(params: Params) -> dict:
    audit = params.audit
    return {"n_splits": audit.folds, "options": _options(params),
            "tree_sample_rows": audit.tree_sample_rows,
            "exact_search_rows": audit.exact_search_rows, "fit_rows": audit.fit_rows}


def _on_pandas(params: Params, roles: TableRoles, truth: pd.DataFrame) -> None:
    train = read_input(paths.VALIDATED_TRAIN)
    test = read_input(paths.VALIDATED_TEST)
    # the validation suite keeps test labels inside the training label set; a class that lost
    # all its training rows to quarantine cannot be audited on the test side
    test = test[test[LABEL].isin(train[LABEL].unique())].reset_index(drop=True)

    def cross(*, score_test: bool, **kwargs) -> CrossFit:
        return cross_fit(train, roles, other=test if score_test else None,
                         **_cross_settings(params), **kwargs)

    _audit(_pandas_rows(train), _pandas_rows(test), cross, roles=roles, params=params,
           sample_rows=None, truth=truth)


def _on_spark(params: Params, roles: TableRoles, truth: pd.DataFrame) -> None:
    """The audit with the rows kept in Spark: fold models fit on the driver on the same
    bounded samples as on pandas, every row is scored on the executors, and Datalab and the
    shared-rows search run on at most ``compute.spark.sample_rows`` rows of each split."""
    from pyspark.sql import functions as F

    from datacentric.spark import tables
    from datacentric.spark.audit import SparkRows
    from datacentric.spark.audit import cross_fit as spark_cross_fit
    from datacentric.spark.session import spark_session

    session = spark_session(params.compute.spark)
    train = SparkRows.of(tables.read_parquet(session, require_input(paths.VALIDATED_TRAIN)),
                         group=roles.group)
    test = SparkRows.of(tables.read_parquet(session, require_input(paths.VALIDATED_TEST))
                        .filter(F.col(LABEL).isin(train.keys[LABEL].unique().tolist())))

    def cross(*, score_test: bool, **kwargs) -> CrossFit:
        return spark_cross_fit(train, roles, other=test if score_test else None,
                               **_cross_settings(params), **kwargs)

    _audit(Rows(train.keys, train.take), Rows(test.keys, test.take), cross, roles=roles,
           params=params, sample_rows=params.compute.spark.sample_rows, truth=truth)


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    truth = read_input(paths.LABEL_TRUTH)
    if params.compute.engine == "spark":
        _on_spark(params, roles, truth)
    else:
        _on_pandas(params, roles, truth)
