"""Where a torch model trains and in which precision: a pure decision, testable without a GPU."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DevicePlan:
    """``device``: torch device string; ``amp_dtype``: autocast dtype or None for fp32;
    ``use_grad_scaler``: True only for fp16, whose small range needs loss scaling."""

    device: str
    amp_dtype: torch.dtype | None
    use_grad_scaler: bool


def plan_device(requested: str, *, cuda_available: bool, bf16_supported: bool,
                precision: str = "auto") -> DevicePlan:
    """Choose the device and precision.

    ``requested`` is ``"auto"`` (CUDA when available), ``"cuda"`` or ``"cpu"``. On CUDA, mixed
    precision (``precision="auto"``) uses bf16 where supported, else fp16 with a gradient
    scaler; ``precision="fp32"`` keeps CUDA in fp32. The CPU always trains in fp32, which keeps
    results bit-identical for a seed.

    Raises
    ------
    ValueError
        When ``"cuda"`` is requested but unavailable, or ``requested`` is unknown.
    """
    if requested not in {"auto", "cuda", "cpu"}:
        raise ValueError(f"device must be 'auto', 'cuda' or 'cpu', not {requested!r}")
    if requested == "cuda" and not cuda_available:
        raise ValueError("device 'cuda' was requested but no CUDA device is available")
    if precision not in {"auto", "fp32"}:
        raise ValueError(f"precision must be 'auto' or 'fp32', not {precision!r}")
    if requested == "cpu" or not cuda_available:
        return DevicePlan("cpu", None, False)
    if precision == "fp32":
        return DevicePlan("cuda", None, False)
    if bf16_supported:
        return DevicePlan("cuda", torch.bfloat16, False)
    return DevicePlan("cuda", torch.float16, True)


def detect_device(requested: str = "auto", precision: str = "auto") -> DevicePlan:
    """:func:`plan_device` for this machine."""
    cuda = torch.cuda.is_available()
    return plan_device(requested, cuda_available=cuda, precision=precision,
                       bf16_supported=cuda and torch.cuda.is_bf16_supported())
