"""evaluate: score the trained model on the held-out test rows.

Writes metrics/evaluate.json (accuracy, balanced accuracy, macro-F1, log loss, ROC AUC),
data/predictions/test.parquet, and plot data reports/evaluate/{confusion,roc}.json.
"""

from __future__ import annotations

import numpy as np

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID
from datacentric.errors import DatacentricError
from datacentric.evaluation import prediction_table, roc_points, score
from datacentric.io import read_input, write_json, write_parquet
from datacentric.models.persist import load_estimator
from datacentric.stages.train import split_xy


def load_model():
    found = sorted(paths.MODEL_DIR.glob("model.*"))
    if not found:
        raise DatacentricError(f"{paths.MODEL_DIR}: no trained model; the `train` stage "
                               f"writes it: run `dvc repro train`.")
    return load_estimator(found[0])


def main() -> None:
    test = read_input(paths.FEATURES_TEST)
    model = load_model()
    X, y, _ = split_xy(test)
    unseen = sorted(set(y) - set(model.classes_))
    if unseen:
        raise DatacentricError(
            f"{paths.FEATURES_TEST}: test labels {unseen} never occur in the training rows."
        )
    pred_probs = model.predict_proba(X.to_numpy(np.float32))
    classes = np.asarray(model.classes_)
    predictions = prediction_table(test[ROW_ID], y, pred_probs, classes)

    write_parquet(predictions, paths.PREDICTIONS)
    write_json(score(y, pred_probs, classes), paths.METRICS / "evaluate.json")
    write_json({"confusion": predictions.rename(columns={LABEL: "actual"})[
        ["actual", "predicted"]].to_dict("records")}, paths.EVALUATE_PLOTS / "confusion.json")
    write_json({"roc": roc_points(y, pred_probs, classes).to_dict("records")},
               paths.EVALUATE_PLOTS / "roc.json")
