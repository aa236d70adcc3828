"""The statistics on constructed inputs with known answers."""

import numpy as np
import pytest

from datacentric.stats import bootstrap_effect, holm, power_to_separate, variance_components


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


def _crossed(seed_sd: float, row_sd: float, residual_sd: float, *, n_seeds: int = 5,
             n_rows: int = 3000, mean: float = 0.0, random_state: int = 0) -> np.ndarray:
    rng = np.random.default_rng(random_state)
    return (mean + seed_sd * rng.normal(size=(n_seeds, 1)) + row_sd * rng.normal(size=(1, n_rows))
            + residual_sd * rng.normal(size=(n_seeds, n_rows)))


def test_variance_components_recover_a_crossed_design():
    components = variance_components(_crossed(0.5, 1.0, 2.0, n_seeds=40, n_rows=4000))
    assert components.seed == pytest.approx(0.25, rel=0.5)
    assert components.row == pytest.approx(1.0, rel=0.1)
    assert components.residual == pytest.approx(4.0, rel=0.05)


@pytest.mark.parametrize("shape", [(5, 2000), (1, 2000), (3, 500)])
def test_the_power_estimate_uses_the_bootstrap_s_own_variance(shape):
    contrast = _crossed(0.05, 0.3, 0.5, n_seeds=shape[0], n_rows=shape[1])
    predicted = np.sqrt(variance_components(contrast).bootstrap_variance(*shape))
    assert predicted == pytest.approx(bootstrap_effect(contrast, n_boot=2000).se, rel=0.2)


def test_sizes_needed_separate_an_effect_of_the_observed_size():
    contrast = _crossed(0.0, 0.3, 0.5, mean=0.03, n_rows=1000)
    power = power_to_separate(contrast)
    assert power.rows_needed > 1000
    assert power.seeds_needed is None  # the test rows' own variance: more seeds cannot help
    components = variance_components(contrast)
    z = 1.959964 + 0.841621
    effect = abs(contrast.mean())
    assert z * np.sqrt(components.bootstrap_variance(5, power.rows_needed)) <= effect
    assert z * np.sqrt(components.bootstrap_variance(5, power.rows_needed - 1)) > effect
    assert power.detectable > effect  # not separable at the current size
    assert power_to_separate(np.zeros((5, 100))).rows_needed is None


def test_seed_noise_is_separated_by_more_seeds_not_rows():
    contrast = _crossed(0.01, 0.0, 0.05, mean=0.006, n_seeds=5, n_rows=2000, random_state=1)
    power = power_to_separate(contrast)
    assert power.seeds_needed > 5 and power.rows_needed is None


def test_the_bootstrap_does_not_depend_on_the_order_of_the_rows():
    rng = np.random.default_rng(3)
    contrast = (rng.random((5, 3000)) < 0.8).astype(float) - (rng.random((5, 3000)) < 0.75)
    shuffled = contrast[:, rng.permutation(3000)]
    assert bootstrap_effect(contrast) == bootstrap_effect(shuffled)


def test_continuous_scores_drawn_a_few_resamples_at_a_time_keep_the_bootstrap_s_variance():
    contrast = _crossed(0.05, 0.3, 0.5, n_seeds=3, n_rows=4000)  # every row its own pattern
    predicted = np.sqrt(variance_components(contrast).bootstrap_variance(3, 4000))
    small_batches = bootstrap_effect(contrast, n_boot=1000, memory_cells=3 * 4000)
    assert small_batches.se == pytest.approx(predicted, rel=0.2)
    assert small_batches.mean == pytest.approx(contrast.mean())


def test_a_million_test_rows_of_correctness_keep_the_bootstrap_s_variance():
    rng = np.random.default_rng(4)
    reference = rng.random((5, 1_000_000)) < 0.7
    treated = reference | (rng.random((5, 1_000_000)) < 0.02)
    contrast = treated.astype(float) - reference
    predicted = np.sqrt(variance_components(contrast).bootstrap_variance(5, 1_000_000))
    effect = bootstrap_effect(contrast)
    assert effect.low < contrast.mean() < effect.high and effect.excludes_zero
    assert effect.se == pytest.approx(predicted, rel=0.2)
