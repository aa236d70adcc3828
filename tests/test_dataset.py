import numpy as np
import pandas as pd
import pytest

from datacentric.columns import LABEL, ROW_ID
from datacentric.dataset import assign_row_ids, flip_labels, normalise, split_train_test
from datacentric.errors import DatacentricError


def test_normalise_types_and_label(raw_frame):
    out = normalise(raw_frame, target="target")
    assert out["income"].dtype == "float64"
    assert out["city"].isna().sum() == 5
    assert LABEL in out and "target" not in out
    assert len(out) == len(raw_frame)


def test_normalise_keeps_infinities_for_validation_and_blanks_become_missing():
    frame = pd.DataFrame({"x": [1.0, np.inf, -np.inf, 2.0], "c": [" a", "", "b ", None],
                          "y": ["p", "q", "p", "q"]})
    out = normalise(frame, target="y")
    assert np.isinf(out["x"]).tolist() == [False, True, True, False]
    assert out["c"].tolist()[0] == "a" and out["c"].isna().sum() == 2


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"x": [1, 2]}), "target column 'y' not found"),
        (pd.DataFrame({"x": [1, 2], "y": ["a", "a"]}), "single class"),
        (pd.DataFrame({"x": [1, 2, 3], "y": ["a", None, "b"]}), "1 missing values"),
        (pd.DataFrame({"row_id": [1, 2], "y": ["a", "b"]}), "'row_id' is reserved"),
    ],
)
def test_normalise_refuses_bad_targets(frame, message):
    with pytest.raises(DatacentricError, match=message):
        normalise(frame, target="y", source="in.csv")


def test_row_ids_are_content_based(raw_frame):
    ids = assign_row_ids(normalise(raw_frame, target="target"))
    shuffled = raw_frame.sample(frac=1, random_state=3)
    extra = pd.concat([shuffled, raw_frame.head(1).assign(age=99.0)], ignore_index=True)
    again = assign_row_ids(normalise(extra, target="target"))
    assert ids[ROW_ID].is_unique
    assert set(ids[ROW_ID]) < set(again[ROW_ID])
    by_id = again.set_index(ROW_ID).loc[ids[ROW_ID], "income"].to_numpy()
    np.testing.assert_array_equal(by_id, ids["income"].to_numpy())


def test_row_ids_ignore_the_label_and_number_duplicates():
    frame = pd.DataFrame({"x": [1.0, 1.0, 2.0], LABEL: ["a", "b", "a"]})
    ids = assign_row_ids(frame)[ROW_ID].tolist()
    assert ids[1] == ids[0] + "-1" and ids[2] != ids[0]


def test_split_is_stratified_seeded_and_disjoint(raw_frame):
    frame = assign_row_ids(normalise(raw_frame, target="target"))
    train, test = split_train_test(frame, test_size=0.25, random_state=7)
    train2, test2 = split_train_test(frame.sample(frac=1, random_state=1), test_size=0.25,
                                     random_state=7)
    assert set(test[ROW_ID]) == set(test2[ROW_ID])
    assert not set(train[ROW_ID]) & set(test[ROW_ID])
    assert len(train) + len(test) == len(frame)
    expected = (frame[LABEL].value_counts() * 0.25).round()
    assert (test[LABEL].value_counts().sort_index() == expected.sort_index()).all()
    _, other = split_train_test(frame, test_size=0.25, random_state=8)
    assert set(other[ROW_ID]) != set(test[ROW_ID])


@pytest.mark.parametrize("model", ["symmetric", "class_conditional"])
def test_flip_labels_rate_and_seed(model):
    labels = pd.Series(np.repeat(["a", "b", "c"], 2000))
    noisy = flip_labels(labels, rate=0.2, model=model, random_state=0)
    assert abs((noisy != labels).mean() - 0.2) < 0.02
    assert set(noisy) == {"a", "b", "c"}
    assert noisy.equals(flip_labels(labels, rate=0.2, model=model, random_state=0))
    assert flip_labels(labels, rate=0.0, model=model, random_state=0).equals(labels)


def test_class_conditional_noise_differs_by_class():
    labels = pd.Series(np.repeat(["a", "b"], 5000))
    noisy = flip_labels(labels, rate=0.3, model="class_conditional", random_state=0)
    rates = (noisy != labels).groupby(labels).mean()
    assert rates["b"] > 1.5 * rates["a"]
