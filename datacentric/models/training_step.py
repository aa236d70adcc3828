"""One optimisation step of :class:`~datacentric.models.torch_classifier.TorchClassifier`:
run eagerly, or captured once as a CUDA graph and replayed for every batch.

A tabular network's step on a small batch is a few hundred tiny kernels, so on a GPU its time
goes to launching them from Python, not to arithmetic (bench/torch_gpu.py measured 2 ms per
256-row step on an H100, barely faster than the CPU). A CUDA graph launches the whole step —
forward, weighted loss, backward, gradient clipping and the fused AdamW update — as one unit.
A graph replays fixed shapes and fixed memory: the batch's row indices are copied into a static
index tensor, and a short last batch is padded with rows of weight zero.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from torch import nn

from datacentric.models.device import DevicePlan

WARM_UP_STEPS = 3  # graph capture needs the optimizer's state made and the kernels chosen


@dataclass
class TrainingTensors:
    """The rows on the training device: features ``x`` (N, F) float32, class codes ``t`` (N,)
    int64 and sample weights ``w`` (N,) float32."""

    x: torch.Tensor
    t: torch.Tensor
    w: torch.Tensor


class EagerStep:
    """Train ``module`` (through ``trained``, its DDP wrapper or itself) on one batch of row
    indices per call; ``total`` accumulates each batch's mean loss times its rows."""

    def __init__(self, trained: nn.Module, module: nn.Module, optimizer: torch.optim.Optimizer,
                 scaler: torch.amp.GradScaler, plan: DevicePlan, data: TrainingTensors) -> None:
        self.trained, self.module, self.optimizer, self.scaler = trained, module, optimizer, scaler
        self.plan, self.data = plan, data
        self.criterion = nn.CrossEntropyLoss(reduction="none")
        self.total = torch.zeros((), device=plan.device)

    def __call__(self, batch: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        self._update(batch, weight_mask=None, cache_casts=True)

    def _update(self, batch: torch.Tensor, weight_mask: torch.Tensor | None,
                cache_casts: bool) -> None:
        """Forward, loss, backward, clip, step; a graph captures exactly this."""
        x, t, w = self.data.x, self.data.t, self.data.w
        weights = w[batch] if weight_mask is None else w[batch] * weight_mask
        with torch.autocast(self.plan.device, dtype=self.plan.amp_dtype,
                            enabled=self.plan.amp_dtype is not None, cache_enabled=cache_casts):
            losses = self.criterion(self.trained(x[batch]), t[batch]) * weights
            loss = losses.sum() / weights.sum()
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        nn.utils.clip_grad_norm_(self.module.parameters(), max_norm=1.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        rows = len(batch) if weight_mask is None else weight_mask.sum()
        self.total += loss.detach() * rows


class GraphedStep(EagerStep):
    """:class:`EagerStep` captured as one CUDA graph of ``batch_size`` rows.

    Capture needs a few real steps first; they are undone afterwards (weights, BatchNorm
    statistics and the optimizer's moments restored to where they were), so training starts from
    the same state as an eager run. Needs a CUDA plan without loss scaling (its inf checks read
    the device from the host) and an optimizer made with ``capturable=True``.

    Raises
    ------
    RuntimeError
        When the step cannot be captured (``graph_or_eager`` then trains eagerly).
    """

    def __init__(self, trained: nn.Module, module: nn.Module, optimizer: torch.optim.Optimizer,
                 scaler: torch.amp.GradScaler, plan: DevicePlan, data: TrainingTensors,
                 first_batch: torch.Tensor) -> None:
        super().__init__(trained, module, optimizer, scaler, plan, data)
        self.index = first_batch.clone()
        self.weight_mask = torch.ones(len(first_batch), device=plan.device)
        initial = {name: value.clone() for name, value in module.state_dict().items()}
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(WARM_UP_STEPS):
                self.optimizer.zero_grad(set_to_none=True)
                self._update(self.index, self.weight_mask, cache_casts=False)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        self.optimizer.zero_grad(set_to_none=True)
        try:
            with torch.cuda.graph(self.graph):
                self._update(self.index, self.weight_mask, cache_casts=False)
        finally:  # in place: the graph holds these tensors' addresses
            module.load_state_dict(initial)
            for state in self.optimizer.state.values():
                for value in state.values():
                    if torch.is_tensor(value):
                        value.zero_()  # AdamW's fresh state: step 0, zero moments
            self.total.zero_()

    def __call__(self, batch: torch.Tensor) -> None:
        rows = len(batch)
        self.index[:rows].copy_(batch)
        if rows < len(self.index):  # pad with the batch's own rows, weighted zero
            padding = len(self.index) - rows
            self.index[rows:].copy_(batch.repeat(-(-padding // rows))[:padding])
            self.weight_mask[rows:] = 0
        self.graph.replay()
        if rows < len(self.index):
            self.weight_mask[rows:] = 1


def graph_or_eager(trained: nn.Module, module: nn.Module, optimizer: torch.optim.Optimizer,
                   scaler: torch.amp.GradScaler, plan: DevicePlan, data: TrainingTensors,
                   first_batch: torch.Tensor | None) -> EagerStep:
    """A :class:`GraphedStep` when ``first_batch`` is given (the caller checked the plan), an
    :class:`EagerStep` otherwise or, with a warning, when capture fails."""
    if first_batch is None:
        return EagerStep(trained, module, optimizer, scaler, plan, data)
    try:
        return GraphedStep(trained, module, optimizer, scaler, plan, data, first_batch)
    except RuntimeError as error:
        warnings.warn(f"the training step could not be captured as a CUDA graph ({error}); "
                      "training eagerly", RuntimeWarning, stacklevel=2)
        return EagerStep(trained, module, optimizer, scaler, plan, data)
