"""The head-to-head: arms picked on the selection rows, their effects on the test rows, the data
arm against the model arm, and a verdict in plain words.

Every cell (data arm × model arm) is scored twice per seed: on the selection rows, a slice of
the training rows no cell trains on, and on the test rows. The best data arm, the best model
arm and the best combination are picked on the selection rows alone; every effect and interval
is measured on the test rows, which the picking never reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from datacentric.columns import ROW_ID
from datacentric.evaluation import METRICS
from datacentric.stats import Effect, bootstrap_effect, holm, power_to_separate

Cell = tuple[str, str]  # (data arm, model arm)

DATA_VS_MODEL = "data minus model"


def score_matrix(predictions: list[pd.DataFrame], *, row_order: pd.Series) -> np.ndarray:
    """Stack per-seed ``correct`` columns into (S, N), rows aligned on ``row_order``."""
    return np.stack([p.set_index(ROW_ID).loc[row_order, "correct"].to_numpy(np.float64)
                     for p in predictions])


@dataclass(frozen=True)
class Picks:
    """The arms picked on the selection rows: ``data`` (with the reference model), ``model``
    (on the reference data) and ``both`` (the best cell changing data and model)."""

    data: Cell
    model: Cell
    both: Cell | None


def pick_arms(selection_scores: dict[Cell, float], *, reference: Cell) -> Picks:
    """The best cells by selection-row score (mean over seeds); ties go to the first listed.
    Reads nothing but ``selection_scores``."""
    def best(cells: list[Cell]) -> Cell | None:
        return max(cells, key=lambda c: selection_scores[c]) if cells else None

    cells = list(selection_scores)
    data = best([c for c in cells if c[1] == reference[1] and c[0] != reference[0]])
    model = best([c for c in cells if c[0] == reference[0] and c[1] != reference[1]])
    both = best([c for c in cells if c[0] != reference[0] and c[1] != reference[1]])
    return Picks(data=data or reference, model=model or reference, both=both)


EFFECT_COLUMNS = ["data_arm", "model_arm", "versus_data_arm", "versus_model_arm", "contrast",
                  "label", "effect", "low", "high", "p_value", "per_seed"]


def _row(cells: tuple[Cell, Cell], effect: Effect, contrast: str, label: str) -> dict:
    (treated, versus) = cells
    return {"data_arm": treated[0], "model_arm": treated[1], "versus_data_arm": versus[0],
            "versus_model_arm": versus[1], "contrast": contrast, "label": label,
            "effect": effect.mean, "low": effect.low, "high": effect.high,
            "p_value": effect.p_value, "per_seed": list(effect.per_seed)}


def compare_cells(scores: dict[Cell, np.ndarray], picks: Picks, *, reference: Cell,
                  pairs: list[Cell] = (), n_boot: int = 2000, alpha: float = 0.05,
                  random_state: int = 0) -> tuple[pd.DataFrame, dict]:
    """Effects on the test rows of every cell against ``reference``, the interaction of the
    picked data and model arms, and the head-to-head contrasts: the picked data arm (with the
    reference model) minus the picked model arm (on the reference data), and the same for
    every (data arm, model arm) in ``pairs``.

    ``scores`` maps every cell to an (S, N) matrix of per-row test scores (cells paired by
    seed and row). Returns the effects table with Holm-adjusted p-values over all its rows and
    ``real`` (interval excludes zero and adjusted p below ``alpha``), and the summary:
    ``reference`` (``data_arm``, ``model_arm``, mean ``score``), the picks, and
    ``data_gain``, ``model_gain``, ``combined_gain``, ``interaction`` and
    ``data_minus_model``, each with ``_low``,
    ``_high`` and ``_real``, plus the sizes that would separate ``data_minus_model``. Effects are
    in the metric's units (for accuracy a share; ×100 for points).
    """
    base = scores[reference]

    def effect(contrast: np.ndarray) -> Effect:
        return bootstrap_effect(contrast, n_boot=n_boot, alpha=alpha, random_state=random_state)

    rows = [_row((cell, reference), effect(m - base), "vs reference", cell_name(cell))
            for cell, m in scores.items() if cell != reference]
    heads = [(picks.data, picks.model)] + [((d, reference[1]), (reference[0], m))
                                           for d, m in pairs]
    heads = list(dict.fromkeys(h for h in heads if h[0] != h[1]))
    for treated, versus in heads:
        rows.append(_row((treated, versus), effect(scores[treated] - scores[versus]),
                         DATA_VS_MODEL, f"{treated[0]} (data) − {versus[1]} (model)"))
    if picks.data != reference and picks.model != reference:
        both = (picks.data[0], picks.model[1])
        rows.append(_row((both, reference), effect(scores[both] - scores[picks.data]
                                                   - scores[picks.model] + base),
                         "interaction", f"{cell_name(both)} (interaction)"))
    table = pd.DataFrame(rows, columns=EFFECT_COLUMNS)  # columns even when there is one cell
    table["p_adjusted"] = holm(table["p_value"].tolist())
    table["real"] = ((table["low"] > 0) | (table["high"] < 0)) & (table["p_adjusted"] < alpha)

    def figures(treated: Cell | None, versus: Cell, contrast: str) -> dict:
        if treated is None:
            return {"effect": 0.0, "low": 0.0, "high": 0.0, "real": False}
        hit = table[(table["data_arm"] == treated[0]) & (table["model_arm"] == treated[1])
                    & (table["versus_data_arm"] == versus[0])
                    & (table["versus_model_arm"] == versus[1]) & (table["contrast"] == contrast)]
        if hit.empty:  # the reference itself, or nothing to compare
            return {"effect": 0.0, "low": 0.0, "high": 0.0, "real": False}
        return hit.iloc[0][["effect", "low", "high", "real"]].to_dict()

    summary = {"reference": {"data_arm": reference[0], "model_arm": reference[1],
                             "score": float(base.mean())},
               "best_data_arm": picks.data[0], "best_model_arm": picks.model[1],
               "best_both": list(picks.both) if picks.both else None}
    for key, found in (
            ("data_gain", figures(picks.data, reference, "vs reference")),
            ("model_gain", figures(picks.model, reference, "vs reference")),
            ("combined_gain", figures(picks.both, reference, "vs reference")),
            ("interaction", figures((picks.data[0], picks.model[1]), reference, "interaction")),
            ("data_minus_model", figures(picks.data, picks.model, DATA_VS_MODEL))):
        summary[key] = float(found["effect"])
        summary[f"{key}_low"] = float(found["low"])
        summary[f"{key}_high"] = float(found["high"])
        summary[f"{key}_real"] = bool(found["real"])
    # Bonferroni over the table: at least as strict as the Holm correction that decides "real"
    power = power_to_separate(scores[picks.data] - scores[picks.model],
                              alpha=alpha / max(len(table), 1))
    summary["separable_difference"] = power.detectable
    summary["rows_needed"] = power.rows_needed
    summary["seeds_needed"] = power.seeds_needed
    return table, summary


def _points(value: float) -> str:
    """A signed figure to one decimal, or to one significant digit where one decimal would
    print a value that is not zero as ±0.0 (a bound just off zero must not read as zero)."""
    shown = f"{value:+.1f}"
    return f"{value:+.1g}" if value != 0 and float(shown) == 0 else shown


def _judged(real: bool, low: float, high: float) -> str:
    if real:
        return "a real difference"
    if low > 0 or high < 0:
        return "not significant once corrected for the number of comparisons"
    return "the interval contains zero"


def _phrase(key: str, arm: str, summary: dict, points: float) -> str:
    effect, low, high = (summary[key] * points, summary[f"{key}_low"] * points,
                         summary[f"{key}_high"] * points)
    return (f"{arm} changed accuracy by {_points(effect)} points (95% interval {_points(low)} "
            f"to {_points(high)}; {_judged(summary[f'{key}_real'], low, high)})")


def _sizes(summary: dict, *, n_seeds: int, n_rows: int, points: float) -> str:
    """The test rows or seeds (totals) that would separate data from model, and the smallest
    difference the present size separates; none where the picks are right on the same rows
    (a contrast of zero everywhere)."""
    if summary["separable_difference"] == 0 and summary["data_minus_model"] == 0:
        return ("the picked data and model arms were right on the same test rows for every "
                "seed, so no number of rows or seeds would tell them apart")
    ways = []
    # beyond a hundredfold the figure is no plan a team can follow, only a sign of "too small"
    if summary["rows_needed"] is not None and summary["rows_needed"] <= 100 * n_rows:
        ways.append(f"about {summary['rows_needed']:,} test rows (now {n_rows:,})")
    if summary["seeds_needed"] is not None and summary["seeds_needed"] <= 100 * n_seeds:
        ways.append(f"about {summary['seeds_needed']} seeds (now {n_seeds})")
    reach = (f"separating a difference of this size would take {' or '.join(ways)}"
             if ways else "a difference this small would take over a hundred times the test "
                          "rows or seeds to separate")
    return (f"at this size only differences beyond {summary['separable_difference'] * points:.1f}"
            f" points can be told apart, and {reach}")


def _pays(summary: dict, arm: str) -> bool:
    """Whether the picked ``arm`` ("data" or "model") beats the reference for sure."""
    return bool(summary[f"{arm}_gain_real"] and summary[f"{arm}_gain"] > 0)


def verdict(summary: dict, *, n_seeds: int, n_rows: int) -> str:
    """One paragraph a data team can read, its advice taken from the data-minus-model
    contrast; a difference whose interval contains zero is never called real."""
    points = 100.0
    ref = summary["reference"]
    data_arm, model_arm = summary["best_data_arm"], summary["best_model_arm"]
    parts = [_phrase("data_gain", f"The best data arm on the selection rows ('{data_arm}')",
                     summary, points),
             _phrase("model_gain", f"the best model arm ('{model_arm}')", summary, points)]
    if summary["best_both"]:
        both = "' with '".join(summary["best_both"])
        parts.append(_phrase("combined_gain", f"the best combination of both ('{both}')",
                             summary, points))
    difference, low, high = (summary["data_minus_model"] * points,
                             summary["data_minus_model_low"] * points,
                             summary["data_minus_model_high"] * points)
    gap = (f"data minus model {_points(difference)} points, 95% interval {_points(low)} to "
           f"{_points(high)}")
    data_pays, model_pays = _pays(summary, "data"), _pays(summary, "model")
    if summary["data_minus_model_real"]:
        winner, loser = ("data", "model") if difference > 0 else ("model", "data")
        low, high = (low, high) if difference > 0 else (-high, -low)
        beats = (f"Head to head, {winner} beats {loser} by {abs(difference):.1f} points (95% "
                 f"interval {_points(low)} to {_points(high)})")
        advice = f"{beats}. Invest in the {winner} first."
        if not (data_pays if winner == "data" else model_pays):
            advice = (f"{beats}, but it does not beat the reference for sure: keep the "
                      "reference and try other arms.")
    else:
        if low > 0 or high < 0:
            gap += f"; {_judged(False, low, high)}"
        sizes = _sizes(summary, n_seeds=n_seeds, n_rows=n_rows, points=points)
        if data_pays and model_pays:
            advice = f"Both help and they cannot be told apart at this size ({gap}); {sizes}."
        elif data_pays or model_pays:
            helps = "data" if data_pays else "model"
            advice = (f"Only the {helps} arm beats the reference for sure, but head to head the "
                      f"two cannot be told apart at this size ({gap}); {sizes}.")
        else:
            advice = (f"Neither beats the reference for sure, and head to head they cannot be "
                      f"told apart ({gap}); {sizes}.")
    return (f"Against the reference (data '{ref['data_arm']}', model '{ref['model_arm']}', "
            f"accuracy {ref['score'] * points:.1f}% on average over {n_seeds} seeds and "
            f"{n_rows} test rows): {'; '.join(parts)}. {advice}")


def curve_note(summary: dict, curve: dict) -> str | None:
    """A sentence when the cleaning curve and the verdict point different ways, or None.

    ``curve`` is metrics/curve.json: ``audit_minus_random`` with its interval (removing the
    audit's first rows against removing as many random rows)."""
    data_pays = _pays(summary, "data")
    curve_pays = curve["audit_minus_random_low"] > 0
    if data_pays == curve_pays:
        return None
    if data_pays:
        return ("The cleaning curve and the verdict point different ways: the data arm "
                f"'{summary['best_data_arm']}' pays, yet removing the audit's first "
                f"{curve['rows_removed']} rows is not told apart from removing random rows. "
                "They measure different things: the arm changes rows (relabels, reweights or "
                "prunes them by its own rule), the curve only removes them, and removing rows "
                "at random can itself help a model that overfits noisy labels.")
    return ("The cleaning curve and the verdict point different ways: removing the audit's "
            f"first {curve['rows_removed']} rows beats removing random rows, yet no data arm "
            "beats the reference for sure. The audit's order finds rows that matter; the arms' "
            "rules (how many rows, which changes) do not yet turn that into a gain, so try "
            "reviewing the top of the sheet (the 'reviewed' arm) or other prune sizes.")


def cell_name(cell: Cell) -> str:
    """How the page and the plots name a cell: "data arm × model arm"."""
    return f"{cell[0]} × {cell[1]}"


def seed_table(cells_per_seed: dict[str, list[float]], seeds: list[int]) -> pd.DataFrame:
    """Long table ``cell`` (:func:`cell_name`), ``seed``, ``score`` from comparison.json's
    ``cells_per_seed`` (keys ``<data>__<model>``, one mean test score per seed)."""
    return pd.DataFrame([{"cell": cell_name(key.split("__")), "seed": seed, "score": value}
                         for key, values in cells_per_seed.items()
                         for seed, value in zip(seeds, values, strict=True)])


def reference_metrics(cell_metrics: list[dict]) -> dict[str, float]:
    """The reference cell's test metrics (:data:`datacentric.evaluation.METRICS`) averaged over
    its seeds; ``cell_metrics`` are the per-seed metrics.json contents."""
    return {k: float(np.mean([m[k] for m in cell_metrics])) for k in METRICS}
