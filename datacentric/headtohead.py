"""The head-to-head: every cell's paired effect against the reference cell, the best data
arm, the best model arm, both together, their interaction, and a verdict in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datacentric.columns import ROW_ID
from datacentric.stats import Effect, bootstrap_effect, holm

Cell = tuple[str, str]  # (data arm, model arm)


def score_matrix(predictions: list[pd.DataFrame], *, row_order: pd.Series) -> np.ndarray:
    """Stack per-seed ``correct`` columns into (S, N), rows aligned on ``row_order``."""
    return np.stack([p.set_index(ROW_ID).loc[row_order, "correct"].to_numpy(np.float64)
                     for p in predictions])


def _row(cell: Cell, effect: Effect, label: str) -> dict:
    return {"data_arm": cell[0], "model_arm": cell[1], "contrast": label,
            "effect": effect.mean, "low": effect.low, "high": effect.high,
            "p_value": effect.p_value, "per_seed": list(effect.per_seed)}


def compare_cells(scores: dict[Cell, np.ndarray], *, reference: Cell, n_boot: int = 2000,
                  alpha: float = 0.05, random_state: int = 0) -> tuple[pd.DataFrame, dict]:
    """Effects of every cell against ``reference``, plus the headline figures.

    Returns the effects table (one row per non-reference cell, then the interaction) with
    Holm-adjusted p-values and a ``real`` column (interval excludes zero and adjusted p below
    ``alpha``), and a summary dict with ``data_gain``, ``model_gain``, ``combined_gain``,
    ``interaction`` (each with ``_low`` and ``_high``) and the arms they name. Effects are in
    the metric's units (for accuracy, a share; ×100 for points).
    """
    base = scores[reference]

    def effect(contrast: np.ndarray) -> Effect:
        return bootstrap_effect(contrast, n_boot=n_boot, alpha=alpha, random_state=random_state)

    rows = [_row(cell, effect(m - base), "vs reference") for cell, m in scores.items()
            if cell != reference]
    table = pd.DataFrame(rows)
    data_rows = table[(table["model_arm"] == reference[1])]
    model_rows = table[(table["data_arm"] == reference[0])]
    best_data = data_rows.loc[data_rows["effect"].idxmax(), "data_arm"] if len(data_rows) \
        else reference[0]
    best_model = model_rows.loc[model_rows["effect"].idxmax(), "model_arm"] if len(model_rows) \
        else reference[1]
    combined_cell = (best_data, best_model)
    interaction = effect(scores[combined_cell] - scores[(best_data, reference[1])]
                         - scores[(reference[0], best_model)] + base)
    table = pd.concat([table, pd.DataFrame([_row(combined_cell, interaction, "interaction")])],
                      ignore_index=True)
    table["p_adjusted"] = holm(table["p_value"].tolist())
    table["real"] = ((table["low"] > 0) | (table["high"] < 0)) & (table["p_adjusted"] < alpha)

    def pick(data_arm: str, model_arm: str, contrast: str = "vs reference") -> dict:
        hit = table[(table["data_arm"] == data_arm) & (table["model_arm"] == model_arm)
                    & (table["contrast"] == contrast)]
        if hit.empty:  # the reference itself
            return {"effect": 0.0, "low": 0.0, "high": 0.0, "real": False}
        return hit.iloc[0][["effect", "low", "high", "real"]].to_dict()

    summary = {"reference": {"data_arm": reference[0], "model_arm": reference[1],
                             "score": float(base.mean())},
               "best_data_arm": best_data, "best_model_arm": best_model}
    for name, figures in (("data_gain", pick(best_data, reference[1])),
                          ("model_gain", pick(reference[0], best_model)),
                          ("combined_gain", pick(best_data, best_model)),
                          ("interaction", pick(best_data, best_model, "interaction"))):
        summary[name] = float(figures["effect"])
        summary[f"{name}_low"] = float(figures["low"])
        summary[f"{name}_high"] = float(figures["high"])
        summary[f"{name}_real"] = bool(figures["real"])
    return table, summary


def _phrase(name: str, arm: str, summary: dict, points: float) -> str:
    effect, low, high = (summary[name] * points, summary[f"{name}_low"] * points,
                         summary[f"{name}_high"] * points)
    if summary[f"{name}_real"]:
        judged = "a real difference"
    elif low > 0 or high < 0:
        judged = "not significant once corrected for the number of comparisons"
    else:
        judged = "the interval contains zero, so it is not distinguishable from noise"
    return (f"{arm} changed accuracy by {effect:+.1f} points (95% interval {low:+.1f} to "
            f"{high:+.1f}; {judged})")


def verdict(summary: dict, *, n_seeds: int, n_rows: int) -> str:
    """One paragraph a data team can read; a difference whose interval contains zero is never
    called real."""
    points = 100.0
    ref = summary["reference"]
    data_part = _phrase("data_gain", f"The best data improvement ('{summary['best_data_arm']}')",
                        summary, points)
    model_part = _phrase("model_gain",
                         f"the best model change ('{summary['best_model_arm']}')", summary, points)
    both = _phrase("combined_gain", "doing both", summary, points)
    # a real difference pays only when it is a gain; a real loss says keep the reference
    data_pays = summary["data_gain_real"] and summary["data_gain"] > 0
    model_pays = summary["model_gain_real"] and summary["model_gain"] > 0
    if data_pays and not model_pays:
        advice = "Invest in the data first."
    elif model_pays and not data_pays:
        advice = "Invest in the model first."
    elif data_pays and model_pays:
        advice = ("Both pay; the larger effect is the "
                  f"{'data' if summary['data_gain'] >= summary['model_gain'] else 'model'}.")
    elif summary["data_gain_real"] or summary["model_gain_real"]:
        advice = ("Neither pays: the real differences are losses, so keep the reference and "
                  "try other arms.")
    else:
        advice = ("Neither is distinguishable from noise yet; more seeds, more test rows or "
                  "reviewed labels would tell them apart.")
    return (f"Against the reference (data '{ref['data_arm']}', model '{ref['model_arm']}', "
            f"accuracy {ref['score'] * points:.1f}%), over {n_seeds} seeds and {n_rows} test "
            f"rows: {data_part}; {model_part}; {both}. {advice}")
