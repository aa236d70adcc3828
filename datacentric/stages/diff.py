"""diff: the row-level changelog of the data between two git revisions, read through DVC."""

from __future__ import annotations

import io

import dvc.api
import pandas as pd
import typer

from datacentric import paths
from datacentric.changelog import diff_rows
from datacentric.columns import ROW_ID
from datacentric.errors import DatacentricError


def _read(path: str, rev: str) -> pd.DataFrame:
    try:
        with dvc.api.open(path, rev=rev, mode="rb") as handle:
            return pd.read_parquet(io.BytesIO(handle.read()))
    except Exception as exc:  # dvc raises many types for missing revisions, files and caches
        raise DatacentricError(
            f"{path} at revision '{rev}': cannot be read ({type(exc).__name__}); is the "
            f"revision committed and its data in the DVC cache?") from None


def _reasons(arm: str | None, rev: str) -> pd.Series:
    """Reasons the pipeline recorded at ``rev``: the arm's changes, else review decisions."""
    if arm is not None:
        changes = _read(str(paths.CLEAN / f"{arm}_changes.parquet"), rev)
        return changes.drop_duplicates(ROW_ID, keep="last").set_index(ROW_ID)["reason"]
    try:
        decisions = pd.read_csv(io.StringIO(dvc.api.read(str(paths.DECISIONS), rev=rev)))
    except Exception:  # no decisions file at that revision: no review reasons
        return pd.Series(dtype=str)
    return ("review decision: " + decisions.set_index(ROW_ID)["decision"]).rename("reason")


def main(rev_a: str, rev_b: str, arm: str | None = None) -> pd.DataFrame:
    if arm is None:
        files = [str(paths.PREPARED_TRAIN), str(paths.PREPARED_TEST)]
    else:
        files = [str(paths.CLEAN / f"{arm}.parquet")]
    before = pd.concat([_read(f, rev_a) for f in files], ignore_index=True)
    after = pd.concat([_read(f, rev_b) for f in files], ignore_index=True)
    table = diff_rows(before, after, reasons=_reasons(arm, rev_b),
                      default_reason="cleaning arm" if arm else "new delivery")
    counts = table["change"].value_counts().to_dict()
    typer.echo(f"{rev_a}..{rev_b}: " + (", ".join(f"{n} {c}" for c, n in sorted(
        counts.items())) or "no row changed"), err=True)
    typer.echo(table.to_csv(index=False), nl=False)
    return table
