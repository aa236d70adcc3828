"""review merge: fold a filled review sheet into data/review/decisions.csv, all or nothing."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import typer

from datacentric import paths
from datacentric.columns import LABEL, ROW_ID
from datacentric.io import read_input, read_table, write_csv
from datacentric.review import DECISION_COLUMNS, merge_decisions


def read_decisions(path: Path = paths.DECISIONS) -> pd.DataFrame:
    """The decisions table; an absent file means no decisions yet."""
    if not path.is_file():
        return pd.DataFrame(columns=DECISION_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)[DECISION_COLUMNS]


def merge(sheet_path: Path, reviewer: str | None = None) -> None:
    train = read_input(paths.VALIDATED_TRAIN, columns=[ROW_ID, LABEL])
    sheet = read_table(sheet_path).astype(object)
    existing = read_decisions()
    merged = merge_decisions(
        sheet, existing, known_ids=set(train[ROW_ID]), classes={str(c) for c in train[LABEL]},
        reviewer=reviewer or getpass.getuser(),
        decided_at=datetime.now(UTC).isoformat(timespec="seconds"), source=str(sheet_path))
    added = len(merged) - len(existing)
    write_csv(merged, paths.DECISIONS)
    typer.echo(f"{paths.DECISIONS}: {added} new decisions merged ({len(merged)} in all); "
               f"`dvc repro` applies them.")
