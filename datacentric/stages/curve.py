"""curve: what removing the top n flagged rows buys, against removing n random rows.

Trains the reference model arm on the rows the reference cell trains on (the validated training
rows outside the selection slice) minus the first n of them in the audit's review order, and in
a seeded random order, for every n in compare.curve_sizes and every seed, never taking a class
below clean.min_per_class rows; n = 0 is the reference cell itself. Writes
results/cleaning_curve.csv, reports/compare/cleaning_curve.png and metrics/curve.json
(accuracy change per hundred rows reviewed, with its interval).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from datacentric import paths
from datacentric.cleaning import first_removable, review_order
from datacentric.columns import ROW_ID
from datacentric.io import atomic_path, read_input, read_json_input, write_csv, write_json
from datacentric.params import Params, load_params
from datacentric.plots import cleaning_curve, save_png
from datacentric.roles import TableRoles
from datacentric.seeds import map_seeds
from datacentric.stages.cell import cell_workers, run_cell, split_selection
from datacentric.stats import bootstrap_effect


def _seed_curve(train: pd.DataFrame, test: pd.DataFrame, issues: pd.DataFrame,
                roles: TableRoles, model_arm: str, params: Params, sizes: list[int], seed: int
                ) -> dict[tuple[str, int], np.ndarray]:
    """Per (order, rows removed): which test rows ``seed``'s model gets right."""
    correct = {}
    orders = {"audit": review_order(issues), "random": review_order(issues, random_state=seed)}
    for order, ranked in orders.items():
        ranked = ranked[ranked.isin(train[ROW_ID])]  # selection rows are never trained on
        for n in sizes:
            if n == 0 and order == "random":
                correct[(order, 0)] = correct[("audit", 0)]
                continue
            removed = first_removable(train, ranked, n, min_per_class=params.clean.min_per_class)
            kept = train[~train[ROW_ID].isin(removed)].reset_index(drop=True)
            table, _ = run_cell(kept, test, roles, model_arm, params, seed)
            correct[(order, n)] = table["correct"].to_numpy(float)
    return correct


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    compare = params.compare
    model_arm = compare.model_arms[0]
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    validated = read_input(paths.VALIDATED_TRAIN)
    train, _ = split_selection(validated, validated, params, group=roles.group)
    test = read_input(paths.VALIDATED_TEST)
    issues = read_input(paths.LABEL_ISSUES)
    sizes = sorted(set(compare.curve_sizes) | {0})
    run = partial(_seed_curve, train, test, issues, roles, model_arm, params, sizes)
    correct: dict[tuple[str, int], list[np.ndarray]] = {}
    workers = cell_workers(model_arm, params, len(compare.seeds))
    for runs in map_seeds(run, compare.seeds, workers=workers):
        for key, run_correct in runs.items():
            correct.setdefault(key, []).append(run_correct)
    rows = []
    for (order, n), runs in correct.items():
        effect = bootstrap_effect(np.stack(runs), n_boot=compare.bootstrap,
                                  alpha=compare.alpha, random_state=params.base.seed)
        rows.append({"order": order, "removed": n, "mean": effect.mean, "low": effect.low,
                     "high": effect.high})
    curve = pd.DataFrame(rows).sort_values(["order", "removed"], ignore_index=True)
    largest = sizes[-1]
    gain = bootstrap_effect(np.stack(correct[("audit", largest)]) - np.stack(correct[("audit", 0)]),
                            n_boot=compare.bootstrap, alpha=compare.alpha,
                            random_state=params.base.seed)
    versus_random = bootstrap_effect(
        np.stack(correct[("audit", largest)]) - np.stack(correct[("random", largest)]),
        n_boot=compare.bootstrap, alpha=compare.alpha, random_state=params.base.seed)
    per_hundred = 100.0 / largest if largest else 0.0
    write_csv(curve, paths.CURVE)
    write_json({"model_arm": model_arm, "rows_removed": largest,
                "gain_per_100_rows": gain.mean * per_hundred,
                "gain_per_100_rows_low": gain.low * per_hundred,
                "gain_per_100_rows_high": gain.high * per_hundred,
                "audit_minus_random": versus_random.mean,
                "audit_minus_random_low": versus_random.low,
                "audit_minus_random_high": versus_random.high}, paths.METRICS / "curve.json")
    with atomic_path(paths.REPORTS / "compare" / "cleaning_curve.png") as tmp:
        save_png(cleaning_curve(curve), tmp)
