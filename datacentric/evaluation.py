"""Test-set metrics and plot data for a fitted classifier's probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    roc_auc_score,
    roc_curve,
)

from datacentric.columns import LABEL, ROW_ID

METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "log_loss", "roc_auc")


def score(y_true: np.ndarray, pred_probs: np.ndarray, classes: np.ndarray) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro-F1, log loss and ROC AUC (one-vs-rest for K > 2).

    ``pred_probs`` has shape (N, K) with columns in ``classes`` order. ROC AUC is NaN when
    ``y_true`` holds a single class.
    """
    y_true = np.asarray(y_true)
    y_pred = classes[pred_probs.argmax(axis=1)]
    present = np.isin(classes, y_true)
    if present.sum() < 2:
        auc = float("nan")
    elif len(classes) == 2:
        auc = roc_auc_score(y_true == classes[1], pred_probs[:, 1])
    else:
        probs = pred_probs[:, present] / pred_probs[:, present].sum(axis=1, keepdims=True)
        auc = roc_auc_score(y_true, probs, multi_class="ovr", labels=classes[present])
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "f1_macro": float(f1_score(y_true, y_pred, average="macro")),
        "log_loss": float(log_loss(y_true, np.clip(pred_probs, 1e-15, 1), labels=classes)),
        "roc_auc": float(auc),
    }


def prediction_table(row_ids: pd.Series, y_true: np.ndarray, pred_probs: np.ndarray,
                     classes: np.ndarray) -> pd.DataFrame:
    """Per test row: ``row_id``, ``label``, ``predicted``, ``correct`` and ``proba_<class>``."""
    predicted = classes[pred_probs.argmax(axis=1)]
    table = pd.DataFrame({ROW_ID: np.asarray(row_ids), LABEL: y_true, "predicted": predicted,
                          "correct": predicted == np.asarray(y_true)})
    for k, label in enumerate(classes):
        table[f"proba_{label}"] = pred_probs[:, k]
    return table


def roc_points(y_true: np.ndarray, pred_probs: np.ndarray, classes: np.ndarray) -> pd.DataFrame:
    """One-vs-rest ROC curves: columns ``class``, ``fpr``, ``tpr``, ``threshold``.

    For two classes only the curve of ``classes[1]`` (the positive class) is returned.
    """
    frames = []
    positives = classes[1:] if len(classes) == 2 else classes
    for label in positives:
        k = int(np.flatnonzero(classes == label)[0])
        is_pos = np.asarray(y_true) == label
        if is_pos.all() or not is_pos.any():
            continue
        fpr, tpr, thresholds = roc_curve(is_pos, pred_probs[:, k])
        frames.append(pd.DataFrame({"class": str(label), "fpr": fpr, "tpr": tpr,
                                    "threshold": np.minimum(thresholds, 1.0)}))
    return pd.concat(frames, ignore_index=True)
