"""report: write reports/index.html, the page the data team reads."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

from datacentric import paths
from datacentric.columns import LABEL
from datacentric.headtohead import cell_name, curve_note, seed_table
from datacentric.io import read_input, read_json_input, write_text
from datacentric.params import load_params, suite_name
from datacentric.plots import cleaning_curve, forest, heatmap, per_seed, to_svg
from datacentric.report import (
    LABEL_ERROR_BENCHMARK,
    NEAR_PERFECT_ACCURACY,
    curve_summary,
    drift_phrases,
    flagged_classes,
    mostly_duplicates,
    other_issues,
    points,
    render,
    review_preview,
    row_order_phrase,
    shared_phrase,
    table_rows,
)


def _json(path: Path) -> dict:
    return read_json_input(path)


def _git_revision() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True)
    return result.stdout.strip() or "not a git checkout"


def _hashes(source: str) -> list[tuple[str, str]]:
    lock_file = Path("dvc.lock")
    lock = yaml.safe_load(lock_file.read_text()) if lock_file.exists() else {"stages": {}}
    ingest = lock["stages"].get("ingest", {})
    return [(d["path"], d.get("md5", "")) for d in ingest.get("deps", []) + ingest.get("outs", [])
            if d["path"].startswith("data/")] or [(source, "not yet recorded")]


def _dataset(params, ingest: dict) -> dict:
    hashes = _hashes(params.data.source)
    raw = dict(hashes).get(params.data.source, "not yet recorded")
    return {"source": params.data.source, "target": params.data.target, "rows": ingest["rows"],
            "train_rows": ingest["train_rows"], "test_rows": ingest["test_rows"],
            "unlabelled": ingest["unlabelled_rows"], "classes": ingest["classes"],
            "flipped": ingest["flipped_labels"],
            "untested": ingest["untested_classes"],
            "min_class_rows": params.data.min_class_rows,
            "hashes": hashes, "raw_md5": raw, "git_revision": _git_revision(),
            "key": ingest["key"], "group": ingest["group"], "columns": ingest["columns"],
            "dropped": params.data.columns.drop,
            "params": yaml.safe_dump(params.model_dump(by_alias=True), sort_keys=False)}


def _validation(params, ingest: dict, summary: dict) -> dict:
    quarantine = read_input(paths.QUARANTINE)
    columns, rows = table_rows(quarantine, limit=30)
    drifted = drift_phrases(read_json_input(paths.DRIFT)["columns"],
                            target=params.data.target, flipped=ingest["flipped_labels"])
    return {"suite": suite_name(params), "drifted": drifted,
            "splits": [{"name": name, **summary[name]} for name in ("train", "test")],
            "quarantine": rows, "quarantine_columns": columns}


def _audit(train_rows: int, test_rows: int) -> dict:
    audit = _json(paths.METRICS / "audit.json")
    leakage = _json(paths.LEAKAGE)
    columns, rows = review_preview(pd.read_csv(paths.REVIEW_SHEET, dtype={"row_id": str}))
    leaks = [c for c in leakage["columns"] if c["leaks"]]
    truth = audit.get("vs_truth")
    return {
        "label_issues": audit["train"]["label_issues"],
        "no_evidence": (audit["train"]["label_evidence_p_value"]
                        >= audit["train"]["label_evidence_significance"]),
        "evidence_p": f"{audit['train']['label_evidence_p_value']:.3f}",
        "evidence_significance": audit["train"]["label_evidence_significance"],
        "label_issue_share": f"{audit['train']['label_issues'] / max(train_rows, 1):.1%}",
        "disputed_share": f"{audit['train']['disputed_label_share']:.1%}",
        "label_error_share": f"{audit['train']['label_error_share']:.1%}",
        "label_error_interval": (f"{audit['train']['label_error_share_low']:.1%} to "
                                 f"{audit['train']['label_error_share_high']:.1%}"),
        "label_error_benchmark": LABEL_ERROR_BENCHMARK,
        "test_label_issues": audit["test"]["label_issues"],
        "vs_truth": {k: f"{v:.3f}" for k, v in truth.items()} if truth else None,
        "top_columns": columns, "top_rows": rows,
        "other": other_issues(audit["train"], checked_rows=audit["train"]["data_check_rows"]),
        "row_order": row_order_phrase(audit["train"].get("non_iid_p_value"),
                                      significance=audit["train"]["non_iid_significance"]),
        "leaking": [f"{c['column']} ({c['balanced_accuracy']:.3f})" for c in leaks],
        "model_balanced_accuracy": f"{audit['model_balanced_accuracy']:.3f}",
        "near_perfect": audit["model_balanced_accuracy"] >= NEAR_PERFECT_ACCURACY,
        "top_leak": (f"{leakage['columns'][0]['column']}, balanced accuracy "
                     f"{leakage['columns'][0]['balanced_accuracy']:.3f}"
                     if leakage["columns"] else None),
        "shared": shared_phrase(
            audit["test"]["shared_with_train"], test_rows=test_rows,
            duplicates=mostly_duplicates(audit["train"],
                                         checked_rows=audit["train"]["data_check_rows"])),
        "checked_rows": audit["train"]["data_check_rows"],
        "sampled": audit["train"]["data_check_rows"] < audit["train"]["rows"],
        "audited_rows": audit["train"]["rows"],
        "by_class": [(label, f"{disputed:.1%}", f"{audit['label_error_rate_by_class'][label]:.1%}")
                     for label, disputed in audit["disputed_share_by_label"].items()],
        "whole_classes": flagged_classes(audit["label_issues_by_label"]),
    }


def _compare(comparison: dict, effects: pd.DataFrame, curve: dict) -> tuple[dict, dict]:
    rows = [{"label": e.label, "contrast": e.contrast,
             "effect": points(e.effect), "interval": f"{points(e.low)} to {points(e.high)}",
             "p": f"{e.p_adjusted:.3f}", "real": "yes" if e.real else "no"}
            for e in effects.itertuples()]
    reference = comparison["reference"]
    return ({"verdict": comparison["verdict"], "effects": rows,
             "reference": cell_name((reference["data_arm"], reference["model_arm"])),
             "metrics": [(k, f"{v:.3f}") for k, v in reference["metrics"].items()]},
            {"summary": curve_summary(curve), "note": curve_note(comparison, curve)})


def _reference_predictions(comparison: dict, seeds: list[int]) -> pd.DataFrame:
    """The reference cell's test predictions, all seeds stacked."""
    reference = comparison["reference"]
    return pd.concat([read_input(paths.cell_dir(reference["data_arm"], reference["model_arm"], seed)
                                 / "predictions.parquet") for seed in seeds], ignore_index=True)


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    ingest = _json(paths.METRICS / "ingest.json")
    validation = _json(paths.METRICS / "validate.json")
    comparison = _json(paths.COMPARISON)
    effects = pd.read_csv(paths.EFFECTS)
    curve_table = pd.read_csv(paths.CURVE)
    predictions = _reference_predictions(comparison, params.compare.seeds)
    noise = pd.DataFrame(_json(paths.NOISE_MATRIX)["matrix"])
    seed_scores = seed_table(comparison["cells_per_seed"], params.compare.seeds)
    compare, curve = _compare(comparison, effects, _json(paths.METRICS / "curve.json"))
    context = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "dataset": _dataset(params, ingest),
        "validation": _validation(params, ingest, validation),
        "audit": _audit(ingest["train_rows"],
                        ingest["test_rows"] - validation["test"]["rows_quarantined"]),
        "compare": compare, "curve": curve,
        "saved_model": {k: f"{v:.3f}" for k, v in
                        _json(paths.METRICS / "evaluate.json").items()},
        "seeds": len(params.compare.seeds),
        # a relabel may name any audited class, those without test rows too
        "classes": sorted(noise["given_label"].unique()),
        "figures": {
            "noise_matrix": to_svg(heatmap(noise, row="given_label", column="true_label",
                                           value="share", title="estimated joint")),
            "forest": to_svg(forest(effects.assign(real=effects["real"].astype(bool)))),
            "per_seed": to_svg(per_seed(seed_scores)) if len(seed_scores) else "",
            "curve": to_svg(cleaning_curve(curve_table)),
            "confusion": to_svg(heatmap(predictions.assign(rows=1), row=LABEL,
                                        column="predicted", value="rows", title="test rows")),
        },
    }
    write_text(render(context), paths.REPORTS / "index.html")
