"""Row-level changelog between two versions of a table keyed by ``row_id``."""

from __future__ import annotations

import pandas as pd

from datacentric.columns import LABEL, ROW_ID, WEIGHT

CHANGELOG_COLUMNS = [ROW_ID, "change", "detail", "reason"]
_EDIT_PAIRING_LIMIT = 5000


def diff_rows(before: pd.DataFrame, after: pd.DataFrame, *, reasons: pd.Series | None = None,
              default_reason: str = "new delivery") -> pd.DataFrame:
    """What happened to each row between two versions.

    ``added`` and ``removed`` rows by ``row_id``; ``relabelled`` rows keep their id with a
    new label; ``edited`` rows keep their id (a table with a key) with other values changed,
    or, where ids are content hashes and an edit changes the id, pair a removed and an added
    row with the same label that differ in exactly one column.
    ``reasons`` maps ``row_id`` to the reason the pipeline recorded; others get
    ``default_reason``. Columns: ``row_id``, ``change``, ``detail``, ``reason``.
    """
    old = before.set_index(ROW_ID)
    new = after.set_index(ROW_ID)
    added = new.index.difference(old.index)
    removed = old.index.difference(new.index)
    both = old.index.intersection(new.index)
    moved = both[(old.loc[both, LABEL] != new.loc[both, LABEL]).to_numpy()]
    rows = [{ROW_ID: r, "change": "relabelled",
             "detail": f"{old.at[r, LABEL]} -> {new.at[r, LABEL]}"} for r in moved]
    if WEIGHT in new or WEIGHT in old:
        w_old = old[WEIGHT] if WEIGHT in old else pd.Series(1.0, index=old.index)
        w_new = new[WEIGHT] if WEIGHT in new else pd.Series(1.0, index=new.index)
        for r in both[(w_old.loc[both] != w_new.loc[both]).to_numpy()]:
            rows.append({ROW_ID: r, "change": "reweighted",
                         "detail": f"{w_old.at[r]:.3g} -> {w_new.at[r]:.3g}"})
    rows += [{ROW_ID: r, "change": "edited", "detail": f"{', '.join(columns)} changed"}
             for r, columns in _edited_in_place(old.loc[both], new.loc[both]).items()]
    edits = _pair_edits(old.loc[removed], new.loc[added])
    rows += [{ROW_ID: a, "change": "edited", "detail": f"was {r}: {column} changed"}
             for r, a, column in edits]
    paired_removed = {r for r, _, _ in edits}
    paired_added = {a for _, a, _ in edits}
    rows += [{ROW_ID: r, "change": "added", "detail": ""} for r in added if r not in paired_added]
    rows += [{ROW_ID: r, "change": "removed", "detail": ""} for r in removed
             if r not in paired_removed]
    table = pd.DataFrame(rows, columns=[ROW_ID, "change", "detail"])
    known = reasons if reasons is not None else pd.Series(dtype=object)
    table["reason"] = table[ROW_ID].map(known).fillna(default_reason)
    return table.sort_values(["change", ROW_ID], ignore_index=True)[CHANGELOG_COLUMNS]


def _edited_in_place(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, list[str]]:
    """Row id → the columns (other than label and weight) whose value changed."""
    columns = [c for c in old.columns if c in new.columns and c not in (LABEL, WEIGHT)]
    if old.empty or not columns:
        return {}
    before, after = old[columns], new.loc[old.index, columns]
    missing = before.isna() & after.isna()
    differs = (before.astype(object).where(before.notna(), None)
               != after.astype(object).where(after.notna(), None)) & ~missing
    return {r: [c for c in columns if differs.at[r, c]] for r in differs.index[differs.any(axis=1)]}


def _pair_edits(removed: pd.DataFrame, added: pd.DataFrame) -> list[tuple[str, str, str]]:
    if removed.empty or added.empty or len(removed) * len(added) > _EDIT_PAIRING_LIMIT**2:
        return []
    columns = [c for c in removed.columns if c in added.columns and c not in (LABEL, WEIGHT)]
    pairs, used = [], set()
    for new_id, new_row in added.iterrows():
        for old_id, old_row in removed.iterrows():
            if old_id in used or old_row[LABEL] != new_row[LABEL]:
                continue
            differs = [c for c in columns if not _same(old_row[c], new_row[c])]
            if len(differs) == 1:
                pairs.append((old_id, new_id, differs[0]))
                used.add(old_id)
                break
    return pairs


def _same(a: object, b: object) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b
