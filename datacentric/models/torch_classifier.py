"""A scikit-learn classifier around the tabular networks, so cross-validation, cleanlab and the
evaluate stage treat it like any other model."""

from __future__ import annotations

import copy
import sys

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from datacentric.dataset import held_out_rows
from datacentric.models.device import detect_device
from datacentric.models.distributed import (
    current_shard,
    join_process_group,
    mean_over_ranks,
    min_over_ranks,
    sum_over_ranks,
)
from datacentric.models.networks import ARCHITECTURES
from datacentric.models.training_step import GraphedStep, TrainingTensors, graph_or_eager


class TorchClassifier(ClassifierMixin, BaseEstimator):
    """Tabular MLP or ResNet trained with AdamW and early stopping.

    The whole training tensor lives on the device and batches are index slices of it. Early
    stopping watches the loss on a stratified ``validation_fraction`` of the training rows and
    restores the best epoch's weights. On CUDA it trains in mixed precision (see
    :func:`datacentric.models.device.plan_device`); on the CPU it is deterministic for a
    ``random_state``. ``verbose=1`` prints each epoch's losses to stderr. Under ``torchrun``
    it trains data-parallel (:mod:`datacentric.models.distributed`): every rank steps through
    its shard of each epoch with a batch of ``batch_size / ranks`` rows, and early stopping
    reads the validation loss averaged over ranks, so every rank stops at the same epoch and
    ends with the same weights. On one CUDA device without loss scaling, ``cuda_graph=True``
    replays each training step from a CUDA graph (:mod:`datacentric.models.training_step`).

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    n_features_in_ : int
    module_ : torch.nn.Module, on the CPU after ``fit``
    history_ : list of dict, per epoch ``{"epoch", "train_loss", "val_loss"}``
    best_epoch_ : int
    cuda_graph_ : bool, whether the training steps were replayed from a CUDA graph
    """

    def __init__(self, architecture: str = "mlp", *, hidden_size: int = 128, n_blocks: int = 2,
                 dropout: float = 0.1, learning_rate: float = 1e-3, weight_decay: float = 1e-5,
                 batch_size: int = 256, max_epochs: int = 100, patience: int = 10,
                 validation_fraction: float = 0.15, device: str = "auto",
                 precision: str = "auto", cuda_graph: bool = True, random_state: int = 0,
                 verbose: int = 0) -> None:
        self.architecture = architecture
        self.hidden_size = hidden_size
        self.n_blocks = n_blocks
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.precision = precision
        self.cuda_graph = cuda_graph
        self.random_state = random_state
        self.verbose = verbose

    def build_module(self, n_features: int, n_classes: int) -> nn.Module:
        make = ARCHITECTURES[self.architecture]
        return make(n_features, n_classes, hidden_size=self.hidden_size,
                    n_blocks=self.n_blocks, dropout=self.dropout)

    def fit(self, X, y, sample_weight=None, epoch_callback=None, groups=None
            ) -> TorchClassifier:
        """Train on ``X`` (N, F) and labels ``y`` (N,). ``epoch_callback(epoch, val_loss)``,
        when given, is called after every epoch; an exception it raises (a tuning search's
        pruning, say) stops training and propagates. ``groups`` (N,), when given, keeps each
        group on one side of the rows early stopping watches (:func:`held_out_rows`)."""
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        fit_idx, val_idx = held_out_rows(codes, fraction=self.validation_fraction,
                                         random_state=self.random_state, groups=groups)
        return self._fit(X, codes, sample_weight, fit_idx, val_idx, epoch_callback,
                         sharded=False)

    def fit_shard(self, X, codes, *, classes, validation, sample_weight=None
                  ) -> TorchClassifier:
        """Train data-parallel on this process's own rows, the rows already split among the
        ranks (by Spark, say): ``X`` (n, F) and ``codes`` (n,), each row's index into
        ``classes`` (the classes of every rank's rows, in order); ``validation`` (n,) bool
        marks the rows early stopping watches, the others train. Every rank runs as many steps
        per epoch (its rows cut to the fewest any rank has, a new cut each epoch) and reads the
        validation loss of all ranks' validation rows together, so all stop at the same epoch
        with the same weights. Outside ``torchrun`` it is a plain fit on these rows."""
        self.classes_ = np.asarray(classes)
        validation = np.asarray(validation, bool)
        index = np.arange(len(validation))
        return self._fit(X, np.asarray(codes, np.int64), sample_weight, index[~validation],
                         index[validation], None, sharded=True)

    def _fit(self, X, codes, sample_weight, fit_idx, val_idx, epoch_callback, *,
             sharded: bool) -> TorchClassifier:
        X = np.require(X, np.float32, "W")  # torch wants memory it may write (copied if not)
        self.n_features_in_ = X.shape[1]
        weights = np.ones(len(X), np.float32) if sample_weight is None else \
            np.asarray(sample_weight, np.float32)
        plan = detect_device(self.device, self.precision)
        join_process_group(plan.device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            module = self.build_module(X.shape[1], len(self.classes_)).to(plan.device)
            self._train(module, plan, X, codes, weights, fit_idx, val_idx, epoch_callback,
                        sharded)
        self.module_ = module.cpu().eval()
        return self

    def _train(self, module, plan, X, codes, weights, fit_idx, val_idx, epoch_callback,
               sharded) -> None:
        dev = plan.device
        shard = current_shard()
        # under torchrun each rank steps through its shard of the rows; DDP averages gradients
        trained = DistributedDataParallel(module) if shard.world > 1 else module
        batch_size = -(-self.batch_size // shard.world)  # the same global batch as one process
        data = TrainingTensors(torch.from_numpy(X).to(dev),
                               torch.from_numpy(codes.astype(np.int64)).to(dev),
                               torch.from_numpy(weights).to(dev))
        fit = torch.from_numpy(fit_idx).to(dev)
        val = torch.from_numpy(val_idx).to(dev)
        generator = torch.Generator(device="cpu").manual_seed(self.random_state)
        # a rank's own rows: every rank steps through as many as the rank with the fewest
        per_epoch = min_over_ranks(len(fit_idx), dev) if sharded else None
        graphed = (self.cuda_graph and dev == "cuda" and not plan.use_grad_scaler
                   and shard.world == 1 and len(fit_idx) >= batch_size)
        # on CUDA one fused kernel updates every parameter: a small-batch step is launch-bound
        optimizer = torch.optim.AdamW(module.parameters(), lr=self.learning_rate,
                                      weight_decay=self.weight_decay, fused=dev == "cuda",
                                      capturable=graphed)
        scaler = torch.amp.GradScaler("cuda", enabled=plan.use_grad_scaler)
        # any full batch will do for capture: its warm-up steps are undone
        step = graph_or_eager(trained, module, optimizer, scaler, plan, data,
                              fit[:batch_size] if graphed else None)
        self.cuda_graph_ = isinstance(step, GraphedStep)
        best_loss, best_state, stale = np.inf, None, 0
        self.history_ = []
        for epoch in range(self.max_epochs):
            trained.train()
            order = fit[torch.randperm(len(fit), generator=generator).to(dev)]
            order = order[:per_epoch] if sharded else shard.rows(order)
            step.total.zero_()
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                if len(batch) < 2 and start > 0:  # BatchNorm cannot train on one row
                    continue
                step(batch)
            loss_sum, weight_sum = self._loss_sums(module, plan, data.x[val], data.t[val],
                                                   data.w[val])
            # each rank's own validation rows are summed over ranks; shared rows are the same
            val_loss = (sum_over_ranks(float(loss_sum), dev)
                        / sum_over_ranks(float(weight_sum), dev) if sharded
                        else mean_over_ranks(float(loss_sum / weight_sum), dev))
            train_loss = mean_over_ranks(float(step.total) / len(order), dev)
            self.history_.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
            if self.verbose:
                print(f"epoch {epoch + 1}/{self.max_epochs}: train loss "
                      f"{self.history_[-1]['train_loss']:.4f}, validation loss {val_loss:.4f}",
                      file=sys.stderr, flush=True)
            if epoch_callback is not None:
                epoch_callback(epoch, val_loss)
            if val_loss < best_loss - 1e-6:
                best_loss, stale, self.best_epoch_ = val_loss, 0, epoch
                best_state = copy.deepcopy(module.state_dict())
            else:
                stale += 1
                if stale >= self.patience:
                    break
        module.load_state_dict(best_state)

    @staticmethod
    def _loss_sums(module, plan, x, t, w) -> tuple[torch.Tensor, torch.Tensor]:
        """The weighted cross-entropy summed over the rows, and their weights' sum (scalars)."""
        module.eval()
        with torch.inference_mode(), torch.autocast(
            plan.device, dtype=plan.amp_dtype, enabled=plan.amp_dtype is not None
        ):
            losses = nn.functional.cross_entropy(module(x).float(), t, reduction="none")
        return (losses * w).sum(), w.sum()

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (N, K), columns in ``classes_`` order."""
        check_is_fitted(self, "module_")
        x = torch.from_numpy(np.require(X, np.float32, "W"))
        with torch.inference_mode():
            chunks = [torch.softmax(self.module_(x[i:i + 65536]).double(), dim=1)
                      for i in range(0, len(x), 65536)]
        return torch.cat(chunks).numpy()

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
