import pandas as pd
import pytest

from datacentric.errors import DatacentricError
from datacentric.io import atomic_path, read_table, write_json


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "file is empty"),
        ("header.csv", b"a,b,y\n", "header but no data rows"),
        ("latin1.csv", "a,y\ncaf\xe9,1\n".encode("latin-1"), "not UTF-8"),
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
