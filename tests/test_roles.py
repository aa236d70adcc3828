"""Column roles and the reading of values written as text."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from datacentric.errors import DatacentricError
from datacentric.roles import TableRoles, apply_roles, infer_role, infer_roles
from datacentric.values import NumberFormat, number_format, parse_booleans, parse_numbers

N = 60
rng = np.random.default_rng(0)


@pytest.mark.parametrize(("name", "values", "role"), [
    ("customer id", [f"C{i:05d}" for i in range(N)], "id"),
    ("rownames", [str(i + 1) for i in range(N)], "id"),
    ("row", [str(i) for i in range(N)], "id"),  # a counter in file order
    # record numbers that repeat (a patient tested twice): still ids; few of them: numbers
    ("subject_id", [str(1000 + i // 2) for i in range(N)], "id"),
    ("store_id", [str(1 + i % 5) for i in range(N)], "numeric"),
    ("license", [f"LN{8_000_000 + i * 7}" for i in range(N - 1)] + ["LN8000000"], "id"),
    ("signup", [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(N)], "date"),
    ("seen", [f"03/{1 + i % 28:02d}/2024 1{i % 10}:30" for i in range(N)], "datetime"),
    ("title", [f"{w} engineer number {i}" for i, w in enumerate(["senior", "junior"] * 30)],
     "text"),
    ("active", ["yes", "no", "Y", "n", None, "YES"] * 10, "boolean"),
    ("flag", ["0", "1"] * 30, "boolean"),
    ("income", [f"{v:,.0f}" for v in rng.uniform(1000, 90000, N)], "numeric"),
    ("amount", [f"{v:.2f}".replace(".", ",") for v in rng.uniform(0, 9, N)], "numeric"),
    ("price", [f"${v:,.2f}" for v in rng.uniform(10, 5000, N)], "numeric"),
    ("share", [f"{v:.1f}%" for v in rng.uniform(0, 100, N)], "numeric"),
    ("zip", [f"0{2000 + i % 40}" for i in range(N)], "categorical"),  # leading zeros: a code
    ("region", rng.choice(["north", "south"], N).tolist(), "categorical"),
    ("time", [f"{10 + i % 13}:{i % 60:02d}:{(7 * i) % 60:02d}" for i in range(N)], "numeric"),
    ("pace", [f"{6 + i % 4}:{i % 60:02d}" for i in range(N)], "numeric"),
    ("score", [f"{i % 4}:{i % 3}" for i in range(N)], "categorical"),  # not h:mm
    ("year", ["2013"] * N, "constant"),
    ("empty", [None] * N, "constant"),
])
def test_roles_are_inferred_from_values_and_names(name, values, role):
    assert infer_role(name, pd.Series(values, dtype=object)).role == role


@pytest.mark.parametrize(("name", "values", "role"), [
    ("id", [i // 4 for i in range(400)], "id"),  # a child's four yearly visits
    ("Individual ID", [f"N{i // 4}A1" for i in range(400)], "id"),
    ("job_ad_id", [i // 15 for i in range(400)], "id"),  # 27 ads, 15 résumés each
    ("StoreID", [i % 5 for i in range(400)], "numeric"),  # five stores: a code, not subjects
    ("crime_index", [i // 10 for i in range(400)], "numeric"),  # "index": a quantity
    ("id", [i // 40 for i in range(400)], "numeric"),  # ten values of forty rows
    ("subject", [i // 5 for i in range(400)], "id"),  # a patient's monthly records
    ("Patient No", [f"P{i // 5:03d}" for i in range(400)], "id"),
    ("customer_age", [18 + i % 60 for i in range(400)], "numeric"),  # a measure of the entity
    ("num_user", [i % 80 for i in range(400)], "numeric"),  # a count of them
])
def test_subject_numbers_that_repeat_are_ids(name, values, role):
    assert infer_role(name, pd.Series(values)).role == role


@pytest.mark.parametrize(("values", "fmt", "expected"), [
    (["4,123", "12", "1,000,000"], NumberFormat(".", ","), [4123, 12, 1e6]),
    (["3,5", "4,123", "12"], NumberFormat(",", None), [3.5, 4.123, 12]),
    (["1.234,5", "2,25"], NumberFormat(",", "."), [1234.5, 2.25]),
    (["€ 12", "13 €", "-4"], NumberFormat(".", None), [12, 13, -4]),
    (["1 234", "5"], NumberFormat(".", None), [1234, 5]),
])
def test_number_formats(values, fmt, expected):
    column = pd.Series(values, dtype=object)
    assert number_format(column) == fmt
    np.testing.assert_allclose(parse_numbers(column, fmt), expected)


def test_text_that_is_not_numbers_has_no_number_format():
    assert number_format(pd.Series(["12", "n/a (see notes)"])) is None
    assert parse_booleans(pd.Series(["0", "1", "yes"])) is None


@given(st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1,
                max_size=30))
def test_numbers_written_with_separators_read_back(numbers):
    written = pd.Series([f"{v:,.2f}" for v in numbers], dtype=object)
    fmt = number_format(written)
    assert fmt is not None
    np.testing.assert_allclose(parse_numbers(written, fmt), np.round(numbers, 2), atol=1e-6)


def test_params_override_inference_and_name_unknown_columns():
    frame = pd.DataFrame({"code": ["1", "2", "3"] * 10, "note": ["a b c"] * 30,
                          "y": ["p", "q", "r"] * 10})
    roles = infer_roles(frame, target="y", overrides={"categorical": ["code"], "drop": ["note"]})
    assert roles.columns["code"].role == "categorical" and "note" not in roles.columns
    with pytest.raises(DatacentricError, match=r"'data.columns.text': column 'nope'"):
        infer_roles(frame, target="y", overrides={"text": ["nope"]})
    with pytest.raises(DatacentricError, match=r"data.columns.numeric.*'note' holds values"):
        infer_roles(frame, target="y", overrides={"numeric": ["note"]})
    with pytest.raises(DatacentricError, match=r"'data.columns.group': column 'nope'"):
        infer_roles(frame, target="y", overrides={"group": "nope"})
    grouped = infer_roles(frame, target="y", overrides={"group": "code"})
    assert grouped.group == "code" and grouped.columns["code"].role == "id"
    assert TableRoles.from_dict(grouped.to_dict()) == grouped


def test_roles_round_trip_and_type_a_delivery():
    frame = pd.DataFrame({"n": ["1,5", "2"] * 15, "d": ["2024-01-02", None, "2024-02-03"] * 10,
                          "y": ["p", "q"] * 15})
    roles = infer_roles(frame, target="y")
    again = TableRoles.from_dict(roles.to_dict())
    assert again == roles
    delivery = apply_roles(pd.DataFrame({"n": ["3,25"], "d": ["2025-05-06"]}), again)
    assert delivery["n"].tolist() == [3.25]
    assert delivery["d"].dtype == "datetime64[ns]"
    unreadable = apply_roles(pd.DataFrame({"n": ["lots"], "d": ["soon"]}), again)
    assert unreadable.dtypes.tolist() == [object, object]  # left as text for validation


def test_clock_times_and_durations_read_as_numbers_in_their_order():
    """h:mm:ss reads in seconds and h:mm in minutes, so the numbers order as the times do; a
    value that is not a time leaves the column as text for validation to name."""
    frame = pd.DataFrame({"ordered_at": ["11:38:36", "9:05:00", None, "23:59:59.5"] * 10,
                          "pace": ["7:42", "10:05", "8:13", "7:42"] * 10,
                          "y": ["p", "q"] * 20})
    roles = infer_roles(frame, target="y")
    assert roles.columns["ordered_at"].clock_format == "h:mm:ss"
    assert roles.columns["pace"].clock_format == "h:mm"
    assert TableRoles.from_dict(roles.to_dict()) == roles
    typed = apply_roles(frame, roles)
    assert typed["ordered_at"].head(4).tolist()[:2] == [41916.0, 32700.0]
    assert np.isnan(typed["ordered_at"][2]) and typed["ordered_at"][3] == 86399.5
    assert typed["pace"].head(3).tolist() == [462.0, 605.0, 493.0]
    unreadable = apply_roles(pd.DataFrame({"ordered_at": ["11:38:36", "noon"]}), roles)
    assert unreadable["ordered_at"].dtype == object
    forced = infer_roles(frame, target="y", overrides={"numeric": ["pace"]})
    assert forced.columns["pace"].clock_format == "h:mm"
