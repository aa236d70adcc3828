"""The torch arms on the GPU: training rows per second in fp32 and bf16, against the device's own
matrix-product rate and against the CPU, all measured in one run; and CUDA accuracy against the
CPU's spread over seeds.

For each architecture (MLP, ResNet) and batch size, TorchClassifier trains ``--epochs`` full
epochs (no early stop) on ``--rows`` rows on CUDA in fp32 and in bf16 autocast
(``precision``), each with its steps launched eagerly and replayed from a CUDA graph
(``cuda_graph``), and on ``--cpu-rows`` rows on the CPU. The epoch's arithmetic (FLOPs of one
forward and backward pass per row, counted by torch's FlopCounterMode, times the rows) per
second is set against the rate of a large matrix product of the same dtype on the same device.
Then the accuracy check: ``--seeds`` fits of each architecture on a fixed synthetic table
on the CPU and on CUDA (default precision, CUDA graph); CUDA's mean must lie within the
CPU's range over seeds, widened by one test row either side. Needs only torch, numpy,
scikit-learn and this package (no DVC, no Great Expectations), so it runs on a bare GPU
machine. Without CUDA it
measures the CPU alone and says so. Writes bench/results/torch_gpu.json.

    python bench/torch_gpu.py [--rows 1000000] [--batch-sizes 256 4096 16384] [--epochs 3]
"""
# ruff: noqa: I001  (datacentric must load before sklearn: it sets the OpenMP wait policy)

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import datacentric  # noqa: F401
import numpy as np
import torch
from sklearn.datasets import make_classification
from torch.utils.flop_counter import FlopCounterMode

from datacentric.models.torch_classifier import TorchClassifier

FEATURES, CLASSES = 64, 4


def table(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(n_samples=rows, n_features=FEATURES, n_informative=24,
                               n_classes=CLASSES, class_sep=0.8, random_state=seed)
    return X.astype(np.float32), y


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def matmul_rate(device: str, dtype: torch.dtype, size: int, repeats: int = 20) -> float:
    """FLOP/s of a ``size``³ matrix product in ``dtype`` on ``device`` (after a warm-up)."""
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    a @ b
    sync(device)
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    sync(device)
    return 2 * size**3 * repeats / (time.perf_counter() - started)


def flops_per_row(model: TorchClassifier, batch: int = 1024) -> float:
    """Forward plus backward FLOPs for one row of ``model``'s network."""
    module = model.build_module(FEATURES, CLASSES)
    with FlopCounterMode(display=False) as counter:
        module(torch.randn(batch, FEATURES)).sum().backward()
    return counter.get_total_flops() / batch


def rows_per_second(architecture: str, X: np.ndarray, y: np.ndarray, *, device: str,
                    precision: str, cuda_graph: bool, batch_size: int,
                    epochs: int) -> dict[str, float]:
    model = TorchClassifier(architecture, device=device, precision=precision,
                            cuda_graph=cuda_graph, batch_size=batch_size, max_epochs=epochs,
                            patience=epochs + 1, validation_fraction=0.01, random_state=0)
    model.fit(X[:4096], y[:4096])  # warm-up: kernels, allocator, autocast caches
    sync(device)
    started = time.perf_counter()
    model.fit(X, y)
    sync(device)
    seconds = time.perf_counter() - started
    trained_rows = len(X) * (1 - model.validation_fraction) * len(model.history_)
    return {"seconds": seconds, "rows_per_second": trained_rows / seconds,
            "flops_per_second": trained_rows * flops_per_row(model) / seconds,
            "cuda_graph": model.cuda_graph_}


def accuracy_check(seeds: list[int], rows: int) -> list[dict]:
    """Each architecture's test accuracy per seed on the CPU and on CUDA."""
    X, y = table(rows, seed=1)
    split = int(0.8 * rows)
    found = []
    for architecture in ("mlp", "resnet"):
        for device in ("cpu", "cuda"):
            scores = [float((TorchClassifier(architecture, device=device, random_state=s)
                             .fit(X[:split], y[:split]).predict(X[split:]) == y[split:]).mean())
                      for s in seeds]
            found.append({"architecture": architecture, "device": device, "accuracy": scores})
    for architecture in ("mlp", "resnet"):
        cpu, cuda = (next(f["accuracy"] for f in found
                          if f["architecture"] == architecture and f["device"] == d)
                     for d in ("cpu", "cuda"))
        one_row = 1 / (rows - split)
        ok = min(cpu) - one_row <= np.mean(cuda) <= max(cpu) + one_row
        print(f"{architecture}: CPU accuracy {min(cpu):.4f} to {max(cpu):.4f} over seeds, "
              f"CUDA mean {np.mean(cuda):.4f}: {'within' if ok else 'OUTSIDE'} the CPU's spread")
        found.append({"architecture": architecture, "cuda_within_cpu_spread": bool(ok)})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cpu-rows", type=int, default=100_000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 4096, 16384])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--check-rows", type=int, default=20_000)
    parser.add_argument("--out", default="bench/results/torch_gpu.json")
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    device_name = torch.cuda.get_device_name() if cuda else "none"
    print(f"torch {torch.__version__}; CUDA device: {device_name}; CPU threads "
          f"{torch.get_num_threads()}", flush=True)

    rates = {"cpu_fp32": matmul_rate("cpu", torch.float32, 2048)}
    if cuda:
        rates |= {"cuda_fp32": matmul_rate("cuda", torch.float32, 8192),
                  "cuda_bf16": matmul_rate("cuda", torch.bfloat16, 8192)}
    runs = []
    X_cpu, y_cpu = table(args.cpu_rows)
    X_gpu, y_gpu = table(args.rows) if cuda else (None, None)
    for architecture in ("mlp", "resnet"):
        for batch_size in args.batch_sizes:
            settings = [("cpu", "fp32", False, X_cpu, y_cpu, "cpu_fp32")]
            if cuda:
                settings += [("cuda", precision, graph, X_gpu, y_gpu, rate)
                             for precision, rate in (("fp32", "cuda_fp32"), ("auto", "cuda_bf16"))
                             for graph in (False, True)]
            for device, precision, graph, X, y, rate in settings:
                run = {"architecture": architecture, "batch_size": batch_size, "device": device,
                       "precision": "bf16" if precision == "auto" else "fp32", "rows": len(X),
                       **rows_per_second(architecture, X, y, device=device, precision=precision,
                                         cuda_graph=graph, batch_size=batch_size,
                                         epochs=args.epochs)}
                run["share_of_matmul_rate"] = run["flops_per_second"] / rates[rate]
                runs.append(run)
                step = "graph" if run["cuda_graph"] else "eager"
                print(f"{architecture:6} batch {batch_size:6} {device:4} {run['precision']} "
                      f"{step}: {run['rows_per_second']:12,.0f} rows/s, "
                      f"{run['share_of_matmul_rate']:.1%} of the matrix-product rate", flush=True)
    for run in runs:
        same_cell = [r for r in runs if (r["architecture"], r["batch_size"])
                     == (run["architecture"], run["batch_size"])]
        cpu = next(r for r in same_cell if r["device"] == "cpu")
        run["speedup_over_cpu"] = run["rows_per_second"] / cpu["rows_per_second"]
        if run["cuda_graph"]:
            eager = next(r for r in same_cell if r["device"] == "cuda" and not r["cuda_graph"]
                         and r["precision"] == run["precision"])
            run["speedup_over_eager"] = run["rows_per_second"] / eager["rows_per_second"]
    checks = accuracy_check(args.seeds, args.check_rows) if cuda else []
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "torch": torch.__version__, "device": device_name, "matmul_rates": rates,
        "epochs": args.epochs, "runs": runs, "accuracy_check": checks}, indent=2) + "\n")
    if not cuda:
        print("no CUDA device: CPU figures only")


if __name__ == "__main__":
    main()
