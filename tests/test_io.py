import pandas as pd
import pytest

from datacentric.errors import DatacentricError
from datacentric.io import atomic_path, read_table, sniff_csv, write_json
from datacentric.roles import apply_roles, infer_roles


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "file is empty"),
        ("header.csv", b"a,b,y\n", "header but no data rows"),
        ("dupes.csv", b"a,a,y\n1,2,x\n", r"duplicated column names \['a'\]"),
        ("zero.parquet", b"", "file is empty"),
        ("broken.parquet", b"PAR1 not really", "cannot be read"),
        ("table.xlsx", b"x", "unsupported file type"),
    ],
)
def test_bad_files_are_named(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DatacentricError, match=message) as info:
        read_table(path)
    assert name in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(DatacentricError, match="file not found"):
        read_table(tmp_path / "nope.csv")


def test_reads_csv_and_parquet(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "y": ["p", "q"]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    assert read_table(tmp_path / "t.csv").shape == (2, 2)
    assert read_table(tmp_path / "t.parquet").shape == (2, 2)


def test_failed_write_keeps_the_old_output(tmp_path):
    target = tmp_path / "out.json"
    write_json({"v": 1}, target)
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text().strip().endswith("}") and '"v": 1' in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_atomic_path_replaces_folders(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "old.txt").write_text("old")
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in folder.iterdir()] == ["new.txt"]


@pytest.mark.parametrize(("content", "delimiter", "encoding"), [
    ("a,b,y\n1,2,p\n", ",", "utf-8-sig"),
    ("a;b;y\n1,5;2;p\n3;4,25;q\n", ";", "utf-8-sig"),
    ("a\tb\ty\n1\t2\tp\n", "\t", "utf-8-sig"),
    ("a|b|y\n1|2|p\n", "|", "utf-8-sig"),
    ("\ufeffa,b,y\n1,2,p\n", ",", "utf-8-sig"),
])
def test_the_dialect_is_sniffed(tmp_path, content, delimiter, encoding):
    path = tmp_path / "t.csv"
    path.write_text(content, encoding="utf-8")
    dialect = sniff_csv(path)
    assert (dialect.delimiter, dialect.encoding) == (delimiter, encoding)
    assert list(read_table(path).columns) == ["a", "b", "y"]


def test_windows_1252_text_is_decoded_and_cells_stay_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("name;amount;y\ncafé;1.234,5;p\nthé;007;q\n".encode("cp1252"))
    assert sniff_csv(path).encoding == "cp1252"
    frame = read_table(path)
    assert frame["name"].tolist() == ["café", "thé"]
    assert frame["amount"].tolist() == ["1.234,5", "007"]  # roles decide how to read them


def test_a_forced_delimiter_wins(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2\n")
    assert list(read_table(path, delimiter=",").columns) == ["a;b"]


def test_none_names_a_category_but_is_no_number_date_or_yes_no(tmp_path):
    """pandas reads "None" as missing; in a category column it is a value ("no air bags"),
    where numbers, dates or yes/no are expected it is no value and the column keeps its role."""
    path = tmp_path / "cars.csv"
    rows = [f"{bags},{price},{made},{manual},{y}" for bags, price, made, manual, y in zip(
        ["None", "Driver only", "Driver & Passenger"] * 10,
        ["None", "15.9", "NA", "33.9", "37.7", ""] * 5,
        ["2019-01-02", "None", "2020-03-04"] * 10,
        ["Yes", "No", "None"] * 10, ["small", "large"] * 15, strict=True)]
    path.write_text("airbags,price,made,manual,type\n" + "\n".join(rows) + "\n")
    raw = read_table(path)
    assert raw["airbags"].value_counts()["None"] == 10
    assert raw["price"].isna().sum() == 10  # "NA" and the empty field
    roles = infer_roles(raw, target="type")
    assert {name: roles.columns[name].role for name in ("airbags", "price", "made", "manual")} \
        == {"airbags": "categorical", "price": "numeric", "made": "date", "manual": "boolean"}
    typed = apply_roles(raw, roles)
    assert typed["airbags"].isna().sum() == 0
    assert typed["price"].isna().sum() == 15 and typed["price"].dtype == "float64"
    assert typed["made"].isna().sum() == 10 and typed["manual"].isna().sum() == 10


def test_a_line_break_without_quotes_is_refused_not_read_as_short_rows(tmp_path):
    path = tmp_path / "tweets.csv"
    path.write_text('id,source,text,retweets\n1,web,"quoted\nbreak is fine",3\n'
                    "2,phone,an unquoted\nbreak splits the row,4\n3,web,plain,5\n")
    with pytest.raises(DatacentricError, match=(
            r"tweets.csv: 2 lines have fewer fields than the header's 4 \(the first begins "
            r"'2,phone,an unquoted'\), as where a value holds a line break without quotes")):
        read_table(path)
    path.write_text('id,source,text,retweets\n1,web,"quoted\nbreak is fine",3\n2,phone,,\n')
    text = read_table(path)["text"]  # a row whose last fields are empty is not short
    assert text.iloc[0] == "quoted\nbreak is fine" and pd.isna(text.iloc[1])
