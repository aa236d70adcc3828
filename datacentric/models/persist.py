"""Fitted models and transformers in formats that run no code on load.

scikit-learn objects go through skops with an explicit allow-list of types; torch networks
are safetensors files (tensors and a JSON header, no pickle) holding the state dict, with the
constructor parameters and classes in the header's metadata. A file whose content is not what
its name claims, or a format that can run code on load (a pickled ``.pt``), is refused with a
DatacentricError naming the file.
"""

from __future__ import annotations

import io
import json
import sys
import types
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from datacentric.errors import DatacentricError
from datacentric.io import atomic_path

# skops lists the types it trusts, at import, from scikit-learn's `all_estimators`, which
# imports every scikit-learn package to walk it, the vendored torch layer of array_api_compat
# included: that imports torch (2 s) in every stage that saves or loads a model. The layer holds
# no estimator (`all_estimators` skips it), so it stays unwalked while skops loads, behind an
# empty stand-in taken out again at once, unless torch is already in use.
_TORCH_LAYER = "sklearn.externals.array_api_compat.torch"
if _TORCH_LAYER in sys.modules or "torch" in sys.modules:
    import skops.io as sio
else:
    sys.modules[_TORCH_LAYER] = types.ModuleType(_TORCH_LAYER)
    try:
        import skops.io as sio
    finally:
        del sys.modules[_TORCH_LAYER]

TORCH_HEADER = "datacentric"  # the metadata key holding the constructor parameters

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
    ``.safetensors`` file; atomically, and byte-identical for the same fitted model."""
    with atomic_path(path) as tmp:
        if is_torch_model(estimator):
            from safetensors.torch import save_file

            header = {"params": estimator.get_params(), "classes": estimator.classes_.tolist(),
                      "n_features": int(estimator.n_features_in_)}
            state = {name: tensor.detach().cpu().contiguous()
                     for name, tensor in estimator.module_.state_dict().items()}
            save_file(state, tmp, metadata={TORCH_HEADER: json.dumps(header, sort_keys=True)})
        else:
            Path(tmp).write_bytes(_canonical_skops(sio.dumps(estimator)))


def _canonical_skops(archive: bytes) -> bytes:
    """``archive`` (a skops zip) rewritten so the same estimator always gives the same bytes,
    and DVC the same hash: skops names objects and their array files by ``id()``, which
    changes from process to process, and stamps entries with the time. Ids are renumbered
    from 1 in schema order (the same object keeps one number), files after them, and every
    entry is dated 1980-01-01."""
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        schema = json.loads(source.read("schema.json"))
        ids: dict[int, int] = {}
        files: dict[str, str] = {}

        def renumber(node: Any) -> None:
            if isinstance(node, list):
                for item in node:
                    renumber(item)
            elif isinstance(node, dict):
                if isinstance(node.get("__id__"), int):
                    node["__id__"] = ids.setdefault(node["__id__"], len(ids) + 1)
                if isinstance(node.get("file"), str):
                    name = node["file"]
                    node["file"] = files.setdefault(name, f"{len(files) + 1}{Path(name).suffix}")
                for value in node.values():
                    renumber(value)

        renumber(schema)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for entry in source.infolist():
                content = (json.dumps(schema, indent=2).encode()
                           if entry.filename == "schema.json" else source.read(entry))
                fixed = zipfile.ZipInfo(files.get(entry.filename, entry.filename),
                                        date_time=(1980, 1, 1, 0, 0, 0))
                fixed.compress_type, fixed.external_attr = entry.compress_type, entry.external_attr
                target.writestr(fixed, content)
    return out.getvalue()


def load_estimator(path: str | Path) -> Any:
    """Load what :func:`save_estimator` wrote.

    Raises
    ------
    DatacentricError
        When the file is missing, corrupted, in a format that can run code on load, or holds
        types outside the allow-list.
    """
    path = Path(path)
    if not path.is_file():
        raise DatacentricError(f"{path}: model file not found; run the stage that writes it.")
    if path.suffix == ".safetensors":
        return _load_torch(path)
    if path.suffix != ".skops":
        raise DatacentricError(f"{path}: not a model format datacentric loads (.skops or "
                               f".safetensors); pickled files such as .pt can run code on load.")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises zipfile/json/key errors for damaged files
        raise DatacentricError(f"{path}: not a valid skops file ({type(exc).__name__}).") from None
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise DatacentricError(f"{path}: refuses to load untrusted types {unexpected}.")
    return sio.load(path, trusted=untrusted)


def _load_torch(path: Path) -> Any:
    from safetensors import safe_open

    from datacentric.models.torch_classifier import TorchClassifier

    try:
        with safe_open(path, framework="pt", device="cpu") as weights:
            header = json.loads((weights.metadata() or {})[TORCH_HEADER])
            state = {name: weights.get_tensor(name) for name in weights.keys()}  # noqa: SIM118
        model = TorchClassifier(**header["params"])
        model.classes_ = np.asarray(header["classes"])
        model.n_features_in_ = header["n_features"]
        module = model.build_module(model.n_features_in_, len(model.classes_))
        module.load_state_dict(state)
    except Exception as exc:  # safetensors, json, key and shape errors for damaged files
        raise DatacentricError(
            f"{path}: not a valid torch model file ({type(exc).__name__})."
        ) from None
    model.module_ = module.eval()
    return model
