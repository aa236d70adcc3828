"""compare: the head-to-head of data arms against model arms.

Picks the best data arm, model arm and combination on the cells' selection rows, then measures
on the test rows every cell against the reference (raw data, first model arm), the picked data
arm against the picked model arm (and every pair in compare.head_to_head), with intervals and
Holm-corrected p-values. Writes results/comparison.json (top-level gains and the data-minus-
model contrast for `dvc exp show`, the reference's metrics averaged over seeds, the verdict),
results/effects.csv and plots reports/compare/{forest,per_seed}.png.
"""

from __future__ import annotations

import json

import numpy as np

from datacentric import paths
from datacentric.columns import ROW_ID
from datacentric.headtohead import (
    compare_cells,
    pick_arms,
    reference_metrics,
    score_matrix,
    seed_table,
    verdict,
)
from datacentric.io import (
    atomic_path,
    read_input,
    read_json_input,
    write_csv,
    write_json,
)
from datacentric.params import load_params
from datacentric.plots import forest, per_seed, save_png


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    compare = params.compare
    reference = ("raw", compare.model_arms[0])
    cells = [(d, m) for d in compare.data_arms for m in compare.model_arms]
    # the contrasts need per-row correctness only; with millions of test rows the other
    # prediction columns would dominate the memory
    predictions = {cell: [read_input(paths.cell_dir(*cell, s) / "predictions.parquet",
                                     columns=[ROW_ID, "correct"])
                          for s in compare.seeds] for cell in cells}
    cell_metrics = {cell: [read_json_input(paths.cell_dir(*cell, s) / "metrics.json")
                           for s in compare.seeds] for cell in cells}
    selection_scores = {cell: float(np.mean([m["selection_accuracy"] for m in metrics]))
                        for cell, metrics in cell_metrics.items()}
    picks = pick_arms(selection_scores, reference=reference)
    row_order = predictions[reference][0]["row_id"]
    scores = {cell: score_matrix(p, row_order=row_order) for cell, p in predictions.items()}
    effects, summary = compare_cells(scores, picks, reference=reference, pairs=compare.pairs,
                                     n_boot=compare.bootstrap, alpha=compare.alpha,
                                     random_state=params.base.seed)
    summary["reference"]["metrics"] = reference_metrics(cell_metrics[reference])
    summary["verdict"] = verdict(summary, n_seeds=len(compare.seeds), n_rows=len(row_order))
    summary["cells"] = {f"{d}__{m}": float(s.mean()) for (d, m), s in scores.items()}
    summary["cells_per_seed"] = {f"{d}__{m}": s.mean(axis=1).tolist()
                                 for (d, m), s in scores.items()}
    summary["selection"] = {f"{d}__{m}": v for (d, m), v in selection_scores.items()}

    write_csv(effects.assign(per_seed=effects["per_seed"].map(json.dumps)), paths.EFFECTS)
    write_json(summary, paths.COMPARISON)
    with atomic_path(paths.REPORTS / "compare" / "forest.png") as tmp:
        save_png(forest(effects), tmp)
    with atomic_path(paths.REPORTS / "compare" / "per_seed.png") as tmp:
        save_png(per_seed(seed_table(summary["cells_per_seed"], compare.seeds)), tmp)
