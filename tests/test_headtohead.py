"""Head-to-head figures on constructed score matrices with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import roles_of

from datacentric.cleaning import review_order
from datacentric.columns import LABEL, ROW_ID
from datacentric.headtohead import compare_cells, verdict
from datacentric.params import Params
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


def test_a_real_data_gain_and_no_model_gain():
    table, summary = compare_cells(_scores(0.03, 0.0), reference=("raw", "hgb"), n_boot=500)
    assert summary["best_data_arm"] == "prune"
    assert summary["data_gain"] == pytest.approx(0.03, abs=2e-3) and summary["data_gain_real"]
    assert summary["model_gain"] == 0 and not summary["model_gain_real"]
    assert summary["model_gain_low"] <= 0 <= summary["model_gain_high"]
    assert summary["interaction"] == pytest.approx(0.0, abs=1e-9)
    assert set(table["contrast"]) == {"vs reference", "interaction"}
    text = verdict(summary, n_seeds=5, n_rows=3000)
    assert "Invest in the data first." in text and "+3.0 points" in text


def test_an_interval_containing_zero_is_never_called_real():
    _, summary = compare_cells(_scores(0.0, 0.0), reference=("raw", "hgb"), n_boot=300)
    for name in ("data_gain", "model_gain", "combined_gain"):
        assert summary[f"{name}_low"] <= 0 <= summary[f"{name}_high"]
        assert not summary[f"{name}_real"]
    text = verdict(summary, n_seeds=5, n_rows=3000)
    assert "a real difference" not in text and "Neither is distinguishable" in text


def test_real_losses_are_not_called_paying():
    rng = np.random.default_rng(0)
    base = np.tile((rng.random(3000) < 0.7).astype(float), (5, 1))
    worse = base.copy()
    worse[:, np.flatnonzero(base[0] == 1)[:150]] = 0.0  # 5 points lost
    cells = {("raw", "hgb"): base, ("prune", "hgb"): worse, ("raw", "mlp"): worse,
             ("prune", "mlp"): worse}
    _, summary = compare_cells(cells, reference=("raw", "hgb"), n_boot=500)
    assert summary["data_gain_real"] and summary["data_gain"] < 0
    text = verdict(summary, n_seeds=5, n_rows=3000)
    assert "Neither pays" in text and "pay;" not in text and "Invest" not in text


def test_review_order_puts_consensus_first_and_random_is_seeded():
    issues = pd.DataFrame({ROW_ID: list("abcd"), "split": ["train", "train", "train", "test"],
                           "is_label_issue": [False, True, True, True],
                           "stability": [0.0, 0.5, 1.0, 1.0], "label_score": [0.9, 0.1, 0.4, 0]})
    assert review_order(issues).tolist() == ["c", "b", "a"]
    assert review_order(issues, random_state=1).tolist() == \
        review_order(issues, random_state=1).tolist()
    assert "d" not in set(review_order(issues, random_state=1))


def test_test_rows_never_reach_the_tuning_search(monkeypatch):
    rng = np.random.default_rng(0)
    train = pd.DataFrame({ROW_ID: [f"tr{i}" for i in range(120)], "x": rng.normal(size=120),
                          LABEL: rng.choice(["a", "b"], 120)})
    test = pd.DataFrame({ROW_ID: [f"te{i}" for i in range(40)], "x": rng.normal(size=40) + 50,
                         LABEL: rng.choice(["a", "b"], 40)})
    seen = []
    real = cell_stage.tune_hgb

    def spy(X, y, sample_weight=None, **kwargs):
        seen.append(np.asarray(X).copy())
        return real(X, y, sample_weight, **kwargs)

    monkeypatch.setattr(cell_stage, "tune_hgb", spy)
    params = Params.model_validate({"compare": {"tune_trials": 3}})
    predictions = cell_stage.run_cell(train, test, roles_of(train), "tuned", params, seed=0)
    assert len(seen) == 1 and len(seen[0]) == len(train)
    assert np.abs(seen[0]).max() < 10  # test rows sit 50 standard deviations away
    assert predictions[ROW_ID].tolist() == test[ROW_ID].tolist()
