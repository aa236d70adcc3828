"""Starter suites: expectations drafted by column role from a table's training rows, what a
suite records about the table it was drafted for, and the check that a suite fits a table.

Expectations are plain dicts in Great Expectations' JSON form; nothing here imports it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from datacentric.columns import LABEL, ROW_ID
from datacentric.errors import DatacentricError
from datacentric.roles import TableRoles

ROW_ID_PATTERN = r"^[0-9a-f]{16}(?:-[0-9]+)?$"
VALUE_SET_MAX_UNSEEN = 0.01  # a value set only where unseen levels are this rare (Good–Turing)
DATETIME_TYPES = ["datetime64", "datetime64[ns]", "datetime64[us]", "datetime64[ms]",
                  "datetime64[s]"]
BOOLEAN_TYPES = ["bool", "BooleanDtype"]
DATE_MARGIN = pd.Timedelta(days=5 * 365)
MARGIN_DOUBLINGS = 8  # range_margin doubled at most this many times (0.1 → 25.6 spans)


def _exp(kind: str, severity: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "severity": severity, "meta": {}}


def key_pattern(values: pd.Series, *, max_shapes: int = 5) -> str | None:
    """A regex matching every key's shape (runs of letters, runs of digits, other characters
    as they are: ``C00017`` → ``^[A-Za-z]+[0-9]+$``), or ``None`` beyond ``max_shapes``
    shapes, where a pattern would say nothing."""
    def shape(text: str) -> str:
        parts = re.findall(r"[A-Za-z]+|[0-9]+|.", text)
        return "".join("[A-Za-z]+" if p.isalpha() and p.isascii() else "[0-9]+"
                       if p.isdigit() and p.isascii() else re.escape(p) for p in parts)
    shapes = sorted(set(values.dropna().astype(str).map(shape)))
    if not shapes or len(shapes) > max_shapes:
        return None
    return "^(?:" + "|".join(shapes) + ")$" if len(shapes) > 1 else f"^{shapes[0]}$"


def _value_set_fits(column: pd.Series, max_levels: int) -> bool:
    """A categorical gets a value set when it has at most ``max_levels`` levels and the share
    of rows holding a level seen once (the Good–Turing estimate of rows with a level never
    seen) is at most :data:`VALUE_SET_MAX_UNSEEN`, so new rows rarely fail it."""
    counts = column.value_counts()
    present = int(counts.sum())
    return 0 < len(counts) <= max_levels and (counts == 1).sum() <= VALUE_SET_MAX_UNSEEN * present


def _padded_range(low: np.ndarray, high: np.ndarray, margin: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The observed ``low``..``high`` widened by ``margin`` of its span on each side, or of
    ``max(|low|, 1)`` where the span is zero."""
    pad = margin * (high - low)
    pad = np.where(pad > 0, pad, margin * np.maximum(np.abs(low), 1.0))
    return low - pad, high + pad


def range_margin_for(numeric: pd.DataFrame, *, range_margin: float, false_alarm: float,
                     random_state: int, groups: np.ndarray | None = None) -> float:
    """The share of its span that widens each numeric range of a drafted suite.

    ``range_margin``, doubled (at most :data:`MARGIN_DOUBLINGS` times) until ranges drafted
    that way from a random half of ``numeric``'s rows (N, D, float columns) leave at most
    ``false_alarm`` of the other half's rows outside one of them (the mean of both halves
    checked against the other). A row outside a range is quarantined, and with many columns
    or few rows a clean row often lies outside some column's observed span. Ranges from half
    the rows are narrower than from all of them, so the suite's own rate is lower still.
    With ``groups`` (N,), the halves are halves of the groups, as the split deals whole
    groups to the test rows. ``range_margin`` itself where it is 0, or with fewer than four
    rows (groups) or no column.
    """
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    units = np.arange(len(values)) if groups is None else pd.factorize(groups)[0]
    n_units = int(units.max()) + 1 if len(units) else 0
    if range_margin == 0 or n_units < 4 or values.shape[1] == 0:
        return range_margin
    first = np.isin(units, np.random.default_rng(random_state).permutation(n_units)
                    [:n_units // 2])
    halves = values[first], values[~first]
    with warnings.catch_warnings():  # a column missing from a half has no range: never outside
        warnings.simplefilter("ignore", RuntimeWarning)
        spans = [(np.nanmin(h, axis=0), np.nanmax(h, axis=0)) for h in halves]
    margin = range_margin
    for _ in range(MARGIN_DOUBLINGS):
        outside = [float(((other < low) | (other > high)).any(axis=1).mean())
                   for (low, high), other in ((_padded_range(*spans[0], margin), halves[1]),
                                              (_padded_range(*spans[1], margin), halves[0]))]
        if np.mean(outside) <= false_alarm:
            break
        margin *= 2
    return margin


def _role_expectations(name: str, column: pd.Series, role: str, *, is_key: bool,
                       range_margin: float, max_levels: int) -> list[dict]:
    """Type and value expectations for one column by its role."""
    if role == "numeric" or (role == "constant" and pd.api.types.is_float_dtype(column)):
        found = [_exp("expect_column_values_to_be_in_type_list", "critical", column=name,
                      type_list=["float64", "float32"])]
        if role == "numeric" and column.notna().any():
            low, high = _padded_range(np.array([column.min()], dtype=float),
                                      np.array([column.max()], dtype=float), range_margin)
            found.append(_exp("expect_column_values_to_be_between", "warning", column=name,
                              min_value=float(low[0]), max_value=float(high[0])))
        return found
    if role == "boolean":
        return [_exp("expect_column_values_to_be_in_type_list", "critical", column=name,
                     type_list=BOOLEAN_TYPES)]
    if role in ("date", "datetime"):
        found = [_exp("expect_column_values_to_be_in_type_list", "critical", column=name,
                      type_list=DATETIME_TYPES)]
        if column.notna().any():
            low, high = column.min(), column.max()
            # a sanity range, not a tight one: later deliveries bring later dates
            span = max(high - low, DATE_MARGIN)
            found.append(_exp("expect_column_values_to_be_between", "warning", column=name,
                              min_value=(low - span).isoformat(),
                              max_value=(high + span).isoformat()))
        return found
    found = [_exp("expect_column_values_to_be_of_type", "critical", column=name, type_="str")]
    if role == "id":
        if is_key:
            found.append(_exp("expect_column_values_to_be_unique", "critical", column=name))
        pattern = key_pattern(column)
        if pattern:
            found.append(_exp("expect_column_values_to_match_regex", "warning", column=name,
                              regex=pattern))
    elif role == "text" and column.notna().any():
        longest = int(column.dropna().str.len().max())
        found.append(_exp("expect_column_value_lengths_to_be_between", "warning", column=name,
                          min_value=1, max_value=max(2 * longest, longest + 100)))
    elif role == "categorical" and _value_set_fits(column, max_levels):
        found.append(_exp("expect_column_values_to_be_in_set", "warning", column=name,
                          value_set=sorted(column.dropna().unique().tolist())))
    return found


def starter_expectations(train: pd.DataFrame, roles: TableRoles, *, range_margin: float = 0.1,
                         null_margin: float = 0.05, max_levels: int = 50,
                         table_rows: int | None = None) -> list[dict]:
    """Expectation configurations (GX JSON form, each with a ``severity``) profiled from the
    training rows by column role, for the data team to curate. ``table_rows`` is the number
    of training rows when ``train`` is a sample of them (default: ``len(train)``).

    Critical: the exact column set, each column's type, unique ``row_id`` and key, a row
    count of at least one, and null rates far above training (more than half of a column's
    present values gone). Warning, row-level (failing rows are quarantined): numeric ranges
    widened by ``range_margin`` of the observed span, a plausible date range (the observed one
    widened by its span, at least five years, each side), text lengths up to twice the longest,
    the key's pattern, categorical value sets (only up to ``max_levels`` levels and where
    unseen levels are rare), the label's value set and the ``row_id`` pattern. Warning: null
    rates more than ``null_margin`` above training.
    """
    expectations = [
        _exp("expect_table_columns_to_match_set", "critical", column_set=list(train.columns),
             exact_match=True),
        _exp("expect_table_row_count_to_be_between", "critical", min_value=1,
             max_value=max(1000, 100 * (table_rows or len(train)))),
        _exp("expect_column_values_to_be_unique", "critical", column=ROW_ID),
        _exp("expect_column_values_to_match_regex", "warning", column=ROW_ID,
             regex=ROW_ID_PATTERN),
        _exp("expect_column_values_to_be_in_set", "warning", column=LABEL,
             value_set=sorted(train[LABEL].dropna().unique().tolist())),
    ]
    for name, spec in roles.columns.items():
        column = train[name]
        expectations += _role_expectations(name, column, spec.role, is_key=name == roles.key,
                                           range_margin=range_margin, max_levels=max_levels)
        present = float(column.notna().mean())
        if present > 0 and name != roles.key:
            if present > null_margin:  # below it, any null rate would pass
                expectations.append(_exp("expect_column_values_to_not_be_null", "warning",
                                         column=name, mostly=round(present - null_margin, 4)))
            expectations.append(_exp("expect_column_values_to_not_be_null", "critical",
                                     column=name, mostly=round(present / 2, 4)))
    return expectations


def suite_meta(roles: TableRoles, *, source: str, rows: int, max_levels: int,
               range_margin: float) -> dict:
    """What a drafted suite records about the table it was drafted for (``meta.datacentric``)."""
    return {"datacentric": {
        "source": source, "target": roles.target, "key": roles.key, "drafted_from_rows": rows,
        "roles": {name: spec.role for name, spec in roles.columns.items()},
        "value_set_max_levels": max_levels, "value_set_max_unseen_share": VALUE_SET_MAX_UNSEEN,
        "range_margin": range_margin}}


def drafted_for(suite: dict) -> dict | None:
    """What a suite records about the table it was drafted for, or ``None`` (hand-written)."""
    return (suite.get("meta") or {}).get("datacentric")


def check_suite_fits(suite: dict, *, path: Path, source: str, target: str,
                     columns: list[str]) -> None:
    """Refuse a suite written for another table: drafted for another source or target, or,
    for a hand-written suite, expecting a column set that shares less than half its columns
    with ``columns``.

    Raises
    ------
    DatacentricError
        Naming the suite file, the ``validate.suite`` param and the command that fixes it.
    """
    fix = (f"give this table a suite of its own: remove validate.suite from params.yaml (each "
           f"table then gets one named after its file, drafted on the first run) or set a new "
           f"name, e.g. `dvc exp run -S validate.suite={Path(source).stem}`")
    table = drafted_for(suite)
    if table is not None:
        if (table.get("source"), table.get("target")) != (source, target):
            raise DatacentricError(
                f"{path}: drafted for {table.get('source')} (target '{table.get('target')}'), "
                f"not for {source} (target '{target}'); {fix}.")
        return
    expected = next((e["kwargs"].get("column_set", []) for e in suite.get("expectations", [])
                     if e.get("type") == "expect_table_columns_to_match_set"), None)
    if expected:
        shared = set(expected) & set(columns) - {ROW_ID, LABEL}
        if len(shared) < 0.5 * len(set(expected) - {ROW_ID, LABEL}):
            raise DatacentricError(
                f"{path}: expects the columns of another table ({len(shared)} of its "
                f"{len(set(expected) - {ROW_ID, LABEL})} are in {source}); {fix}.")


TABLE_COLUMN_LISTS = {"expect_table_columns_to_match_set": "column_set",
                      "expect_table_columns_to_match_ordered_list": "column_list"}


def without_columns(suite: dict, columns: list[str]) -> tuple[dict, list[str]]:
    """``suite`` for a table without ``columns``: the expectations on any of them (through
    ``column``, ``column_A``, ``column_B`` or ``column_list``) removed, and the column lists of
    the table-level expectations (:data:`TABLE_COLUMN_LISTS`) without them. Also returns which
    of ``columns`` lost an expectation."""
    left_out = set(columns)

    def touched(expectation: dict) -> set[str]:
        kwargs = expectation.get("kwargs", {})
        if expectation.get("type") in TABLE_COLUMN_LISTS:
            return set()
        named = {kwargs.get(k) for k in ("column", "column_A", "column_B")}
        return (named | set(kwargs.get("column_list") or [])) & left_out

    def trimmed(expectation: dict) -> dict:
        listed = TABLE_COLUMN_LISTS.get(expectation.get("type"))
        kwargs = expectation.get("kwargs", {})
        if listed is None or not left_out & set(kwargs.get(listed) or []):
            return expectation
        kept = [name for name in kwargs[listed] if name not in left_out]
        return {**expectation, "kwargs": {**kwargs, listed: kept}}

    hit = [touched(e) for e in suite.get("expectations", [])]
    kept = [trimmed(e) for e, names in zip(suite.get("expectations", []), hit, strict=True)
            if not names]
    return {**suite, "expectations": kept}, sorted(set().union(*hit))


def role_changes(suite: dict, roles: TableRoles, *, left_out: Collection[str] = ()
                 ) -> list[str]:
    """Columns whose role differs from when the suite was drafted, as ``'x' was numeric, is
    now text`` phrases (empty for a hand-written suite); columns in ``left_out`` (dropped on
    purpose) are not changes."""
    table = drafted_for(suite) or {}
    before = table.get("roles", {})
    now = {name: spec.role for name, spec in roles.columns.items()}
    changes = [f"'{n}' was {before[n]}, is now {now[n]}" for n in now
               if n in before and before[n] != now[n]]
    changes += [f"'{n}' is new" for n in now if before and n not in before]
    changes += [f"'{n}' is gone" for n in before if n not in now and n not in left_out]
    return changes
