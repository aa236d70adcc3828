"""Ingest logic: type a raw table by its column roles, give rows stable ids, split, plant noise.

Every function takes and returns frames or arrays; none reads or writes files.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from datacentric.columns import LABEL, ROW_ID
from datacentric.errors import DatacentricError
from datacentric.roles import TableRoles, apply_roles, as_strings, infer_roles, type_label

RESERVED = (ROW_ID, LABEL)


def prepare(frame: pd.DataFrame, *, target: str, columns: Mapping[str, object] = {},
            decimal: str | None = None, thousands: str | None = None, source: str = "data"
            ) -> tuple[pd.DataFrame, TableRoles]:
    """Infer the roles of a raw table (``columns`` overriding them, see
    :func:`datacentric.roles.infer_roles`) and type it by them.

    Returns the typed frame (its columns in file order, the target renamed ``label`` last;
    rows without a label keep a missing one, see :func:`split_unlabelled`) and the roles.

    Raises
    ------
    DatacentricError
        When the target column is absent (naming the likely delimiter when the header looks
        split by another one), has fewer than two classes, or a column is named ``row_id`` or
        ``label``.
    """
    frame = frame.rename(columns=lambda name: str(name).strip())
    _require_target(frame, target, source)
    roles = infer_roles(frame, target=target, overrides=columns, decimal=decimal,
                        thousands=thousands, source=source)
    typed = conform(frame, roles, source=source)
    classes = typed[LABEL].dropna().unique()
    if len(classes) < 2:
        found = f"a single class ('{classes[0]}')" if len(classes) else "no value"
        raise DatacentricError(f"{source}: target column '{target}' has {found}; a classifier "
                               f"needs at least two classes.")
    return typed, roles


def conform(frame: pd.DataFrame, roles: TableRoles, *, source: str = "data",
            with_label: bool = True) -> pd.DataFrame:
    """Type ``frame`` (a raw table or a later delivery) by recorded ``roles``: the recorded
    columns it has, in recorded order, then any extra columns as text, then ``label``.
    Missing and extra columns are left for validation to name.

    Raises
    ------
    DatacentricError
        When ``with_label`` and the target column is absent.
    """
    frame = frame.rename(columns=lambda name: str(name).strip())
    if with_label:
        _require_target(frame, roles.target, source)
    extra = [c for c in frame.columns if c not in roles.columns and c != roles.target]
    out = apply_roles(frame, roles)
    for name in extra:
        out[name] = as_strings(frame[name].reset_index(drop=True))
    if with_label:
        out[LABEL] = type_label(frame[roles.target].reset_index(drop=True), roles.label_type)
    return out


def _require_target(frame: pd.DataFrame, target: str, source: str) -> None:
    if target not in frame.columns:
        hint = ""
        if len(frame.columns) == 1:
            found = [d for d in (";", "\t", "|", ",") if d in str(frame.columns[0])]
            if found:
                hint = (f"; the header looks separated by {found[0]!r}: set data.csv.delimiter "
                        f"to it, or leave it unset to detect it")
        raise DatacentricError(f"{source}: target column '{target}' not found (columns: "
                               f"{', '.join(map(str, frame.columns))}){hint}.")
    reserved = [c for c in RESERVED if c in frame.columns and c != target]
    if reserved:
        raise DatacentricError(f"{source}: column name '{reserved[0]}' is reserved; rename it.")


def split_unlabelled(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows with a label, the label in its own type (integers, booleans or text), and the
    rows without one, which cannot be learnt from but are kept (to score later)."""
    missing = frame[LABEL].isna()
    labelled = frame[~missing].reset_index(drop=True)
    labelled[LABEL] = labelled[LABEL].infer_objects()
    return labelled, frame[missing].reset_index(drop=True)


def content_ids(frame: pd.DataFrame, *, key: str | None = None) -> pd.Series:
    """The base ``row_id`` of each row, row by row: a 16-hex-digit hash of the ``key``
    column's value when the table has a key, else of the values of every column except
    ``label`` (in name order). Rows with the same key or values share a base id."""
    if key is not None:
        return _hex_hashes(frame[key].astype(str))
    return _hex_hashes(frame.drop(columns=[LABEL], errors="ignore").sort_index(axis=1))


def _hex_hashes(values: pd.Series | pd.DataFrame) -> pd.Series:
    """pandas' hash of each row of ``values`` as 16 hex digits, on ``values``' index."""
    hashed = pd.util.hash_pandas_object(values, index=False).to_numpy()
    return pd.Series([f"{h:016x}" for h in hashed], index=values.index)


def assign_row_ids(frame: pd.DataFrame, *, key: str | None = None) -> pd.DataFrame:
    """Return a copy with a ``row_id`` column: the :func:`content_ids` base id, with ``-1``,
    ``-2`` … suffixes on the second, third … row (in order of appearance) sharing one.

    Either way the id is the same on every run, after rows are added or reordered and after a
    relabel; with a key it also survives edits of the row's other values.
    """
    base = content_ids(frame, key=key)
    occurrence = base.groupby(base).cumcount()
    ids = base.where(occurrence == 0, base + "-" + occurrence.astype(str))
    out = frame.copy()
    out.insert(0, ROW_ID, ids.to_numpy())
    return out


def base_ids(row_ids: pd.Series) -> pd.Series:
    """``row_id`` without its ``-n`` duplicate suffix."""
    return row_ids.str.replace(r"-\d+$", "", regex=True)


def split_groups(frame: pd.DataFrame, *, base: pd.Series, group: str | None = None
                 ) -> pd.Series:
    """What the split keeps together, row by row: a 16-hex-digit hash of the ``group`` column's
    value where the table has a group and the row a value, else ``base`` (the row's base id),
    so every row of one subject lands on one side."""
    if group is None:
        return base
    # hashed apart from the key's values, so a key "17" is never patient "17"
    return _hex_hashes("group/" + frame[group].astype(str)).where(frame[group].notna(), base)


def fold_groups(frame: pd.DataFrame, *, group: str | None) -> np.ndarray | None:
    """Per row of ``frame`` (N,), what one cross-validation fold keeps together: the
    :func:`split_groups` id of its ``group`` value, or its position where it has none;
    ``None`` for a table without a group."""
    if group is None:
        return None
    positions = pd.Series(np.arange(len(frame)).astype(str), index=frame.index)
    return split_groups(frame, base=positions, group=group).to_numpy()


class StratifiedGroupFolds:
    """K folds of whole groups, each near the table's class mix, in time linear in the rows
    (scikit-learn's ``StratifiedGroupKFold`` weighs every group against every fold in Python,
    about 100 µs a group: 23 s for 250,000 groups; ``bench/group_folds.py``). The
    scikit-learn splitter interface: ``split(X, y, groups)`` yields (train, test) positions.

    The groups are shuffled (seeded), ordered by their most common label and, within a label,
    largest first, then dealt to the folds in turn (0, 1, …, K−1, 0, 1, …), so each fold gets a
    K-th of every label's groups (give or take one) and about a K-th of the rows.

    Raises ValueError where there are fewer groups than folds."""

    def __init__(self, n_splits: int, *, random_state: int) -> None:
        self.n_splits = n_splits
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return self.n_splits

    def split(self, X, y, groups):
        _, row_group = np.unique(np.asarray(groups), return_inverse=True)
        n_groups = int(row_group.max()) + 1
        if self.n_splits > n_groups:
            raise ValueError(f"{self.n_splits} folds need as many groups; there are {n_groups}.")
        _, codes = np.unique(np.asarray(y), return_inverse=True)
        n_classes = int(codes.max()) + 1
        counts = np.bincount(row_group * n_classes + codes, minlength=n_groups * n_classes
                             ).reshape(n_groups, n_classes)
        label = counts.argmax(axis=1)
        shuffled = np.random.default_rng(self.random_state).permutation(n_groups)
        order = shuffled[np.lexsort((-counts.sum(axis=1)[shuffled], label[shuffled]))]
        group_fold = np.empty(n_groups, dtype=np.int64)
        group_fold[order] = np.arange(n_groups) % self.n_splits
        row_fold = group_fold[row_group]
        index = np.arange(len(row_fold))
        for fold in range(self.n_splits):
            yield index[row_fold != fold], index[row_fold == fold]


def stratified_folds(n_splits: int, *, groups: np.ndarray | None, random_state: int
                     ) -> StratifiedKFold | StratifiedGroupFolds:
    """A shuffled stratified K-fold splitter, grouped (each of the :func:`fold_groups` in one
    fold, :class:`StratifiedGroupFolds`) where ``groups`` is given."""
    if groups is None:
        return StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    return StratifiedGroupFolds(n_splits, random_state=random_state)


def held_out_rows(labels: np.ndarray, *, fraction: float, random_state: int,
                  groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows a model fits on and of the rows it holds out (for early
    stopping), from labels (N,): a seeded ``fraction`` of the rows, stratified where every
    class has two rows; with ``groups`` (N,), one fold of a stratified group K-fold of
    ``round(1 / fraction)`` folds (at most one per group), so each group falls on one side.
    Needs two groups or more."""
    index = np.arange(len(labels))
    if groups is None:
        stratify = labels if np.unique(labels, return_counts=True)[1].min() >= 2 else None
        return tuple(train_test_split(index, test_size=fraction, random_state=random_state,
                                      stratify=stratify))
    n_splits = max(2, min(round(1 / fraction), len(np.unique(groups))))
    return next(stratified_folds(n_splits, groups=groups, random_state=random_state)
                .split(index, labels, groups))


def split_keys(base: pd.Series, *, random_state: int) -> pd.Series:
    """The seeded sort key (16 hex digits, ordered as the unsigned hash) of each base id:
    within a class the smallest keys go to test. Row by row."""
    return _hex_hashes(base + f"/{random_state}")


def test_counts(sizes: pd.Series, *, test_size: float, min_train_rows: int = 1) -> pd.Series:
    """Test rows per class for classes of ``sizes`` rows: ``test_size`` of them rounded (half
    to even), at least one, and at most what leaves ``min_train_rows`` for training; none for
    a class of ``min_train_rows`` rows or fewer, which stays whole in training (one test row
    would measure nothing, and training needs the rows)."""
    n_test = np.clip(np.round(sizes * test_size), 1, np.maximum(sizes - min_train_rows, 1))
    return n_test.where(sizes > min_train_rows, 0).astype(int)


def split_train_test(
    frame: pd.DataFrame, *, test_size: float, random_state: int, min_train_rows: int = 1,
    group: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified split keyed by ``row_id``: within each class, the :func:`test_counts` rows
    with the smallest :func:`split_keys` (ties in frame order) go to test, so every class
    keeps at least ``min_train_rows`` training rows where it has that many.

    A row's side depends on its id and the seed, not on file order, so adding rows moves few
    existing rows across. Rows that :func:`split_groups` keeps together fall on the side of
    the first of them: those sharing a value of the ``group`` column, so no test row shares a
    subject with a training row; without a group, those sharing a key or identical values (ids
    differing only in their ``-n`` suffix), so no test row repeats a training row. Where that
    leaves a class short (:func:`short_classes`), every subject with a row of it stays in
    training.
    """
    base = split_groups(frame, base=base_ids(frame[ROW_ID]), group=group)
    keys = split_keys(base, random_state=random_state)
    rank = keys.groupby(frame[LABEL]).rank(method="first") - 1
    n_test = frame[LABEL].map(test_counts(frame[LABEL].value_counts(), test_size=test_size,
                                          min_train_rows=min_train_rows))
    is_test = (rank < n_test).groupby(base).transform("first")
    short = short_classes(frame[LABEL].value_counts(), frame.loc[~is_test, LABEL].value_counts(),
                          min_train_rows=min_train_rows)
    if short:  # following a subject's first row took a class's training rows: they stay
        is_test &= ~frame[LABEL].isin(short).groupby(base).transform("any")
    return frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)


def short_classes(sizes: pd.Series, train_counts: pd.Series, *, min_train_rows: int) -> list:
    """The classes of ``sizes`` (rows per class) left with fewer training rows
    (``train_counts``) than ``min_train_rows``, or than all their rows where they have fewer;
    a split keeps every row that shares a subject with one of theirs in training."""
    kept = train_counts.reindex(sizes.index, fill_value=0)
    return sorted(sizes.index[kept < np.minimum(sizes, min_train_rows)], key=str)


def flip_chances(*, rate: float, model: str, n_classes: int) -> np.ndarray:
    """Each class's chance to flip (classes in sorted order), as :func:`flip_labels` says."""
    if model == "symmetric":
        return np.full(n_classes, rate)
    if model == "class_conditional":
        return np.minimum(2 * rate * (np.arange(n_classes) + 1) / (n_classes + 1), 0.95)
    raise ValueError(f"unknown noise model {model!r}")


def noise_draws(n_rows: int, *, model: str, n_classes: int, random_state: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """The seeded draws behind :func:`flip_labels` for ``n_rows`` labels in order: a uniform
    number each (the row flips when it is below its class's chance) and the shift its class
    code takes when it flips, modulo ``n_classes``. 16 bytes a row."""
    rng = np.random.default_rng(random_state)
    uniform = rng.random(n_rows)
    if model == "symmetric":
        return uniform, rng.integers(1, n_classes, size=n_rows)
    return uniform, np.ones(n_rows, dtype=np.int64)


def flip_labels(
    labels: pd.Series, *, rate: float, model: str, random_state: int
) -> pd.Series:
    """Return labels with a share ``rate`` of them flipped, for scoring label-error detection.

    ``symmetric``: each row flips with probability ``rate`` to a uniformly drawn other class.
    ``class_conditional``: class k (in sorted order, of K) flips with probability
    ``2 * rate * (k + 1) / (K + 1)`` (mean ``rate``, capped at 0.95) to the next class.
    """
    if rate == 0:
        return labels.copy()
    classes = np.array(sorted(labels.unique()))
    codes = np.searchsorted(classes, labels.to_numpy())
    chances = flip_chances(rate=rate, model=model, n_classes=len(classes))
    uniform, shift = noise_draws(len(codes), model=model, n_classes=len(classes),
                                 random_state=random_state)
    noisy = np.where(uniform < chances[codes], (codes + shift) % len(classes), codes)
    return pd.Series(classes[noisy], index=labels.index, name=labels.name)


def require_class_rows(counts: pd.Series, *, min_rows: int, param: str,
                       source: str = "data") -> None:
    """Refuse a table whose rarest training class has fewer than ``min_rows`` rows;
    ``counts`` holds the training rows per class (as ``value_counts`` gives them).

    Raises
    ------
    DatacentricError
        Naming the rarest classes (five at most) with their counts, and ``param``, the
        setting that decides the minimum.
    """
    rare = counts[counts < min_rows].sort_values(kind="stable")
    if len(rare) == 1:
        n = int(rare.iloc[0])
        raise DatacentricError(
            f"{source}: class '{rare.index[0]}' has {n} training row{'' if n == 1 else 's'}, "
            f"fewer than {param}={min_rows}; merge or remove the class, or lower {param}.")
    if len(rare):
        named = ", ".join(f"'{label}' ({int(n)})" for label, n in rare.iloc[:5].items())
        more = f" and {len(rare) - 5} more" if len(rare) > 5 else ""
        raise DatacentricError(
            f"{source}: {len(rare)} classes have fewer training rows than {param}={min_rows}: "
            f"{named}{more}; merge or remove them, or lower {param}.")


def require_subjects(n_subjects: int, *, group: str | None, folds: int,
                     source: str = "data") -> None:
    """Refuse a table whose ``group`` holds fewer subjects (``n_subjects``, among the training
    rows) than the audit's ``folds``: the audit keeps each subject in one fold.

    Raises
    ------
    DatacentricError
        Naming the column, its count and ``audit.folds``.
    """
    if group is not None and n_subjects < folds:
        raise DatacentricError(
            f"{source}: column '{group}', the table's group (data.columns.group), holds "
            f"{n_subjects} subjects in the training rows, fewer than audit.folds={folds}, and "
            f"the audit keeps each subject in one fold; name a column with more subjects in "
            f"data.columns.group, or lower audit.folds.")


def untested_classes(train_counts: pd.Series, test_labels: pd.Series) -> list:
    """The classes of ``train_counts`` (training rows per class) with no row among
    ``test_labels``, sorted by their text: those :func:`test_counts` kept whole in training,
    and any whose test rows all followed training rows they repeat."""
    return sorted(train_counts.index[~train_counts.index.isin(test_labels.unique())], key=str)


def prepare_with_ids(frame: pd.DataFrame, *, target: str, columns: Mapping[str, object] = {}
                     ) -> tuple[pd.DataFrame, TableRoles]:
    """:func:`prepare`, :func:`assign_row_ids` by the key and the labelled rows of
    :func:`split_unlabelled`: a raw table as ingest makes it, before the split. Returns the
    frame and its roles."""
    frame, roles = prepare(frame, target=target, columns=columns)
    return split_unlabelled(assign_row_ids(frame, key=roles.key))[0], roles
