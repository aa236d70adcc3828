"""Fitted models and transformers in formats that run no code on load.

scikit-learn objects go through skops with an explicit allow-list of types; torch networks
are a ``weights_only`` state dict plus the constructor parameters. A file whose content is
not what its name claims is refused with a DatacentricError.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio

from datacentric.errors import DatacentricError
from datacentric.io import atomic_path

# Types our own pipelines contain beyond what skops trusts by default.
TRUSTED_TYPES = [
    "datacentric.features._to_object",
    "datacentric.features._to_float",
    "datacentric.transformers.DateParts",
    "datacentric.transformers.TextComponents",
    "sklearn.compose._column_transformer._RemainderColsList",
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    # HistGradientBoosting with categorical features keeps a partial of check_array; skops
    # checks the function inside a partial against this list too
    "functools.partial",
    "sklearn.utils.validation.check_array",
]


def is_torch_model(estimator: Any) -> bool:
    """Whether ``estimator`` is a TorchClassifier, without importing torch where none is loaded
    (one cannot exist then)."""
    if "datacentric.models.torch_classifier" not in sys.modules:
        return False
    from datacentric.models.torch_classifier import TorchClassifier

    return isinstance(estimator, TorchClassifier)


def save_estimator(estimator: Any, path: str | Path) -> None:
    """Write a scikit-learn estimator to ``path`` (``.skops``) or, for TorchClassifier, to a
    ``.pt`` file; atomically."""
    with atomic_path(path) as tmp:
        if is_torch_model(estimator):
            import torch

            torch.save({"params": estimator.get_params(),
                        "classes": estimator.classes_.tolist(),
                        "n_features": int(estimator.n_features_in_),
                        "state_dict": estimator.module_.state_dict()}, tmp)
        else:
            sio.dump(estimator, tmp)


def load_estimator(path: str | Path) -> Any:
    """Load what :func:`save_estimator` wrote.

    Raises
    ------
    DatacentricError
        When the file is missing, corrupted, or holds types outside the allow-list.
    """
    path = Path(path)
    if not path.is_file():
        raise DatacentricError(f"{path}: model file not found; run the stage that writes it.")
    if path.suffix == ".pt":
        return _load_torch(path)
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises zipfile/json/key errors for damaged files
        raise DatacentricError(f"{path}: not a valid skops file ({type(exc).__name__}).") from None
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise DatacentricError(f"{path}: refuses to load untrusted types {unexpected}.")
    return sio.load(path, trusted=untrusted)


def _load_torch(path: Path) -> Any:
    import torch

    from datacentric.models.torch_classifier import TorchClassifier

    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        model = TorchClassifier(**payload["params"])
        model.classes_ = np.asarray(payload["classes"])
        model.n_features_in_ = payload["n_features"]
        module = model.build_module(model.n_features_in_, len(model.classes_))
        module.load_state_dict(payload["state_dict"])
    except Exception as exc:  # torch raises pickle, zip and key errors for damaged files
        raise DatacentricError(
            f"{path}: not a valid torch model file ({type(exc).__name__})."
        ) from None
    model.module_ = module.eval()
    return model
