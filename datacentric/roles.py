"""Column roles: what each column of a table is for, decided once at ingest and read by every
later step (the starter suite, the featurizer, the audit, scoring).

Roles are ``id`` (identifies a row, never a feature), ``date`` and ``datetime``, ``text``
(free text), ``boolean``, ``categorical``, ``numeric`` and ``constant`` (one value or none,
never a feature). :func:`infer_roles` infers them from the values, params override any of
them, and :func:`apply_roles` types a raw table (or a later delivery) by the recorded roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from datacentric import values
from datacentric.errors import DatacentricError

ROLES = ("id", "date", "datetime", "text", "boolean", "categorical", "numeric", "constant")
FEATURE_ROLES = ("numeric", "boolean", "date", "datetime", "categorical", "text")
OVERRIDE_ROLES = (*ROLES, "drop")
_ID_WORDS = {"id", "ids", "key", "uuid", "guid", "rownames", "rowname", "index"}
NUMBERED_ID_MIN_DISTINCT = 0.5
# a column named with "id" numbers subjects when its values are many and each covers few rows
# (a patient's four visits), unlike a code that hundreds of rows share (a store)
_SUBJECT_WORDS = {"id", "ids", "uuid", "guid"}
# or named for the entity alone ("subject", "patient no"): its number, not a measure of it
_ENTITY_WORDS = {"subject", "patient", "participant", "respondent", "individual", "person",
                 "customer", "client", "user", "account", "household", "student", "member"}
_NUMBER_WORDS = {"no", "nr", "number", "code"}  # not "num": num_user counts users
SUBJECT_MIN_DISTINCT = 0.05
SUBJECT_MIN_LEVELS = 20
TEXT_MIN_LEVELS = 50  # fewer distinct values than this is a category, however worded


@dataclass(frozen=True)
class ColumnRole:
    """One column's role and how its values are read: the number format of a numeric column
    written as text, the date format of a date column (one of :data:`values.DATE_FORMATS`),
    the clock format of a numeric column of clock times or durations (one of
    :data:`values.CLOCK_FORMATS`)."""

    role: str
    decimal: str | None = None
    thousands: str | None = None
    date_format: str | None = None
    clock_format: str | None = None


@dataclass(frozen=True)
class TableRoles:
    """The roles of a table's columns (the target excluded), in file order.

    ``key`` is the ``id`` column that identifies rows, if any; ``group`` is the ``id`` column
    whose repeated values mark rows of one subject (a patient tested twice), which the split
    keeps on one side and the audit in one fold; ``label_type`` is how the target is typed
    (``int``, ``bool`` or ``str``).
    """

    target: str
    label_type: str
    columns: dict[str, ColumnRole] = field(default_factory=dict)
    key: str | None = None
    group: str | None = None

    def of(self, *roles: str) -> list[str]:
        """Column names with any of ``roles``, in file order."""
        return [name for name, spec in self.columns.items() if spec.role in roles]

    def features(self) -> list[str]:
        return self.of(*FEATURE_ROLES)

    def to_dict(self) -> dict:
        return {"target": self.target, "label_type": self.label_type, "key": self.key,
                "group": self.group,
                "columns": {name: {k: v for k, v in asdict(spec).items() if v is not None}
                            for name, spec in self.columns.items()}}

    @classmethod
    def from_dict(cls, data: Mapping) -> TableRoles:
        return cls(target=data["target"], label_type=data["label_type"], key=data.get("key"),
                   group=data.get("group"),
                   columns={name: ColumnRole(**spec) for name, spec in data["columns"].items()})


def _name_words(name: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return {w for w in re.split(r"[^0-9A-Za-z]+", spaced.lower()) if w}


def _present(column: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
        return column.dropna()
    text = column.dropna().astype(str).str.strip()
    return text[text != ""]


def _looks_like_key(name: str, present: pd.Series, n_rows: int) -> bool:
    """Unique on every row, and named like a key, or (for text) short codes without spaces,
    or (for numbers) a row counter in file order."""
    if len(present) != n_rows or present.nunique() != n_rows or n_rows < 2:
        return False
    if _name_words(name) & _ID_WORDS:
        return True
    if pd.api.types.is_numeric_dtype(present):
        return _whole(present) and n_rows >= 20 and bool(present.is_monotonic_increasing) and \
            float(present.max() - present.min()) < 2 * n_rows
    return n_rows >= 20 and _codes(present.astype(str))


def _whole(numbers: pd.Series) -> bool:
    return bool((numbers == np.round(numbers)).all())


def _codes(text: pd.Series) -> bool:
    """Short codes with digits and no spaces (``C00017``, ``8002756``)."""
    return not text.str.contains(r"\s").any() and text.str.len().max() <= 40 \
        and text.str.contains(r"\d").mean() > 0.9


def _subject_numbers(name: str, present: pd.Series) -> bool:
    """Named with "id" (``subject_id``, ``ID``, ``Individual ID``) or for an entity alone
    (``subject``, ``patient no``; not ``customer_age``), with at least
    :data:`SUBJECT_MIN_LEVELS` values that each cover at most ``1 / SUBJECT_MIN_DISTINCT``
    rows on average: the numbers of subjects with a few rows each (a child's yearly visits)."""
    words = _name_words(name)
    named = bool(words & _SUBJECT_WORDS) or (
        bool(words & _ENTITY_WORDS) and words <= _ENTITY_WORDS | _NUMBER_WORDS)
    return named and len(present) >= 20 and \
        present.nunique() >= max(SUBJECT_MIN_LEVELS, SUBJECT_MIN_DISTINCT * len(present))


def _numbered_identifier(name: str, present: pd.Series) -> bool:
    """Whole numbers named like an id (``subject_id``, ``ID``) that differ on at least
    :data:`NUMBERED_ID_MIN_DISTINCT` of the rows, or :func:`_subject_numbers`: record numbers,
    not quantities, even where a record repeats (a patient tested twice)."""
    if len(present) < 20 or not _whole(present):
        return False
    return _subject_numbers(name, present) or (
        bool(_name_words(name) & _ID_WORDS)
        and present.nunique() >= NUMBERED_ID_MIN_DISTINCT * len(present))


def _looks_like_identifier(name: str, present: pd.Series) -> bool:
    """Text that names nearly every row differently (95% distinct or more) by a code or a
    key-like name, or :func:`_subject_numbers`: an identifier that does not qualify as the
    table's key."""
    if _subject_numbers(name, present):
        return True
    if len(present) < 20 or present.nunique() < 0.95 * len(present):
        return False
    return bool(_name_words(name) & _ID_WORDS) or _codes(present.astype(str))


def _looks_like_text(present: pd.Series) -> bool:
    """Free text: many distinct values, most written as several words."""
    levels = present.nunique()
    if levels < TEXT_MIN_LEVELS:
        return False
    words = present.str.count(r"\s+") + 1
    return bool(words.mean() >= 3 or (present.str.contains(r"\s").mean() >= 0.2
                                       and levels >= 0.05 * len(present)))


def _is_numeric_text(present: pd.Series) -> bool:
    # leading zeros ("007", "02139") are codes, not quantities
    return not present.astype(str).str.match(r"^[+-]?0\d").any()


def infer_role(name: str, column: pd.Series, *, decimal: str | None = None,
               thousands: str | None = None) -> ColumnRole:
    """The role of one column from its values and name (see the module docstring)."""
    present = _present(column)
    if present.nunique() <= 1:
        return ColumnRole("constant")
    if pd.api.types.is_datetime64_any_dtype(column):
        return ColumnRole("datetime" if values.has_time_of_day(column) else "date")
    if values.parse_booleans(column) is not None:
        return ColumnRole("boolean")
    fmt = None
    if pd.api.types.is_numeric_dtype(column):
        fmt = values.NumberFormat()
    elif _is_numeric_text(present):
        fmt = values.number_format(present, decimal=decimal, thousands=thousands)
    if fmt is not None:
        numbers = values.parse_numbers(column, fmt)
        if _looks_like_key(name, numbers.dropna(), len(column)) or \
                _numbered_identifier(name, numbers.dropna()):
            return ColumnRole("id")
        return ColumnRole("numeric", decimal=fmt.decimal, thousands=fmt.thousands)
    clock_format = values.clock_format(present)
    if clock_format is not None:
        return ColumnRole("numeric", clock_format=clock_format)
    date_format = values.date_format(present)
    if date_format is not None:
        dates = values.parse_dates(column, date_format)
        role = "datetime" if values.has_time_of_day(dates) else "date"
        return ColumnRole(role, date_format=date_format)
    text = present.astype(str)
    if _looks_like_key(name, text, len(column)) or _looks_like_identifier(name, text):
        return ColumnRole("id")
    return ColumnRole("text" if _looks_like_text(text) else "categorical")


def _overrides(columns: Mapping[str, object]) -> dict[str, str]:
    """``data.columns`` as a column → role mapping (``id`` may name one column or a list)."""
    chosen: dict[str, str] = {}
    for role, names in columns.items():
        for name in [names] if isinstance(names, str) else list(names or []):
            chosen[name] = role
    return chosen


def infer_roles(frame: pd.DataFrame, *, target: str, overrides: Mapping[str, object] = {},
                decimal: str | None = None, thousands: str | None = None,
                source: str = "data") -> TableRoles:
    """Roles of every column of a raw table except ``target``; ``overrides`` (the
    ``data.columns`` params: role → column or list of columns) wins over inference. The
    ``group`` is the column ``overrides`` names so, else the first ``id`` column other than the
    key whose values repeat.

    Raises
    ------
    DatacentricError
        Naming the ``data.columns.<role>`` key of a column the table does not have, or an
        overridden key with missing values.
    """
    chosen = _overrides(overrides)
    for name, role in chosen.items():
        if name not in frame.columns or name == target:
            raise DatacentricError(
                f"params key 'data.columns.{role}': column '{name}' is not a feature column of "
                f"{source} (columns: {', '.join(map(str, frame.columns))}).")
    specs: dict[str, ColumnRole] = {}
    for name in frame.columns:
        if name == target or chosen.get(name) == "drop":
            continue
        inferred = infer_role(name, frame[name], decimal=decimal, thousands=thousands)
        role = "id" if chosen.get(name) == "group" else chosen.get(name, inferred.role)
        specs[name] = inferred if role == inferred.role else _forced(name, frame[name], role,
                                                                     decimal, thousands)
    keys = [n for n, s in specs.items() if s.role == "id"]
    key = next((n for n in keys if chosen.get(n) == "id"), None) or next(
        (n for n in keys if frame[n].notna().all() and frame[n].nunique() == len(frame)), None)
    if key is not None and frame[key].isna().any():
        rows = frame.index[frame[key].isna()][:5].tolist()
        raise DatacentricError(
            f"{source}: key column '{key}' (data.columns.id) has {int(frame[key].isna().sum())} "
            f"missing values (first data rows {rows}); every row needs its key.")
    group = next((n for n, role in chosen.items() if role == "group"), None) or next(
        (n for n in keys if n != key and frame[n].dropna().duplicated().any()), None)
    return TableRoles(target=target, label_type=label_type(frame[target]), columns=specs,
                      key=key, group=group)


def _forced(name: str, column: pd.Series, role: str, decimal: str | None,
            thousands: str | None) -> ColumnRole:
    """The read format of a column whose role the params force."""
    if role == "numeric" and not pd.api.types.is_numeric_dtype(column):
        clock_format = values.clock_format(_present(column))
        if clock_format is not None:
            return ColumnRole(role, clock_format=clock_format)
        fmt = values.number_format(_present(column), decimal=decimal, thousands=thousands)
        if fmt is None:
            raise DatacentricError(f"params key 'data.columns.numeric': column '{name}' holds "
                                   f"values that are not numbers.")
        return ColumnRole(role, decimal=fmt.decimal, thousands=fmt.thousands)
    if role in ("date", "datetime") and not pd.api.types.is_datetime64_any_dtype(column):
        fmt = values.date_format(_present(column))
        if fmt is None:
            raise DatacentricError(f"params key 'data.columns.{role}': column '{name}' holds "
                                   f"values that are not dates in a known format.")
        return ColumnRole(role, date_format=fmt)
    return ColumnRole(role)


def label_type(target: pd.Series) -> str:
    """``bool`` for a boolean target, ``int`` when every present value is a whole number,
    else ``str``: integer and boolean labels stay what they are."""
    present = _present(target)
    if pd.api.types.is_bool_dtype(target) or (
            not present.empty and present.astype(str).str.lower().isin({"true", "false"}).all()):
        return "bool"
    numbers = pd.to_numeric(present, errors="coerce")
    if not present.empty and numbers.notna().all() and (numbers == np.round(numbers)).all():
        return "int"
    return "str"


def type_label(target: pd.Series, kind: str) -> pd.Series:
    """The target typed as :func:`label_type` said; missing values stay missing (object)."""
    present = target.notna() & (target.astype(str).str.strip() != "")
    if kind == "bool":
        typed = target.astype(str).str.strip().str.lower() == "true"
    elif kind == "int":
        typed = pd.to_numeric(target, errors="coerce")
    else:
        return as_strings(target)
    typed = typed.astype(bool if kind == "bool" else "Int64")
    if present.all():
        return typed.astype(bool if kind == "bool" else "int64")
    return typed.astype(object).where(present, None)


def as_strings(column: pd.Series) -> pd.Series:
    """Object column of stripped strings; blanks and missing values become NaN; whole
    numbers are written without a decimal part (``3``, not ``3.0``)."""
    if pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
        column = column.astype("Int64")
    text = column.astype("string").str.strip()
    text = text.mask(text == "")
    return text.astype(object).where(text.notna(), np.nan)


def type_column(column: pd.Series, spec: ColumnRole) -> pd.Series:
    """``column`` typed by its role: float64 numbers (clock times and durations in seconds or
    minutes, :func:`values.parse_clock`), nullable booleans, naive datetime64, object strings
    for the rest. A numeric or date column with a value that cannot be read stays text, so
    validation names it."""
    if spec.role == "numeric" and spec.clock_format is not None:
        times = values.parse_clock(column, spec.clock_format)
        return as_strings(column) if (times.isna() & _filled(column)).any() else times
    if spec.role == "numeric" or (spec.role == "constant" and
                                  pd.api.types.is_numeric_dtype(column)):
        fmt = values.NumberFormat(spec.decimal or ".", spec.thousands)
        numbers = values.parse_numbers(column, fmt)
        unread = numbers.isna() & _filled(column)
        return as_strings(column) if unread.any() else numbers
    if spec.role == "boolean":
        booleans = values.parse_booleans(column)
        return as_strings(column) if booleans is None else booleans
    if spec.role in ("date", "datetime"):
        dates = values.parse_dates(column, spec.date_format)
        return as_strings(column) if (dates.isna() & _filled(column)).any() else dates
    return as_strings(column)


def _filled(column: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
        return column.notna()  # only text can be blank (and writing numbers as text is slow)
    return column.notna() & ~values.blank(column.astype(str).str.strip())


def apply_roles(frame: pd.DataFrame, roles: TableRoles, *, columns: Iterable[str] | None = None
                ) -> pd.DataFrame:
    """The columns of ``frame`` that ``roles`` records (or ``columns`` of them), typed by
    role, in recorded order; columns the frame lacks are left out for validation to name."""
    names = list(roles.columns) if columns is None else list(columns)
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in names:
        if name in frame.columns:
            out[name] = type_column(frame[name].reset_index(drop=True), roles.columns[name])
    return out


def describe(frame: pd.DataFrame, roles: TableRoles) -> dict[str, dict]:
    """Per column: role, type, distinct values and missing share (for metrics and the log)."""
    summary = {}
    for name, spec in roles.columns.items():
        column = frame[name]
        tag = " (key)" if name == roles.key else " (group)" if name == roles.group else ""
        summary[name] = {"role": spec.role + tag,
                         "type": str(column.dtype), "distinct": int(column.nunique()),
                         "missing": round(float(column.isna().mean()), 4)}
    return summary
