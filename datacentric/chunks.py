"""Typing a raw table chunk by chunk (Spark's partitions) exactly as typing it whole.

Some typing decisions read a whole column: a numeric or date column with one value that does
not read stays text, a boolean column's words are judged together, the label's type comes from
every label. One chunk alone may decide otherwise, so :func:`chunk_facts` records what each
chunk says, :func:`typing_plan` merges them into the decisions the whole table would give, and
:func:`type_chunk` types any chunk by that plan. No function reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from datacentric.dataset import conform
from datacentric.roles import ColumnRole, TableRoles, apply_roles, label_type
from datacentric.values import boolean_tokens, reads_as_booleans

_PARSED_ROLES = ("numeric", "date", "datetime")


@dataclass(frozen=True)
class TypingPlan:
    """The whole table's typing decisions: the columns whose role reads values (numeric,
    boolean, dates) but that stay text, and the label's type."""

    text_columns: frozenset[str]
    label_type: str


def _tokens(column: pd.Series) -> set[str]:
    if pd.api.types.is_bool_dtype(column):
        return {str(v).lower() for v in column.dropna().unique()}
    if pd.api.types.is_numeric_dtype(column):
        return {str(int(v)) if v in (0, 1) else "other" for v in column.dropna().unique()}
    return boolean_tokens(column)


def chunk_facts(chunk: pd.DataFrame, roles: TableRoles) -> dict:
    """What one chunk of the raw table (its columns as read) says about typing: the columns
    whose values do not all read by their role (``text``), each boolean column's distinct
    values (``tokens``) and the type its labels alone would give (``label``, None without
    labels). JSON-serialisable."""
    typed = apply_roles(chunk, roles)
    text = [name for name, spec in roles.columns.items()
            if name in typed and spec.role in _PARSED_ROLES
            and typed[name].dtype == object and typed[name].notna().any()]
    tokens = {name: sorted(_tokens(chunk[name])) for name in roles.of("boolean")
              if name in chunk}
    labels = chunk[roles.target] if roles.target in chunk else pd.Series(dtype=object)
    present = labels.notna() & (labels.astype(str).str.strip() != "")
    return {"text": text, "tokens": tokens,
            "label": label_type(labels[present]) if present.any() else None}


def typing_plan(facts: list[dict], roles: TableRoles) -> TypingPlan:
    """Merge the :func:`chunk_facts` of every chunk into the decisions typing the whole table
    would make."""
    text = {name for fact in facts for name in fact["text"]}
    for name in roles.of("boolean"):
        tokens = set().union(*(fact["tokens"].get(name, []) for fact in facts))
        if tokens and not reads_as_booleans(tokens):
            text.add(name)
    kinds = {fact["label"] for fact in facts} - {None}
    kind = kinds.pop() if len(kinds) == 1 else "str"
    return TypingPlan(text_columns=frozenset(text), label_type=kind)


def type_chunk(chunk: pd.DataFrame, roles: TableRoles, plan: TypingPlan) -> pd.DataFrame:
    """``chunk`` typed as :func:`datacentric.dataset.prepare` types the whole table, given the
    whole table's ``plan``: the same columns, dtypes and values row by row."""
    typing = replace(roles, label_type=plan.label_type, columns={
        name: ColumnRole("categorical") if name in plan.text_columns else spec
        for name, spec in roles.columns.items()})
    typed = conform(chunk, typing)
    for name in typing.of("boolean"):
        if name in typed and typed[name].dtype == object:  # no value in this chunk
            typed[name] = typed[name].astype("boolean")
    return typed
