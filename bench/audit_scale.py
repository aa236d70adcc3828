"""The audit at scale: what the bounded fold fits (``audit.fit_rows``) cost in detection, and
the whole audit stage's time and peak memory against the standard recipe on the same rows.

Protocol (fixed in this file before any figure was read, 2026-11-26):

- ``quality``: ``synthetic.make_table(200_000, random_state=1)`` typed as ingest types it, all
  200,000 rows audited; 10% symmetric label noise (``flip_labels``), noise seeds 0, 1, 2. On
  the same noisy rows: the audit's label part as shipped (``AuditParams`` defaults: models,
  folds, passes, fold seed 0) with its fold fits bounded at ``audit.fit_rows`` and with no
  bound, and the standard recipe (5-fold out-of-fold HistGradientBoosting, then
  ``find_label_issues`` with its defaults). Precision, recall, F1 of the flags against the
  flipped rows, PR-AUC of the ranking, seconds. Bar: bounded F1 within 0.01 of unbounded.
- ``time``: a scratch project with ``synthetic.make_table(1_000_000, random_state=0)`` and
  the repository's params (``stage_scale.project``), ingested and validated; then, each in
  its own process, ``datacentric audit`` (the whole stage: label audit of both splits,
  leakage, Datalab, shared rows, outputs) and the standard recipe on the same validated
  training rows. Wall seconds and peak RSS of each; the audit's time as a multiple of the
  standard recipe's. Bar: at most 3×.

    python bench/audit_scale.py quality [--rows 200000] [--seeds 0 1 2]
    python bench/audit_scale.py time [--rows 1000000]

Writes bench/results/audit_scale_quality.json or bench/results/audit_scale_time.json.
"""
# ruff: noqa: I001  (datacentric must load before sklearn: it sets the OpenMP wait policy)

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import datacentric  # noqa: F401
import numpy as np
import pandas as pd
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from datacentric import paths
from datacentric.columns import LABEL
from datacentric.dataset import flip_labels, prepare_with_ids
from datacentric.label_audit import audit_label_errors, out_of_fold_pred_probs
from datacentric.params import AuditParams
from datacentric.synthetic import make_table
from stage_scale import project, timed

FOLDS = 5
NOISE_RATE = 0.1


def scores(flipped: np.ndarray, flagged: np.ndarray, label_score: np.ndarray
           ) -> dict[str, float]:
    precision, recall, f1, _ = precision_recall_fscore_support(flipped, flagged,
                                                               average="binary",
                                                               zero_division=0)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1),
            "pr_auc": float(average_precision_score(flipped, -label_score))}


def standard_recipe(frame: pd.DataFrame, roles) -> tuple[np.ndarray, np.ndarray]:
    """5-fold out-of-fold HistGradientBoosting on every row, then cleanlab's defaults: the
    flags and the self-confidence scores."""
    classes = np.array(sorted(frame[LABEL].unique()))
    codes = np.searchsorted(classes, frame[LABEL].to_numpy())
    probs = out_of_fold_pred_probs(frame, roles, model="hgb", n_splits=FOLDS, random_state=0)
    return (find_label_issues(labels=codes, pred_probs=probs),
            get_label_quality_scores(labels=codes, pred_probs=probs))


def shipped_audit(frame: pd.DataFrame, roles, fit_rows: int | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The audit's label part with the shipped settings and fold fits bounded at
    ``fit_rows``: the flags and the label scores."""
    audit = AuditParams()
    labels = frame[LABEL].to_numpy()
    classes = np.array(sorted(np.unique(labels)))

    def fit_runs(excluded: np.ndarray | None) -> list[np.ndarray]:
        return [out_of_fold_pred_probs(frame, roles, model=m, n_splits=audit.folds,
                                       random_state=0, fit_rows=fit_rows, excluded=excluded,
                                       tree_sample_rows=audit.tree_sample_rows,
                                       exact_search_rows=audit.exact_search_rows)
                for m in audit.models]

    table, _, _ = audit_label_errors(labels, classes, fit_runs, passes=audit.passes)
    return table["is_label_issue"].to_numpy(), table["label_score"].to_numpy()


def quality(rows: int, seeds: list[int]) -> None:
    clean, roles = prepare_with_ids(make_table(rows, random_state=1), target="label")
    bound = AuditParams().fit_rows
    recipes = {"audit_bounded": lambda f: shipped_audit(f, roles, bound),
               "audit_unbounded": lambda f: shipped_audit(f, roles, None),
               "standard_hgb": lambda f: standard_recipe(f, roles)}
    records = []
    for seed in seeds:
        noisy = clean.assign(**{LABEL: flip_labels(clean[LABEL], rate=NOISE_RATE,
                                                   model="symmetric", random_state=seed)})
        flipped = (noisy[LABEL] != clean[LABEL]).to_numpy()
        for name, recipe in recipes.items():
            started = time.perf_counter()
            flagged, label_score = recipe(noisy)
            seconds = time.perf_counter() - started
            records.append({"seed": seed, "recipe": name, "seconds": seconds,
                            **scores(flipped, flagged, label_score)})
            print(json.dumps(records[-1]), flush=True)
    table = pd.DataFrame(records)
    wide = table.pivot(index="seed", columns="recipe", values="f1")
    gap = wide["audit_bounded"] - wide["audit_unbounded"]
    half = (1.96 * gap.std(ddof=1) / np.sqrt(len(gap))) if len(gap) > 1 else float("nan")
    summary = {"f1_bounded_minus_unbounded": float(gap.mean()),
               "f1_gap_interval_95": [float(gap.mean() - half), float(gap.mean() + half)],
               "worst_seed_gap": float(gap.min()),
               "means": table.groupby("recipe")[["f1", "precision", "recall", "pr_auc",
                                                  "seconds"]].mean().round(4).to_dict("index")}
    print(table.groupby("recipe")[["f1", "precision", "recall", "pr_auc", "seconds"]]
          .mean().round(4).to_string())
    print(json.dumps(summary, indent=2))
    write("audit_scale_quality.json", {"rows": rows, "noise": "symmetric", "rate": NOISE_RATE,
                                       "seeds": seeds, "fit_rows": bound,
                                       "records": records, "summary": summary})


def standard_on_project(where: Path) -> None:
    """The standard recipe on a project's validated training rows (run in its own process)."""
    from datacentric.io import read_input, read_json_input
    from datacentric.roles import TableRoles

    os.chdir(where)
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    standard_recipe(read_input(paths.VALIDATED_TRAIN), roles)


def timing(rows: int) -> None:
    records = {}
    with tempfile.TemporaryDirectory(prefix="audit_scale.") as scratch:
        where = project(Path(scratch), rows, AuditParams().models)
        for stage in (["ingest"], ["suite", "init"], ["validate"]):
            timed(["datacentric", *stage], where)
        for name, command in {
            "audit": ["datacentric", "audit"],
            "standard_hgb": [sys.executable, __file__, "standard", str(where)],
        }.items():
            seconds, peak = timed(command, where)
            records[name] = {"seconds": seconds, "peak_mib": peak}
            print(f"{name:13} {seconds:8.1f} s {peak:8.0f} MiB", flush=True)
        train_rows = len(pd.read_parquet(where / paths.VALIDATED_TRAIN, columns=[LABEL]))
    ratio = records["audit"]["seconds"] / records["standard_hgb"]["seconds"]
    print(f"audit / standard recipe: {ratio:.2f}x")
    write("audit_scale_time.json", {"rows": rows, "train_rows": train_rows,
                                    "fit_rows": AuditParams().fit_rows,
                                    "cpu_count": os.cpu_count(), "records": records,
                                    "audit_over_standard": ratio})


def write(name: str, payload: dict) -> None:
    out = Path(__file__).parent / "results" / name
    out.write_text(json.dumps(payload, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    q = commands.add_parser("quality")
    q.add_argument("--rows", type=int, default=200_000)
    q.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    t = commands.add_parser("time")
    t.add_argument("--rows", type=int, default=1_000_000)
    s = commands.add_parser("standard")
    s.add_argument("where", type=Path)
    args = parser.parse_args()
    if args.command == "quality":
        quality(args.rows, args.seeds)
    elif args.command == "time":
        timing(args.rows)
    else:
        standard_on_project(args.where)


if __name__ == "__main__":
    main()
