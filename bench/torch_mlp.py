"""Torch MLP training against scikit-learn's MLPClassifier, and against the CPU's matmul rate.

Same data, same layer sizes, same batch size, same optimiser (Adam), same number of epochs,
measured side by side in one process. Prints the ratios and writes bench/results/torch_mlp.json.

    python bench/torch_mlp.py [--rows 50000] [--features 32] [--hidden 512] [--epochs 5]
"""
# ruff: noqa: I001  (datacentric must load before sklearn: it sets the OpenMP wait policy)

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import datacentric  # noqa: F401, I001  (sets the OpenMP wait policy before sklearn loads)
import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from datacentric.models.torch_classifier import TorchClassifier


def matmul_rate(size: int = 2048, repeats: int = 10) -> float:
    """FLOP/s of a large fp32 matrix product: the ceiling for the epoch's arithmetic."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - started)


def epoch_flops(n_rows: int, widths: list[int]) -> float:
    """Forward (2·N·in·out per layer) plus backward (twice that) for one pass over the rows."""
    return sum(6 * n_rows * a * b for a, b in zip(widths[:-1], widths[1:], strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default="bench/results/torch_mlp.json")
    args = parser.parse_args()

    X, y = make_classification(args.rows, args.features, n_informative=16, n_classes=2,
                               random_state=0)
    X = X.astype(np.float32)
    # torch holds 15% out for early stopping; sklearn trains on the same number of rows
    n_fit = int(args.rows * 0.85)

    torch_model = TorchClassifier("mlp", hidden_size=args.hidden, n_blocks=args.blocks,
                                  dropout=0.0, batch_size=args.batch, max_epochs=args.epochs,
                                  patience=args.epochs + 1, device="cpu", random_state=0)
    started = time.perf_counter()
    torch_model.fit(X, y)
    torch_epoch = (time.perf_counter() - started) / len(torch_model.history_)

    sk_model = MLPClassifier(hidden_layer_sizes=(args.hidden,) * args.blocks, solver="adam",
                             batch_size=args.batch, max_iter=args.epochs, shuffle=True,
                             tol=0, n_iter_no_change=args.epochs + 1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        sk_model.fit(X[:n_fit], y[:n_fit])
    sk_epoch = (time.perf_counter() - started) / sk_model.n_iter_

    widths = [args.features] + [args.hidden] * args.blocks + [2]
    peak = matmul_rate()
    achieved = epoch_flops(n_fit, widths) / torch_epoch
    result = {
        "rows": args.rows, "features": args.features, "hidden": args.hidden,
        "blocks": args.blocks, "batch": args.batch, "epochs": args.epochs,
        "torch_threads": torch.get_num_threads(),
        "torch_seconds_per_epoch": torch_epoch, "sklearn_seconds_per_epoch": sk_epoch,
        "speedup_vs_sklearn": sk_epoch / torch_epoch,
        "epoch_gflops": achieved / 1e9, "matmul_gflops": peak / 1e9,
        "fraction_of_matmul_rate": achieved / peak,
    }
    print(f"torch MLP   {torch_epoch:8.3f} s/epoch   ({result['epoch_gflops']:.1f} GFLOP/s)")
    print(f"sklearn MLP {sk_epoch:8.3f} s/epoch")
    print(f"speed-up vs sklearn      {result['speedup_vs_sklearn']:.2f}x  (aim >= 2.5x)")
    print(f"fraction of matmul rate  {result['fraction_of_matmul_rate']:.2f}   "
          f"(matmul {result['matmul_gflops']:.1f} GFLOP/s; aim >= 0.60)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
