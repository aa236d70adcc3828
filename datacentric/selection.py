"""The selection rows: a fixed slice of the training rows that no cell of the head-to-head
trains on, on which the best arms are picked (see :mod:`datacentric.headtohead`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datacentric.columns import LABEL, ROW_ID
from datacentric.dataset import split_groups


def selection_rows(frame: pd.DataFrame, *, fraction: float, random_state: int,
                   group: str | None = None) -> pd.Series:
    """Which training rows form the selection slice (a boolean Series on ``frame``'s index).

    Per class, the ``floor(fraction * rows)`` rows first in a seeded order of their
    ``row_id`` hashes, so the slice is stratified, the same for every arm and seed whatever
    the rows' order, and a class with fewer than ``1 / fraction`` rows keeps all its rows for
    training. With a ``group`` column the order hashes what
    :func:`datacentric.dataset.split_groups` keeps together (ties broken by ``row_id``), and a
    group's rows follow the one with the smallest ``row_id``, so no arm is picked on a subject
    it trained on.
    """
    together = split_groups(frame, base=frame[ROW_ID].astype(str), group=group)
    order = pd.util.hash_pandas_object(together, index=False,
                                       hash_key=f"{random_state:016d}"[-16:])
    ranked = frame[[LABEL, ROW_ID]].assign(_order=order).sort_values(["_order", ROW_ID])
    rank = ranked.groupby(LABEL).cumcount().reindex(frame.index)
    size = frame.groupby(LABEL)[LABEL].transform("size")
    chosen = rank < np.floor(fraction * size)
    if group is None:
        return chosen
    leader = frame[ROW_ID].groupby(together).transform("min") == frame[ROW_ID]
    return together.map(chosen[leader].set_axis(together[leader])).astype(bool)
