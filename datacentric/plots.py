"""Figures a person would rather look at than read, drawn server-side with matplotlib."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")  # no display; figures go to files and inline SVG

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def forest(effects: pd.DataFrame, *, points: float = 100.0) -> Figure:
    """Each contrast of the head-to-head with its interval (``label``, ``effect``, ``low``,
    ``high``, ``real``), in points."""
    table = effects.iloc[::-1]
    labels = table["label"].tolist()
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    for y, row in enumerate(table.itertuples()):
        colour = "#1b7837" if row.real else "#777777"
        ax.errorbar(row.effect * points, y, fmt="o", color=colour, capsize=3,
                    xerr=[[(row.effect - row.low) * points], [(row.high - row.effect) * points]])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(np.arange(len(table)), labels)
    ax.set_xlabel("change in accuracy (points, 95% interval)")
    fig.tight_layout()
    return fig


def per_seed(cell_scores: pd.DataFrame, *, points: float = 100.0) -> Figure:
    """Accuracy of every cell per seed (``cell``, ``seed``, ``score``), one line per cell."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for cell, rows in cell_scores.groupby("cell", sort=False):
        ax.plot(rows["seed"], rows["score"] * points, marker="o", label=cell)
    ax.set_xlabel("seed")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def cleaning_curve(curve: pd.DataFrame, *, points: float = 100.0) -> Figure:
    """Mean accuracy and interval after removing n rows (``order``, ``removed``, ``mean``,
    ``low``, ``high``)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for order, rows in curve.groupby("order"):
        ax.plot(rows["removed"], rows["mean"] * points, marker="o", label=order)
        ax.fill_between(rows["removed"], rows["low"] * points, rows["high"] * points,
                        alpha=0.2)
    ax.set_xlabel("training rows removed")
    ax.set_ylabel("test accuracy (%)")
    ax.legend()
    fig.tight_layout()
    return fig


def heatmap(matrix: pd.DataFrame, *, row: str, column: str, value: str, title: str) -> Figure:
    """A labelled heat map of a long frame (e.g. a confusion or noise matrix)."""
    grid = matrix.pivot_table(index=row, columns=column, values=value, aggfunc="sum",
                              fill_value=0)
    fig, ax = plt.subplots(figsize=(1.2 * len(grid.columns) + 2, 1.0 * len(grid) + 1.5))
    image = ax.imshow(grid.to_numpy(), cmap="Blues")
    ax.set_xticks(range(len(grid.columns)), grid.columns, rotation=45, ha="right")
    ax.set_yticks(range(len(grid.index)), grid.index)
    ax.set_xlabel(column)
    ax.set_ylabel(row)
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8)
    ax.set_title(title)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as an inline SVG string (no external references); closes the figure."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.DOTALL)


def save_png(fig: Figure, path) -> None:
    """Write the figure as PNG to ``path`` (a temporary path from ``atomic_path``)."""
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)
