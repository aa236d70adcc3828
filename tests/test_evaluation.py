import numpy as np
import pytest

from datacentric.evaluation import roc_points, score


def test_perfect_binary_scores():
    classes = np.array(["bad", "good"])
    y = np.array(["bad", "good", "good", "bad"])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    metrics = score(y, proba, classes)
    assert metrics["accuracy"] == 1.0 and metrics["roc_auc"] == 1.0
    assert metrics["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.7, 0.6])))
    curve = roc_points(y, proba, classes)
    assert set(curve["class"]) == {"good"}


def test_multiclass_known_values():
    classes = np.array(["a", "b", "c"])
    y = np.array(["a", "b", "c", "c"])
    proba = np.array([[.8, .1, .1], [.1, .8, .1], [.1, .7, .2], [.1, .1, .8]])
    metrics = score(y, proba, classes)
    assert metrics["accuracy"] == 0.75
    assert metrics["balanced_accuracy"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert 0 < metrics["roc_auc"] <= 1
    assert set(roc_points(y, proba, classes)["class"]) == {"a", "b", "c"}
