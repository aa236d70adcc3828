"""cell: one cell of the head-to-head, a data arm × model arm, trained and evaluated once per
seed of ``compare.seeds`` (one stage for all seeds: on small tables the start-up of a stage
costs more than a fit; seeds run several at a time, :mod:`datacentric.seeds`).

Each seed trains on the data arm's rows minus the selection rows (a fixed slice of the validated
training rows, :func:`selection_rows`), then predicts the selection rows, with the labels they
were delivered with, and the test rows. The seed fixes every random choice in the cell (model
initialisation, shuffling, the early stopping or tuning validation slice), so cells with the
same seed are paired. Writes results/cells/<data>__<model>/seed_<seed>/{predictions.parquet,
selection.parquet,metrics.json}.
"""

from __future__ import annotations

import sys
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID, WEIGHT
from datacentric.dataset import fold_groups
from datacentric.errors import DatacentricError
from datacentric.evaluation import prediction_table, score
from datacentric.features import FeatureOptions, categorical_mask, featurize_splits
from datacentric.io import atomic_path, read_input, read_json_input, require_input
from datacentric.models.boosting import XGBoostClassifier
from datacentric.models.distributed import current_shard, leave_process_group, run_under_torchrun
from datacentric.models.zoo import encoding_for, fit_model, make_model
from datacentric.params import TORCH_MODELS, XGB_ARM, Params, load_params
from datacentric.roles import TableRoles
from datacentric.seeds import map_seeds, seed_workers
from datacentric.selection import selection_rows
from datacentric.tuning import tune_hgb, tune_torch


def fit_arm(model_arm: str, X: pd.DataFrame, y: np.ndarray, weights: np.ndarray | None,
            params: Params, seed: int, *, groups: np.ndarray | None = None):
    """A fitted classifier for ``model_arm`` (a zoo model, ``tuned``, ``tuned_mlp`` or ``xgb``) on
    featurized training rows ``X`` in the arm's encoding (:func:`encoding_for`), keeping each
    of the rows' ``groups`` (N,) on one side of the rows a tuned arm is validated on and an arm
    that stops early watches."""
    mask = categorical_mask(X.columns)
    X = X.to_numpy(np.float32)
    search = {"n_trials": params.compare.tune_trials, "workers": params.compare.tune_workers,
              "random_state": seed, "groups": groups}
    if model_arm == "tuned":
        return tune_hgb(X, y, weights, categorical_features=mask, **search)[0]
    if model_arm == "tuned_mlp":
        return tune_torch(X, y, weights, base=params.train.torch.model_dump(), **search)[0]
    if model_arm == XGB_ARM:
        return XGBoostClassifier(**params.train.xgb.model_dump(), categorical_features=mask,
                                 random_state=seed).fit(X, y, sample_weight=weights,
                                                        groups=groups)
    model = make_model(model_arm, params.train, random_state=seed, categorical_features=mask)
    return fit_model(model, X, y, sample_weight=weights, groups=groups)


def cell_classes(*frames: pd.DataFrame) -> np.ndarray:
    """The sorted classes of all ``frames``, the columns of a cell's probabilities."""
    return np.unique(np.concatenate([f[LABEL].unique() for f in frames]))


def split_selection(arm_rows: pd.DataFrame, validated_train: pd.DataFrame, params: Params,
                    *, group: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows a cell trains on (the arm's rows outside the selection slice) and the
    selection rows as delivered (from the validated training rows, whole ``group``s).

    Raises DatacentricError when the slice is empty (no class has ``1 / fraction`` rows): the
    arms could then only be picked on the test rows.
    """
    fraction = params.compare.selection_fraction
    chosen = selection_rows(validated_train, fraction=fraction, random_state=params.base.seed,
                            group=group)
    if not chosen.any():
        largest = int(validated_train[LABEL].value_counts().max())
        raise DatacentricError(
            f"compare.selection_fraction ({fraction}) leaves no selection rows: the largest "
            f"class has {largest} training rows, under {int(np.ceil(1 / fraction))}; raise it "
            f"(below 0.5) or add rows.")
    selection = validated_train[chosen].reset_index(drop=True)
    fit_rows = arm_rows[~arm_rows[ROW_ID].isin(selection[ROW_ID])].reset_index(drop=True)
    return fit_rows, selection


def run_cell(train: pd.DataFrame, test: pd.DataFrame, roles: TableRoles, model_arm: str,
             params: Params, seed: int, *, also: pd.DataFrame | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Train on ``train`` (features fitted on it alone) and predict ``test`` and, when given,
    ``also`` (the selection rows). Probabilities cover every class of all three frames: a
    class a cleaning arm removed from training gets 0. Returns both prediction tables (the
    second None without ``also``)."""
    scored = [test] if also is None else [test, also]
    featurizer, X_train, X_test = featurize_splits(
        train, test, roles, options=FeatureOptions(**params.featurize.model_dump()),
        encoding=encoding_for(model_arm), random_state=seed)
    X_scored = [X_test] if also is None else [X_test, featurizer.transform(also)]
    weights = train[WEIGHT].to_numpy() if WEIGHT in train else None
    model = fit_arm(model_arm, X_train, train[LABEL].to_numpy(), weights, params, seed,
                    groups=fold_groups(train, group=roles.group))
    classes = cell_classes(train, *scored)
    tables = []
    for frame, X in zip(scored, X_scored, strict=True):
        pred_probs = np.zeros((len(frame), len(classes)))
        pred_probs[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(
            X.to_numpy(np.float32))
        pred_probs /= pred_probs.sum(axis=1, keepdims=True)  # float32 models sum to 1 ± 1e-7
        tables.append(prediction_table(frame[ROW_ID], frame[LABEL].to_numpy(), pred_probs,
                                       classes))
    return tables[0], (tables[1] if also is not None else None)


def _on_spark(data_arm: str, model_arm: str, roles: TableRoles, params: Params,
              seeds: list[int]) -> tuple[np.ndarray, int, int, dict]:
    """The xgb or torch cell with the rows kept in Spark (:mod:`datacentric.spark.cell`): the
    same training and selection rows as on pandas, chosen on the driver from the rows'
    ``row_id`` and label. Returns the classes, the training and selection row counts, and per
    seed the test and selection predictions."""
    from pyspark.sql import functions as F

    from datacentric.spark import tables
    from datacentric.spark.cell import run_torch_cell, run_xgb_cell
    from datacentric.spark.session import spark_session

    session = spark_session(params.compute.spark)
    arm_rows = tables.read_parquet(session, require_input(paths.CLEAN / f"{data_arm}.parquet"))
    validated = tables.read_parquet(session, require_input(paths.VALIDATED_TRAIN))
    test = tables.read_parquet(session, require_input(paths.VALIDATED_TEST))
    keys = [ROW_ID, LABEL] + ([] if roles.group is None else [roles.group])
    fit_keys, selection_keys = split_selection(arm_rows.select(ROW_ID, LABEL).toPandas(),
                                               validated.select(*keys).toPandas(), params,
                                               group=roles.group)
    classes = cell_classes(fit_keys, selection_keys, test.select(LABEL).distinct().toPandas())
    common = {"roles": roles, "classes": classes,
              "options": FeatureOptions(**params.featurize.model_dump()),
              "sample_rows": params.compute.spark.sample_rows}
    processes = params.train.launch.processes_per_node * params.train.launch.nodes
    paths.CELLS.mkdir(parents=True, exist_ok=True)
    runs = {}
    with tempfile.TemporaryDirectory(prefix=".selection.", dir=paths.CELLS) as keys:
        # the executors read the selection rows' keys from a file: a frame made on the driver
        # from 1,500,000 keys (10,000,000 rows) left its broadcast job without a task, for good
        chosen_file = Path(keys) / "selection.parquet"
        selection_keys[[ROW_ID]].to_parquet(chosen_file, index=False)
        chosen = F.broadcast(session.read.parquet(str(chosen_file.resolve())))
        train = arm_rows.join(chosen, on=ROW_ID, how="left_anti")
        selection = validated.join(chosen, on=ROW_ID, how="left_semi")
        for seed in seeds:
            if model_arm == XGB_ARM:
                model = XGBoostClassifier(**params.train.xgb.model_dump(), random_state=seed)
                runs[seed] = run_xgb_cell(train, [test, selection], model=model, **common)
                continue
            model = make_model(model_arm, params.train, random_state=seed)
            with tempfile.TemporaryDirectory(prefix=".shards.", dir=paths.CELLS) as scratch:
                runs[seed] = run_torch_cell(train, [test, selection], model=model,
                                            processes=processes, scratch=Path(scratch) / "rows",
                                            **common)
    return classes, len(fit_keys), len(selection_keys), runs


def cell_workers(model_arm: str, params: Params, n_seeds: int) -> int:
    """Seeds at once on the CPU; one at a time on a GPU or under torchrun, where the ranks
    must train the same seed together."""
    if model_arm in (*TORCH_MODELS, "tuned_mlp"):
        from datacentric.models.device import detect_device  # only torch arms import torch

        torch_params = params.train.torch
        if current_shard().world > 1 or detect_device(
                torch_params.device, torch_params.precision).device != "cpu":
            return 1
    return seed_workers(params.compare.seed_workers, n_seeds)


def main(data_arm: str, model_arm: str, params_path: str = "params.yaml",
         seeds: list[int] | None = None) -> None:
    """Run the cell for ``seeds`` (default ``compare.seeds``, what the pipeline runs)."""
    params = load_params(params_path)
    on_spark = params.compute.engine == "spark" and model_arm in (XGB_ARM, *TORCH_MODELS)
    # on Spark, TorchDistributor starts the torch processes
    if model_arm in TORCH_MODELS and not on_spark and run_under_torchrun(
            params.train.launch, sys.argv[1:], run_id=f"datacentric-{data_arm}-{model_arm}"):
        return
    roles = TableRoles.from_dict(read_json_input(paths.COLUMN_ROLES))
    seeds = seeds or params.compare.seeds
    if on_spark:
        classes, n_train, n_selection, runs = _on_spark(data_arm, model_arm, roles, params,
                                                        seeds)
    else:
        train, selection = split_selection(read_input(paths.CLEAN / f"{data_arm}.parquet"),
                                           read_input(paths.VALIDATED_TRAIN), params,
                                           group=roles.group)
        test = read_input(paths.VALIDATED_TEST)
        classes = cell_classes(train, test, selection)
        n_train, n_selection = len(train), len(selection)
        run = partial(run_cell, train, test, roles, model_arm, params, also=selection)
        workers = cell_workers(model_arm, params, len(seeds))
        runs = dict(zip(seeds, map_seeds(run, seeds, workers=workers), strict=True))
    leave_process_group()
    if not current_shard().is_main:  # under torchrun, rank 0 writes what every rank trained
        return
    with atomic_path(paths.arm_dir(data_arm, model_arm)) as out:
        for seed, (predictions, selected) in runs.items():
            metrics = score(predictions[LABEL].to_numpy(),
                            predictions[[f"proba_{c}" for c in classes]].to_numpy(), classes)
            seed_out = out / f"seed_{seed}"
            seed_out.mkdir(parents=True)
            predictions.to_parquet(seed_out / "predictions.parquet", index=False)
            selected.to_parquet(seed_out / "selection.parquet", index=False)
            pd.Series({"data_arm": data_arm, "model_arm": model_arm, "seed": seed,
                       "train_rows": n_train, "selection_rows": n_selection,
                       "selection_accuracy": float(selected["correct"].mean()), **metrics}
                      ).to_json(seed_out / "metrics.json", indent=2)
