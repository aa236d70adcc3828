"""train: fit the model arm ``train.model`` on the featurized training rows.

Writes models/classifier/model.{skops,safetensors}, per-epoch losses through dvclive under
reports/train/ (torch models; scikit-learn models log their training loss as one point) and
metrics/train.json. Times are measured in bench/, not here, so metrics stay deterministic.
A torch model trains under torchrun (DDP) when ``train.launch`` asks for several processes.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
from dvclive import Live
from sklearn.metrics import log_loss

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID, WEIGHT
from datacentric.features import categorical_mask
from datacentric.io import atomic_path, read_input, write_json
from datacentric.models.distributed import current_shard, leave_process_group, run_under_torchrun
from datacentric.models.persist import is_torch_model, save_estimator
from datacentric.models.zoo import fit_model, make_model
from datacentric.params import TORCH_MODELS, load_params


def split_xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    """Features, labels and optional sample weights of a featurized frame."""
    weights = frame[WEIGHT].to_numpy() if WEIGHT in frame else None
    X = frame.drop(columns=[c for c in (ROW_ID, LABEL, WEIGHT) if c in frame])
    return X, frame[LABEL].to_numpy(), weights


def main(params_path: str = "params.yaml") -> None:
    params = load_params(params_path)
    if params.train.model in TORCH_MODELS and run_under_torchrun(
            params.train.launch, sys.argv[1:], run_id="datacentric-train"):
        return
    X, y, weights = split_xy(read_input(paths.FEATURES_TRAIN))
    model = make_model(params.train.model, params.train, random_state=params.base.seed,
                       categorical_features=categorical_mask(X.columns))
    if is_torch_model(model):
        model.set_params(verbose=1)  # per-epoch progress in the `dvc repro` log
    fit_model(model, X.to_numpy(np.float32), y, sample_weight=weights)

    if is_torch_model(model):
        curve = model.history_
    else:
        train_loss = log_loss(y, model.predict_proba(X.to_numpy(np.float32)), labels=model.classes_)
        curve = [{"epoch": 0, "train_loss": train_loss}]
    leave_process_group()
    if not current_shard().is_main:  # under torchrun, rank 0 writes what every rank trained
        return
    suffix = ".safetensors" if is_torch_model(model) else ".skops"
    save_estimator(model, paths.MODEL_DIR / f"model{suffix}")
    _clear_other_formats(suffix)
    with atomic_path(paths.TRAIN_LIVE) as live_dir, \
            Live(dir=str(live_dir), save_dvc_exp=False, dvcyaml=None) as live:
        for point in curve:
            for name, value in point.items():
                if name != "epoch":
                    live.log_metric(name, value)
            live.next_step()
    best_epoch = getattr(model, "best_epoch_", 0)
    write_json({"model": params.train.model, "epochs": len(curve), "best_epoch": best_epoch,
                "train_rows": len(y)}, paths.METRICS / "train.json")


def _clear_other_formats(keep: str) -> None:
    for stale in paths.MODEL_DIR.glob("model.*"):
        if stale.suffix != keep:
            os.remove(stale)
