"""cell: one cell of the head-to-head, a data arm × model arm × seed, trained and evaluated once.

The seed fixes every random choice in the cell (model initialisation, shuffling, the early
stopping or tuning validation slice), so cells with the same seed are paired. Writes
results/cells/<data>__<model>__<seed>/{predictions.parquet,metrics.json}.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID, WEIGHT
from datacentric.evaluation import prediction_table, score
from datacentric.features import FeatureOptions, categorical_mask, featurize_splits
from datacentric.io import atomic_path, read_input, read_json_input
from datacentric.models.zoo import encoding_for, fit_model, make_model
from datacentric.params import Params, load_params
from datacentric.roles import TableRoles
from datacentric.tuning import tune_hgb


def cell_dir(data_arm: str, model_arm: str, seed: int):
    return paths.CELLS / f"{data_arm}__{model_arm}__{seed}"


def fit_arm(model_arm: str, X: pd.DataFrame, y: np.ndarray, weights: np.ndarray | None,
            params: Params, seed: int):
    """A fitted classifier for ``model_arm`` (a zoo model, or ``tuned``) on featurized training
    rows ``X`` in the arm's encoding (:func:`encoding_for`)."""
    mask = categorical_mask(X.columns)
    X = X.to_numpy(np.float32)
    if model_arm == "tuned":
        model, _ = tune_hgb(X, y, weights, categorical_features=mask,
                            n_trials=params.compare.tune_trials, random_state=seed)
        return model
    model = make_model(model_arm, params.train, random_state=seed, categorical_features=mask)
    return fit_model(model, X, y, sample_weight=weights)


def cell_classes(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """The sorted classes of either split, the columns of a cell's probabilities."""
    return np.union1d(train[LABEL].unique(), test[LABEL].unique())


def run_cell(train: pd.DataFrame, test: pd.DataFrame, roles: TableRoles, model_arm: str,
             params: Params, seed: int) -> pd.DataFrame:
    """Train on ``train`` (features fitted on it alone) and predict ``test``. Probabilities
    cover every class of either split: a class a cleaning arm removed from training gets 0."""
    _, X_train, X_test = featurize_splits(
        train, test, roles, options=FeatureOptions(**params.featurize.model_dump()),
        encoding=encoding_for(model_arm), random_state=seed)
    weights = train[WEIGHT].to_numpy() if WEIGHT in train else None
    model = fit_arm(model_arm, X_train, train[LABEL].to_numpy(), weights, params, seed)
    classes = cell_classes(train, test)
    pred_probs = np.zeros((len(test), len(classes)))
    pred_probs[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(
        X_test.to_numpy(np.float32))
    pred_probs /= pred_probs.sum(axis=1, keepdims=True)  # float32 models sum to 1 ± 1e-7
    return prediction_table(test[ROW_ID], test[LABEL].to_numpy(), pred_probs, classes)


def main(data_arm: str, model_arm: str, seed: int, params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    train = read_input(paths.CLEAN / f"{data_arm}.parquet")
    test = read_input(paths.VALIDATED_TEST)
    predictions = run_cell(train, test, roles, model_arm, params, seed)
    classes = cell_classes(train, test)
    metrics = score(predictions[LABEL].to_numpy(),
                    predictions[[f"proba_{c}" for c in classes]].to_numpy(), classes)
    with atomic_path(cell_dir(data_arm, model_arm, seed)) as out:
        out.mkdir()
        predictions.to_parquet(out / "predictions.parquet", index=False)
        pd.Series({"data_arm": data_arm, "model_arm": model_arm, "seed": seed,
                   "train_rows": len(train), **metrics}).to_json(out / "metrics.json", indent=2)
