import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from torch import nn

from datacentric.models.device import DevicePlan
from datacentric.models.torch_classifier import TorchClassifier
from datacentric.models.training_step import EagerStep, TrainingTensors

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device "
                                "(bench/gpu_check.sh runs these on the GPU machine)")


def _linear_step(data: TrainingTensors) -> tuple[nn.Module, EagerStep]:
    torch.manual_seed(1)
    module = nn.Linear(4, 3)
    optimizer = torch.optim.AdamW(module.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cuda", enabled=False)
    return module, EagerStep(module, module, optimizer, scaler, DevicePlan("cpu", None, False),
                             data)


def test_a_padded_batch_weighted_zero_trains_like_the_short_batch():
    """A CUDA graph replays full batches only; the padding rows must change nothing."""
    generator = torch.Generator().manual_seed(0)
    data = TrainingTensors(torch.randn(10, 4, generator=generator),
                           torch.randint(0, 3, (10,), generator=generator),
                           torch.rand(10, generator=generator) + 0.5)
    short, short_step = _linear_step(data)
    short_step(torch.tensor([7, 2, 5]))
    padded, padded_step = _linear_step(data)
    padded_step.optimizer.zero_grad(set_to_none=True)
    padded_step._update(torch.tensor([7, 2, 5, 7, 2, 5, 7, 2]),
                        torch.tensor([1.0, 1, 1, 0, 0, 0, 0, 0]), cache_casts=True)
    for mine, theirs in zip(padded.parameters(), short.parameters(), strict=True):
        torch.testing.assert_close(mine, theirs)
    torch.testing.assert_close(padded_step.total, short_step.total)


def _table(rows: int = 1000):
    X, y = make_classification(rows, 8, n_informative=5, n_classes=3, random_state=0)
    return X.astype(np.float32), y


@needs_cuda
@pytest.mark.parametrize("architecture", ["mlp", "resnet"])
@pytest.mark.parametrize("precision", ["auto", "fp32"])
def test_the_cuda_graph_trains_like_eager_steps(architecture, precision):
    X, y = _table()  # 680 rows fit, 120 validate: the last batch of 64 is padded

    def fit(graph: bool, seed: int = 0) -> TorchClassifier:
        return TorchClassifier(architecture, batch_size=64, max_epochs=8, device="cuda",
                               precision=precision, cuda_graph=graph,
                               random_state=seed).fit(X[:800], y[:800])

    graphed, eager = fit(True), fit(False)
    assert graphed.cuda_graph_ and not eager.cuda_graph_
    assert graphed.history_[-1]["train_loss"] < graphed.history_[0]["train_loss"]
    accuracy = [float((m.predict(X[800:]) == y[800:]).mean()) for m in (graphed, eager)]
    assert abs(accuracy[0] - accuracy[1]) <= 0.06, accuracy
    np.testing.assert_array_equal(graphed.predict_proba(X), fit(True).predict_proba(X))


@needs_cuda
def test_no_cuda_graph_with_fewer_rows_than_a_batch():
    X, y = _table(200)
    model = TorchClassifier(batch_size=512, max_epochs=2, device="cuda").fit(X, y)
    assert not model.cuda_graph_
