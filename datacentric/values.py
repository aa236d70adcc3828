"""Reading values written as text: numbers in local formats, booleans, dates and clock times.

A CSV gives every cell as text. These functions decide, for one column, whether its present
values are all numbers (with thousands separators, decimal commas, currency or percent signs),
all booleans, all dates or all clock times and durations (``11:38:36``, ``7:42``), and convert
them. Each returns ``None`` when the column is not of that kind, so a caller can try them in
turn. No function reads files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

# pandas.read_csv's missing-value words except "None", which names a category in many tables
# (no air bags, no garage); where a number, date or yes/no is expected it is still no value.
NONE_WORD = "None"
MISSING_WORDS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                           "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan",
                           "null"})
TRUE_WORDS = frozenset({"true", "t", "yes", "y"})
FALSE_WORDS = frozenset({"false", "f", "no", "n"})
_SIGNS = re.compile(r"^[\s$€£¥₩₹%]+|[\s$€£¥₩₹%]+$")  # currency and percent around a number
_SPACES = re.compile(r"[\s\u00a0\u202f']")  # spaces and apostrophes group digits in some locales
_GROUPED = {",": re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"),
            ".": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")}
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                        r"(Z|[+-]\d{2}:?\d{2})?$")
DATE_FORMATS = ("ISO8601", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y",
                "%Y/%m/%d", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
                "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M")


# clock times and durations: h:mm:ss (fractions of a second allowed) read in seconds, h:mm in
# minutes, so that the numbers order as the times do whichever unit the first field is
CLOCK_FORMATS = {"h:mm:ss": (re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d(?:\.\d+)?)$"),
                             (3600.0, 60.0, 1.0)),
                 "h:mm": (re.compile(r"^(\d{1,3}):([0-5]\d)$"), (60.0, 1.0))}


@dataclass(frozen=True)
class NumberFormat:
    """How a column writes its numbers: the decimal mark and the digit-group separator
    (``None`` for none)."""

    decimal: str = "."
    thousands: str | None = None


def blank(text: pd.Series) -> pd.Series:
    """Whether each value of a stripped text column is no value where a number, date or
    yes/no is expected: missing, empty or :data:`NONE_WORD`."""
    return text.isna() | (text == "") | (text == NONE_WORD)


def _present_text(column: pd.Series) -> pd.Series:
    text = column.dropna().astype(str).str.strip()
    return text[~blank(text)]


def number_format(column: pd.Series, *, decimal: str | None = None,
                  thousands: str | None = None) -> NumberFormat | None:
    """The :class:`NumberFormat` under which every present value of ``column`` is a number,
    or ``None``. ``decimal`` and ``thousands`` force one part of the format.

    Ambiguous values such as ``"4,123"`` read as a thousands separator unless another value
    of the column (``"3,5"``) shows the comma is a decimal mark.
    """
    text = _present_text(column)
    if text.empty:
        return None
    text = text.str.replace(_SIGNS, "", regex=True).str.replace(_SPACES, "", regex=True)
    candidates = [NumberFormat(".", None), NumberFormat(".", ","), NumberFormat(",", "."),
                  NumberFormat(",", None)]
    for fmt in candidates:
        if decimal is not None and fmt.decimal != decimal:
            continue
        if thousands is not None and fmt.thousands != thousands:
            continue
        if fmt.thousands and not text.str.match(_GROUPED[fmt.thousands]).any():
            continue  # a separator the column never uses is no evidence for this format
        if _to_numbers(text, fmt).notna().all():
            return fmt
    return None


def _to_numbers(text: pd.Series, fmt: NumberFormat) -> pd.Series:
    if fmt.thousands:
        grouped = text.str.match(_GROUPED[fmt.thousands])
        text = text.where(~grouped, text.str.replace(fmt.thousands, "", regex=False))
    if fmt.decimal == ",":
        text = text.where(~text.str.contains(".", regex=False), "x")  # "1.5" is not 1,5
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def parse_numbers(column: pd.Series, fmt: NumberFormat) -> pd.Series:
    """``column`` as float64 under ``fmt``; missing and unreadable values become NaN."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype("float64")
    text = column.astype("string").str.strip()
    text = text.str.replace(_SIGNS, "", regex=True).str.replace(_SPACES, "", regex=True)
    values = _to_numbers(text.astype(object).where(text.notna(), None).astype(str), fmt)
    return values.where(~blank(text), np.nan).astype("float64")


def parse_booleans(column: pd.Series) -> pd.Series | None:
    """``column`` as pandas' nullable ``boolean`` when every present value is a boolean, a
    yes/no word (``true t yes y`` / ``false f no n``, any case) or 0/1; else ``None``."""
    if pd.api.types.is_bool_dtype(column):
        return column.astype("boolean")
    present = column.dropna()
    if present.empty:
        return None
    if pd.api.types.is_numeric_dtype(column):
        if not present.isin([0, 1]).all():
            return None
        return column.map(lambda v: None if pd.isna(v) else bool(v)).astype("boolean")
    text = _lowered(column)
    if not reads_as_booleans(set(text.dropna().unique())):
        return None
    return text.map(lambda v: None if pd.isna(v) else v in TRUE_WORDS | {"1"}).astype("boolean")


def boolean_tokens(column: pd.Series) -> set[str]:
    """The distinct present values of a text column, stripped and lower-cased (blank values,
    :func:`blank`, left out)."""
    return set(_lowered(column).dropna().unique())


def _lowered(column: pd.Series) -> pd.Series:
    text = column.astype("string").str.strip()
    return text.mask(blank(text)).str.lower()


def reads_as_booleans(tokens: set[str]) -> bool:
    """Whether a column whose :func:`boolean_tokens` are ``tokens`` is boolean: all 0/1 or
    all yes/no words (0/1 mixed with words is a code, not a boolean)."""
    return bool(tokens) and (tokens <= {"0", "1"} or tokens <= TRUE_WORDS | FALSE_WORDS)


def date_format(column: pd.Series) -> str | None:
    """The first of :data:`DATE_FORMATS` that reads every present value of a text column, or
    ``None`` when some value does not look like a date (numbers such as years stay numbers)."""
    text = _present_text(column)
    if text.empty or not text.str.match(_DATE_LIKE).all():
        return None
    sample = text.drop_duplicates().head(5000)
    for fmt in DATE_FORMATS:
        if _to_dates(sample, fmt).notna().all():
            return fmt
    return None


def _to_dates(text: pd.Series, fmt: str) -> pd.Series:
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    return parsed.dt.tz_localize(None)


def parse_dates(column: pd.Series, fmt: str | None) -> pd.Series:
    """``column`` as naive UTC ``datetime64[ns]``; ``fmt`` is one of :data:`DATE_FORMATS`
    (``None`` for a column that is already datetime). Unreadable values become NaT."""
    if pd.api.types.is_datetime64_any_dtype(column):
        if getattr(column.dt, "tz", None) is not None:
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        return column.astype("datetime64[ns]")
    text = column.astype("string").str.strip()
    text = text.mask(blank(text))
    return _to_dates(text.astype(object), fmt or "ISO8601").astype("datetime64[ns]")


def clock_format(column: pd.Series) -> str | None:
    """The :data:`CLOCK_FORMATS` name that reads every present value of a text column (a clock
    time or a duration: ``11:38:36``, ``1:05:09.5``, ``7:42``), or ``None``."""
    text = _present_text(column)
    if text.empty:
        return None
    return next((name for name, (pattern, _) in CLOCK_FORMATS.items()
                 if text.str.fullmatch(pattern).all()), None)


def parse_clock(column: pd.Series, fmt: str) -> pd.Series:
    """``column``, written in the :data:`CLOCK_FORMATS` ``fmt``, as float64: ``h:mm:ss`` in
    seconds, ``h:mm`` in minutes. Values that do not read become NaN."""
    pattern, units = CLOCK_FORMATS[fmt]
    fields = column.astype("string").str.strip().str.extract(pattern).astype("float64")
    return pd.Series(fields.to_numpy() @ np.array(units), index=column.index, dtype="float64")


def has_time_of_day(dates: pd.Series) -> bool:
    """Whether any value of a datetime column has a time other than midnight."""
    present = dates.dropna()
    return bool((present != present.dt.normalize()).any())


def as_float(column: pd.Series) -> pd.Series:
    """A numeric, boolean or date column as float64: booleans 0/1, dates in days since
    1970-01-01; missing values NaN."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return (column - pd.Timestamp(0)).dt.total_seconds() / 86_400.0
    return column.astype("float64")
