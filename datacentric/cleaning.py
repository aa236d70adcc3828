"""Cleaning policies as data arms: each turns validated training rows plus audit findings into
a training set, and reports every row it removed, relabelled or re-weighted.

An arm is one step or several joined by ``+`` and applied left to right (``reviewed+prune``
applies the data team's decisions, then prunes what the audit still flags). ``raw`` stands
alone. Test rows never reach these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from datacentric import review
from datacentric.columns import LABEL, ROW_ID, WEIGHT
from datacentric.errors import DatacentricError

CHANGE_COLUMNS = [ROW_ID, "change", "reason", LABEL]


@dataclass(frozen=True)
class CleanOptions:
    """``max_prune_fraction``: most rows prune may drop (share of the arm's input);
    ``min_per_class``: rows prune must leave in every class; ``relabel_confidence``: the
    ensemble probability a suggested label needs; ``weight_floor``: smallest sample weight."""

    max_prune_fraction: float = 0.1
    min_per_class: int = 10
    relabel_confidence: float = 0.8
    weight_floor: float = 0.1


def _changes(rows: pd.DataFrame, change: str, reason: str) -> pd.DataFrame:
    return pd.DataFrame({ROW_ID: rows[ROW_ID].to_numpy(), "change": change, "reason": reason,
                         LABEL: rows[LABEL].to_numpy()})


def _flagged(frame: pd.DataFrame, issues: pd.DataFrame, column: str) -> pd.Series:
    marked = set(issues.loc[issues[column].astype(bool), ROW_ID])
    return frame[ROW_ID].isin(marked)


def prune(frame, issues, decisions, options):
    """Drop flagged label issues, worst ``label_score`` first, at most ``max_prune_fraction``
    of the rows and never below ``min_per_class`` rows in a class."""
    scores = issues.set_index(ROW_ID)["label_score"]
    candidates = frame[_flagged(frame, issues, "is_label_issue")].assign(
        _score=lambda f: f[ROW_ID].map(scores)).sort_values("_score", kind="stable")
    budget = int(np.floor(options.max_prune_fraction * len(frame)))
    chosen = first_removable(frame, candidates[ROW_ID], budget,
                             min_per_class=options.min_per_class)
    dropped = frame[ROW_ID].isin(chosen)
    return frame[~dropped], _changes(frame[dropped], "removed", "prune: label issue")


def first_removable(frame: pd.DataFrame, order: pd.Series, n: int, *, min_per_class: int
                    ) -> list[str]:
    """The first ``n`` row ids of ``order`` (ids of ``frame``) whose removal leaves at least
    ``min_per_class`` rows in every class; rows of a class at its minimum are skipped."""
    room = (frame[LABEL].value_counts() - min_per_class).clip(lower=0).to_dict()
    labels = frame.set_index(ROW_ID)[LABEL]
    chosen = []
    for row_id in order:
        if len(chosen) >= n:
            break
        label = labels[row_id]
        if room.get(label, 0) > 0:
            chosen.append(row_id)
            room[label] -= 1
    return chosen


def relabel(frame, issues, decisions, options):
    """Take the suggested label of flagged label issues whose ensemble confidence is at least
    ``relabel_confidence``."""
    by_id = issues.set_index(ROW_ID)
    suggested = frame[ROW_ID].map(by_id["suggested_label"])
    confident = frame[ROW_ID].map(by_id["suggested_confidence"]) >= options.relabel_confidence
    mask = _flagged(frame, issues, "is_label_issue") & confident & (suggested != frame[LABEL])
    out = frame.copy()
    out.loc[mask, LABEL] = suggested[mask]
    return out, _changes(frame[mask], "relabelled", "relabel: confident suggestion")


def reweight(frame, issues, decisions, options):
    """Sample weight = the row's label quality score, floored at ``weight_floor``."""
    weights = frame[ROW_ID].map(issues.set_index(ROW_ID)["label_score"]).fillna(1.0)
    weights = weights.clip(lower=options.weight_floor, upper=1.0)
    previous = frame.get(WEIGHT, 1.0)
    out = frame.assign(**{WEIGHT: weights * previous})
    return out, _changes(frame[weights < 1.0], "reweighted", "reweight: label quality")


def dedupe(frame, issues, decisions, options):
    """Drop near-duplicates of an earlier row (the first row of each set is kept)."""
    earlier = issues.set_index(ROW_ID)["near_duplicate_of"]
    mask = frame[ROW_ID].map(earlier).notna() & _flagged(frame, issues, "is_near_duplicate_issue")
    return frame[~mask], _changes(frame[mask], "removed", "dedupe: near-duplicate")


def outliers(frame, issues, decisions, options):
    """Drop rows Datalab flags as outliers."""
    mask = _flagged(frame, issues, "is_outlier_issue")
    return frame[~mask], _changes(frame[mask], "removed", "outliers: outlier")


def reviewed(frame, issues, decisions, options):
    """Apply the data team's decisions: ``drop`` removes, ``relabel:CLASS`` relabels."""
    decision = frame[ROW_ID].map(decisions.set_index(ROW_ID)["decision"]) \
        if len(decisions) else pd.Series(None, index=frame.index, dtype=object)
    drop = decision == "drop"
    relabelled = decision.fillna("").str.startswith("relabel:")
    out = frame.copy()
    # a decision names its class as text; integer and boolean labels keep their type
    by_name = {str(c): c for c in pd.unique(frame[LABEL])}
    out.loc[relabelled, LABEL] = decision[relabelled].str.removeprefix("relabel:").map(
        lambda name: by_name.get(name, name))
    changes = pd.concat([_changes(frame[drop], "removed", "review decision: drop"),
                         _changes(frame[relabelled], "relabelled", "review decision: relabel")])
    return out[~drop], changes


STEPS: dict[str, Callable] = {"prune": prune, "relabel": relabel, "reweight": reweight,
                              "dedupe": dedupe, "outliers": outliers, "reviewed": reviewed}


def parse_arm(arm: str) -> list[str]:
    """The steps of a data arm; ``raw`` has none.

    Raises
    ------
    DatacentricError
        For an unknown step or ``raw`` combined with others.
    """
    if arm == "raw":
        return []
    steps = arm.split("+")
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise DatacentricError(
            f"data arm '{arm}': unknown step '{unknown[0]}' (steps: raw, {', '.join(STEPS)}).")
    return steps


def apply_arm(train: pd.DataFrame, issues: pd.DataFrame, decisions: pd.DataFrame, arm: str,
              options: CleanOptions = CleanOptions()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training set of data arm ``arm`` and its row-level changes (``row_id``,
    ``change``, ``reason``, ``label`` before the change)."""
    frame = train.reset_index(drop=True)
    changes = [pd.DataFrame(columns=CHANGE_COLUMNS)]
    for step in parse_arm(arm):
        frame, step_changes = STEPS[step](frame, issues, decisions, options)
        frame = frame.reset_index(drop=True)
        changes.append(step_changes)
    return frame, pd.concat(changes, ignore_index=True)


def manifest(changes: pd.DataFrame, *, rows_in: int, rows_out: int) -> dict:
    """Counts for the metrics file: rows in and out, and changes by kind, reason and class."""
    counts = changes.groupby(["change", "reason", LABEL]).size()
    return {
        "rows_in": rows_in, "rows_out": rows_out,
        **{f"{change}": int(n) for change, n in changes.groupby("change").size().items()},
        "by_reason_and_class": [{"change": c, "reason": r, "class": k, "rows": int(n)}
                                for (c, r, k), n in counts.items()],
    }


def review_order(issues: pd.DataFrame, *, random_state: int | None = None) -> pd.Series:
    """Training ``row_id``s in the review sheet's order (:func:`datacentric.review.review_order`).
    With ``random_state``, a seeded random order instead, the control for the audit's order."""
    train = issues[issues["split"] == "train"]
    if random_state is not None:
        return train[ROW_ID].sample(frac=1, random_state=random_state).reset_index(drop=True)
    return train[ROW_ID].iloc[review.review_order(train)].reset_index(drop=True)
