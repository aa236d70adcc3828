"""The statistics on constructed inputs with known answers."""

import numpy as np
import pytest

from datacentric.stats import bootstrap_effect, holm


def test_identical_arms_give_an_interval_containing_zero():
    rng = np.random.default_rng(0)
    correct = rng.random((5, 500)) < 0.8
    effect = bootstrap_effect(correct.astype(float) - correct.astype(float))
    assert effect.mean == 0 and effect.low <= 0 <= effect.high and effect.p_value == 1.0
    assert not effect.excludes_zero


def test_a_constant_shift_is_found_with_sign_and_size():
    rng = np.random.default_rng(1)
    reference = (rng.random((5, 2000)) < 0.7).astype(float)
    treated = reference.copy()
    flips = rng.choice(2000, 100, replace=False)  # 5 points more rows correct, every seed
    treated[:, flips] = 1.0
    gain = (treated - reference).mean()
    effect = bootstrap_effect(treated - reference, n_boot=1000)
    assert effect.mean == pytest.approx(gain)
    assert 0 < effect.low < gain < effect.high and effect.excludes_zero
    assert effect.p_value < 0.01
    worse = bootstrap_effect(reference - treated, n_boot=1000)
    assert worse.high < 0 and worse.mean == pytest.approx(-gain)


def test_seed_noise_widens_the_interval():
    rng = np.random.default_rng(2)
    noise = rng.normal(0, 0.05, size=(5, 1))
    contrast = np.broadcast_to(noise, (5, 800)).copy()
    effect = bootstrap_effect(contrast)
    assert effect.low < 0 < effect.high  # per-seed swings, no consistent shift


def test_holm_changes_a_borderline_p_value():
    raw = [0.04, 0.01, 0.30]
    adjusted = holm(raw)
    assert raw[0] < 0.05 < adjusted[0]
    assert adjusted == pytest.approx([0.08, 0.03, 0.30])
    assert holm([0.5]) == [0.5]
