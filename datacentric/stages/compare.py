"""compare: paired effects of every cell against the reference (raw data, first model arm).

Writes results/comparison.json (top-level data_gain, model_gain, combined_gain, interaction
and their intervals, for `dvc exp show`; the verdict), results/effects.csv, and plots
reports/compare/{forest,per_seed}.png.
"""

from __future__ import annotations

import json

import pandas as pd

from datacentric import paths
from datacentric.headtohead import compare_cells, score_matrix, verdict
from datacentric.io import atomic_path, read_input, write_csv, write_json
from datacentric.params import load_params
from datacentric.plots import forest, per_seed, save_png
from datacentric.stages.cell import cell_dir


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    compare = params.compare
    reference = ("raw", compare.model_arms[0])
    predictions = {(d, m): [read_input(cell_dir(d, m, s) / "predictions.parquet")
                            for s in compare.seeds]
                   for d in compare.data_arms for m in compare.model_arms}
    row_order = predictions[reference][0]["row_id"]
    scores = {cell: score_matrix(p, row_order=row_order) for cell, p in predictions.items()}
    effects, summary = compare_cells(scores, reference=reference, n_boot=compare.bootstrap,
                                     alpha=compare.alpha, random_state=params.base.seed)
    summary["verdict"] = verdict(summary, n_seeds=len(compare.seeds), n_rows=len(row_order))
    summary["cells"] = {f"{d}__{m}": float(s.mean()) for (d, m), s in scores.items()}

    seed_scores = pd.DataFrame([{"cell": f"{d} × {m}", "seed": seed, "score": float(row.mean())}
                                for (d, m), s in scores.items()
                                for seed, row in zip(compare.seeds, s, strict=True)])
    write_csv(effects.assign(per_seed=effects["per_seed"].map(json.dumps)), paths.EFFECTS)
    write_json(summary, paths.COMPARISON)
    with atomic_path(paths.REPORTS / "compare" / "forest.png") as tmp:
        save_png(forest(effects), tmp)
    with atomic_path(paths.REPORTS / "compare" / "per_seed.png") as tmp:
        save_png(per_seed(seed_scores), tmp)
