"""Head-to-head figures on constructed score matrices with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import roles_of

from datacentric.cleaning import review_order
from datacentric.columns import LABEL, ROW_ID
from datacentric.errors import DatacentricError
from datacentric.headtohead import (
    DATA_VS_MODEL,
    Picks,
    compare_cells,
    pick_arms,
    verdict,
)
from datacentric.params import Params
from datacentric.selection import selection_rows
from datacentric.stages import cell as cell_stage


def _scores(shift_data: float, shift_model: float, *, n_rows: int = 3000, seed: int = 0):
    rng = np.random.default_rng(seed)
    base = np.tile((rng.random(n_rows) < 0.7).astype(float), (5, 1))

    def shifted(share: float) -> np.ndarray:
        out = base.copy()
        wrong = np.flatnonzero(base[0] == 0)
        out[:, wrong[: int(share * n_rows)]] = 1.0
        return out

    return {("raw", "hgb"): base, ("prune", "hgb"): shifted(shift_data),
            ("raw", "mlp"): shifted(shift_model), ("prune", "mlp"): shifted(shift_data)}


PICKS = Picks(data=("prune", "hgb"), model=("raw", "mlp"), both=("prune", "mlp"))


def _independent(effect: float, *, n_rows: int, seed: int) -> np.ndarray:
    """Five seeds of per-row correctness at 70% + ``effect``, drawn independently per cell
    (arms that err on different rows, as real arms do)."""
    rng = np.random.default_rng(seed)
    return (rng.random((5, n_rows)) < 0.7 + effect).astype(float)


def test_a_real_data_gain_and_no_model_gain():
    table, summary = compare_cells(_scores(0.03, 0.0), PICKS, reference=("raw", "hgb"),
                                   n_boot=500)
    assert summary["best_data_arm"] == "prune"
    assert summary["data_gain"] == pytest.approx(0.03, abs=2e-3) and summary["data_gain_real"]
    assert summary["model_gain"] == 0 and not summary["model_gain_real"]
    assert summary["model_gain_low"] <= 0 <= summary["model_gain_high"]
    assert summary["interaction"] == pytest.approx(0.0, abs=1e-9)
    assert set(table["contrast"]) == {"vs reference", "interaction", DATA_VS_MODEL}
    assert summary["data_minus_model"] == pytest.approx(0.03, abs=2e-3)
    text = verdict(summary, n_seeds=5, n_rows=3000)
    assert "data beats model by 3.0 points" in text and "Invest in the data first." in text


def test_equal_data_and_model_effects_cannot_be_told_apart():
    reference = _independent(0.0, n_rows=2000, seed=0)
    cells = {("raw", "hgb"): reference, ("prune", "hgb"): _independent(0.04, n_rows=2000, seed=1),
             ("raw", "mlp"): _independent(0.04, n_rows=2000, seed=2),
             ("prune", "mlp"): _independent(0.04, n_rows=2000, seed=3)}
    _, summary = compare_cells(cells, PICKS, reference=("raw", "hgb"), n_boot=500)
    assert summary["data_gain_real"] and summary["model_gain_real"]
    assert not summary["data_minus_model_real"]
    assert summary["data_minus_model_low"] <= 0 <= summary["data_minus_model_high"]
    text = verdict(summary, n_seeds=5, n_rows=2000)
    assert "Both help and they cannot be told apart at this size" in text
    assert "Invest" not in text and "can be told apart" in text


@pytest.mark.parametrize("data_minus_model", [0.03, -0.03])
def test_a_planted_three_point_difference_is_found_with_its_sign(data_minus_model):
    gains = {"data": 0.03 + max(data_minus_model, 0), "model": 0.03 + max(-data_minus_model, 0)}
    cells = {("raw", "hgb"): _independent(0.0, n_rows=3000, seed=0),
             ("prune", "hgb"): _independent(gains["data"], n_rows=3000, seed=1),
             ("raw", "mlp"): _independent(gains["model"], n_rows=3000, seed=2),
             ("prune", "mlp"): _independent(0.06, n_rows=3000, seed=3)}
    _, summary = compare_cells(cells, PICKS, reference=("raw", "hgb"), n_boot=500)
    assert summary["data_minus_model"] == pytest.approx(data_minus_model, abs=0.01)
    assert summary["data_minus_model_real"]
    winner = "data beats model" if data_minus_model > 0 else "model beats data"
    assert winner in verdict(summary, n_seeds=5, n_rows=3000)


def test_listed_pairs_get_their_own_contrast():
    table, _ = compare_cells(_scores(0.03, 0.01), PICKS, reference=("raw", "hgb"),
                             pairs=[("prune", "mlp")], n_boot=200)
    heads = table[table["contrast"] == DATA_VS_MODEL]
    assert heads["label"].tolist() == ["prune (data) − mlp (model)"]  # the picked pair, once


def test_a_single_cell_has_nothing_to_compare_and_says_so():
    cells = {("raw", "hgb"): _independent(0.0, n_rows=500, seed=0)}
    picks = pick_arms({("raw", "hgb"): 0.7}, reference=("raw", "hgb"))
    table, summary = compare_cells(cells, picks, reference=("raw", "hgb"), n_boot=200)
    assert table.empty and summary["data_minus_model"] == 0
    assert "Neither beats the reference" in verdict(summary, n_seeds=5, n_rows=500)


def test_the_picks_follow_the_selection_rows_alone():
    selection = {("raw", "hgb"): 0.70, ("prune", "hgb"): 0.71, ("relabel", "hgb"): 0.74,
                 ("raw", "mlp"): 0.69, ("raw", "tuned"): 0.72, ("prune", "mlp"): 0.60,
                 ("relabel", "mlp"): 0.75, ("prune", "tuned"): 0.73, ("relabel", "tuned"): 0.70}
    picks = pick_arms(selection, reference=("raw", "hgb"))
    assert picks == Picks(data=("relabel", "hgb"), model=("raw", "tuned"),
                          both=("relabel", "mlp"))


def test_an_interval_containing_zero_is_never_called_real():
    _, summary = compare_cells(_scores(0.0, 0.0), PICKS, reference=("raw", "hgb"), n_boot=300)
    for name in ("data_gain", "model_gain", "combined_gain"):
        assert summary[f"{name}_low"] <= 0 <= summary[f"{name}_high"]
        assert not summary[f"{name}_real"]
    text = verdict(summary, n_seeds=5, n_rows=3000)
    assert "a real difference" not in text and "Neither beats the reference" in text


def test_real_losses_are_not_called_paying():
    rng = np.random.default_rng(0)
    base = np.tile((rng.random(3000) < 0.7).astype(float), (5, 1))
    worse = base.copy()
    worse[:, np.flatnonzero(base[0] == 1)[:150]] = 0.0  # 5 points lost
    cells = {("raw", "hgb"): base, ("prune", "hgb"): worse, ("raw", "mlp"): worse,
             ("prune", "mlp"): worse}
    _, summary = compare_cells(cells, PICKS, reference=("raw", "hgb"), n_boot=500)
    assert summary["data_gain_real"] and summary["data_gain"] < 0
    text = verdict(summary, n_seeds=5, n_rows=3000)
    assert "Neither beats the reference" in text and "Invest" not in text


def test_picks_right_on_the_same_rows_are_said_to_be_inseparable_at_any_size():
    """Every arm predicting the majority class (HSAUR::schizophrenia2 once its subjects are
    kept apart): no size separates them, and the verdict says so rather than "0.0 points"."""
    base = (np.random.default_rng(0).random((5, 300)) < 0.7).astype(float)
    cells = {key: base for key in (("raw", "hgb"), ("prune", "hgb"), ("raw", "mlp"),
                                   ("prune", "mlp"))}
    _, summary = compare_cells(cells, PICKS, reference=("raw", "hgb"), n_boot=200)
    text = verdict(summary, n_seeds=5, n_rows=300)
    assert ("the picked data and model arms were right on the same test rows for every seed, so "
            "no number of rows or seeds would tell them apart") in text
    assert "beyond 0.0 points" not in text


def test_an_interval_just_off_zero_reads_as_such_in_the_verdict():
    """Figures from a 32,735-row table: the data-minus-model interval ends 0.0004 below zero
    but is not significant once Holm-corrected; one decimal would print it as -0.0."""
    figure = {"effect": 0.0, "low": -0.001, "high": 0.001, "real": False}
    summary = {"reference": {"data_arm": "raw", "model_arm": "hgb", "score": 0.986},
               "best_data_arm": "reweight", "best_model_arm": "tuned", "best_both": None,
               "separable_difference": 0.004, "rows_needed": 38_100, "seeds_needed": None}
    for key, values in (("data_gain", figure), ("model_gain", figure),
                        ("data_minus_model", {"effect": -0.002, "low": -0.004,
                                              "high": -0.0004, "real": False})):
        summary.update({key: values["effect"], **{f"{key}_{k}": v for k, v in values.items()
                                                 if k != "effect"}})
    text = verdict(summary, n_seeds=5, n_rows=8182)
    assert ("cannot be told apart (data minus model -0.2 points, 95% interval -0.4 to -0.04; "
            "not significant once corrected for the number of comparisons)") in text
    assert "(95% interval -0.1 to +0.1; the interval contains zero)" in text


def test_selection_rows_are_stratified_seeded_and_spare_rare_classes():
    frame = pd.DataFrame({ROW_ID: [f"r{i}" for i in range(103)],
                          LABEL: ["a"] * 60 + ["b"] * 40 + ["c"] * 3})
    chosen = selection_rows(frame, fraction=0.2, random_state=0)
    assert frame[chosen][LABEL].value_counts().to_dict() == {"a": 12, "b": 8}
    assert chosen.equals(selection_rows(frame.sample(frac=1, random_state=1).sort_index(),
                                        fraction=0.2, random_state=0))
    assert not chosen.equals(selection_rows(frame, fraction=0.2, random_state=1))


def test_the_selection_slice_takes_whole_subjects():
    frame = pd.DataFrame({ROW_ID: [f"r{i}" for i in range(300)],
                          LABEL: ["a", "b", "c"] * 100,
                          "visitor": [f"v{i // 3}" if i % 10 else None for i in range(300)]})
    chosen = selection_rows(frame, fraction=0.2, random_state=0, group="visitor")
    picked, left = frame[chosen], frame[~chosen]
    assert not set(picked["visitor"].dropna()) & set(left["visitor"].dropna())
    assert 0.1 < chosen.mean() < 0.3 and picked["visitor"].isna().any()
    plain = selection_rows(frame, fraction=0.2, random_state=0)  # without it, subjects straddle
    assert set(frame[plain]["visitor"].dropna()) & set(frame[~plain]["visitor"].dropna())
    # a visitor with rows in several classes: the slice does not depend on the rows' order
    shuffled = frame.sample(frac=1, random_state=3)
    again = selection_rows(shuffled, fraction=0.2, random_state=0, group="visitor")
    assert set(shuffled[again][ROW_ID]) == set(picked[ROW_ID])


def test_an_empty_selection_slice_is_refused_naming_the_param():
    frame = pd.DataFrame({ROW_ID: [f"r{i}" for i in range(7)], LABEL: ["a"] * 4 + ["b"] * 3})
    with pytest.raises(DatacentricError, match=r"compare.selection_fraction \(0.2\) leaves no "
                                               r"selection rows: the largest class has 4"):
        cell_stage.split_selection(frame, frame, Params())

def test_review_order_puts_consensus_first_and_random_is_seeded():
    issues = pd.DataFrame({ROW_ID: list("abcd"), "split": ["train", "train", "train", "test"],
                           "is_label_issue": [False, True, True, True],
                           "stability": [0.0, 0.5, 1.0, 1.0], "label_score": [0.9, 0.1, 0.4, 0]})
    assert review_order(issues).tolist() == ["c", "b", "a"]
    assert review_order(issues, random_state=1).tolist() == \
        review_order(issues, random_state=1).tolist()
    assert "d" not in set(review_order(issues, random_state=1))


@pytest.mark.parametrize(("model_arm", "search"), [("tuned", "tune_hgb"),
                                                   ("tuned_mlp", "tune_torch")])
def test_test_rows_never_reach_the_tuning_search(model_arm, search, monkeypatch):
    rng = np.random.default_rng(0)
    train = pd.DataFrame({ROW_ID: [f"tr{i}" for i in range(120)], "x": rng.normal(size=120),
                          LABEL: rng.choice(["a", "b"], 120)})
    test = pd.DataFrame({ROW_ID: [f"te{i}" for i in range(40)], "x": rng.normal(size=40) + 50,
                         LABEL: rng.choice(["a", "b"], 40)})
    seen = []
    real = getattr(cell_stage, search)

    def spy(X, y, sample_weight=None, **kwargs):
        seen.append(np.asarray(X).copy())
        return real(X, y, sample_weight, **kwargs)

    monkeypatch.setattr(cell_stage, search, spy)
    params = Params.model_validate({"compare": {"tune_trials": 3},
                                    "train": {"torch": {"max_epochs": 3}}})
    predictions, _ = cell_stage.run_cell(train, test, roles_of(train), model_arm, params, seed=0)
    assert len(seen) == 1 and len(seen[0]) == len(train)
    assert np.abs(seen[0]).max() < 10  # test rows sit 50 standard deviations away
    assert predictions[ROW_ID].tolist() == test[ROW_ID].tolist()


def test_an_xgb_cell_trains_on_category_codes_and_predicts_every_test_row():
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "green", "blue", "grey"], 400)
    frame = pd.DataFrame({ROW_ID: [f"r{i}" for i in range(400)], "colour": colour,
                          "x": rng.normal(size=400),
                          LABEL: np.where(np.isin(colour, ["red", "grey"]), "a", "b")})
    train, test = frame.iloc[:300].reset_index(drop=True), frame.iloc[300:].reset_index(drop=True)
    predictions, _ = cell_stage.run_cell(train, test, roles_of(train), "xgb", Params(), seed=0)
    assert predictions[ROW_ID].tolist() == test[ROW_ID].tolist()
    assert predictions["correct"].all()
