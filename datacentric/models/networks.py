"""Tabular networks of Gorishniy et al. (2021), "Revisiting Deep Learning Models for Tabular
Data": the plain MLP and the ResNet with batch-normalised residual blocks."""

from __future__ import annotations

from torch import Tensor, nn


def make_mlp(n_features: int, n_classes: int, *, hidden_size: int, n_blocks: int,
             dropout: float) -> nn.Module:
    """Blocks of Linear → ReLU → Dropout, then a linear head. Input (N, n_features)."""
    layers: list[nn.Module] = []
    width = n_features
    for _ in range(n_blocks):
        layers += [nn.Linear(width, hidden_size), nn.ReLU(), nn.Dropout(dropout)]
        width = hidden_size
    layers.append(nn.Linear(width, n_classes))
    return nn.Sequential(*layers)


class _ResidualBlock(nn.Module):
    def __init__(self, width: int, dropout: float) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm1d(width),
            nn.Linear(width, 2 * width),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(2 * width, width),
            nn.Dropout(dropout),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


def make_resnet(n_features: int, n_classes: int, *, hidden_size: int, n_blocks: int,
                dropout: float) -> nn.Module:
    """Linear stem, residual blocks (BN → Linear → ReLU → Dropout → Linear → Dropout), then
    BN → ReLU → Linear head. Input (N, n_features)."""
    return nn.Sequential(
        nn.Linear(n_features, hidden_size),
        *[_ResidualBlock(hidden_size, dropout) for _ in range(n_blocks)],
        nn.BatchNorm1d(hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, n_classes),
    )


ARCHITECTURES = {"mlp": make_mlp, "resnet": make_resnet}
