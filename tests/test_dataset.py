import numpy as np
import pandas as pd
import pytest
from conftest import prepared

from datacentric.columns import LABEL, ROW_ID
from datacentric.dataset import (
    StratifiedGroupFolds,
    assign_row_ids,
    conform,
    flip_labels,
    fold_groups,
    prepare,
    require_class_rows,
    split_train_test,
    split_unlabelled,
    untested_classes,
)
from datacentric.dataset import (
    test_counts as split_test_counts,  # not a test: the rows per class a split holds out
)
from datacentric.errors import DatacentricError
from datacentric.label_audit import fold_plan


def test_prepare_types_by_role_and_renames_the_label(raw_frame):
    out, roles = prepare(raw_frame, target="target")
    assert out["income"].dtype == "float64"
    assert out["city"].isna().sum() == 5
    assert list(out.columns) == ["income", "age", "city", "job", LABEL]
    assert roles.of("numeric") == ["income", "age"] and roles.of("categorical") == ["city", "job"]
    assert len(out) == len(raw_frame)


def test_prepare_keeps_infinities_for_validation_and_blanks_become_missing():
    frame = pd.DataFrame({"x": [1.0, np.inf, -np.inf, 2.0], "c": [" a", "", "b ", None],
                          "y": ["p", "q", "p", "q"]})
    out, _ = prepare(frame, target="y")
    assert np.isinf(out["x"]).tolist() == [False, True, True, False]
    assert out["c"].tolist()[0] == "a" and out["c"].isna().sum() == 2


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"x": [1, 2]}), "target column 'y' not found"),
        (pd.DataFrame({"x;y": ["1;a", "2;b"]}), "header looks separated by ';'"),
        (pd.DataFrame({"x": [1, 2], "y": ["a", "a"]}), "single class"),
        (pd.DataFrame({"x": [1, 2, 3], "y": [None, None, "b"]}), "single class"),
        (pd.DataFrame({"row_id": [1, 2], "y": ["a", "b"]}), "'row_id' is reserved"),
    ],
)
def test_prepare_refuses_bad_targets(frame, message):
    with pytest.raises(DatacentricError, match=message):
        prepare(frame, target="y", source="in.csv")


def test_rows_without_a_label_are_set_aside_not_dropped():
    raw = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["1", None, "0", " "]})
    frame, _ = prepare(raw, target="y")
    labelled, unlabelled = split_unlabelled(frame)
    assert labelled[LABEL].tolist() == [1, 0] and labelled[LABEL].dtype == "int64"
    assert unlabelled["x"].tolist() == [2.0, 4.0]


@pytest.mark.parametrize(("values", "dtype", "classes"), [
    (["0", "1", "1", "0"], "int64", [0, 1]),
    ([3, 1, 2, 3], "int64", [1, 2, 3]),
    (["True", "False", "true", "False"], "bool", [False, True]),
    ([True, False, True, True], "bool", [False, True]),
    (["good", "bad", "good", "bad"], "object", ["bad", "good"]),
])
def test_integer_and_boolean_labels_keep_their_type(values, dtype, classes):
    out, roles = prepare(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": values}), target="y")
    assert out[LABEL].dtype == dtype and sorted(out[LABEL].unique()) == classes


def test_row_ids_are_content_based(raw_frame):
    ids, _ = prepared(raw_frame)
    shuffled = raw_frame.sample(frac=1, random_state=3)
    extra = pd.concat([shuffled, raw_frame.head(1).assign(age=99.0)], ignore_index=True)
    again, _ = prepared(extra)
    assert ids[ROW_ID].is_unique
    assert set(ids[ROW_ID]) < set(again[ROW_ID])
    by_id = again.set_index(ROW_ID).loc[ids[ROW_ID], "income"].to_numpy()
    np.testing.assert_array_equal(by_id, ids["income"].to_numpy())


def test_row_ids_come_from_the_key_and_survive_feature_edits(raw_frame):
    keyed = raw_frame.assign(**{"customer id": [f"C{i:05d}" for i in range(len(raw_frame))]})
    ids, roles = prepared(keyed)
    assert roles.key == "customer id" and roles.columns["customer id"].role == "id"
    edited = keyed.copy()
    edited.loc[7, "income"] = 12345.0
    again, _ = prepared(edited)
    assert again[ROW_ID].tolist() == ids[ROW_ID].tolist()


def test_row_ids_ignore_the_label_and_number_duplicates():
    frame = pd.DataFrame({"x": [1.0, 1.0, 2.0], LABEL: ["a", "b", "a"]})
    ids = assign_row_ids(frame)[ROW_ID].tolist()
    assert ids[1] == ids[0] + "-1" and ids[2] != ids[0]


def test_split_is_stratified_seeded_and_disjoint(raw_frame):
    frame, _ = prepared(raw_frame)
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


def test_rows_sharing_a_key_fall_on_the_same_side(raw_frame):
    keyed = raw_frame.assign(key=[f"K{i // 2:04d}" for i in range(len(raw_frame))])
    frame, _ = prepared(keyed, id="key")
    train, test = split_train_test(frame, test_size=0.3, random_state=0)
    assert not set(train["key"]) & set(test["key"])


def _with_repeats(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """``raw`` with a whole-number ``name`` column, distinct except for 40 pairs of rows."""
    ids = np.arange(len(raw))
    ids[1:80:2] = ids[0:80:2]
    return raw.assign(**{name: ids})


def test_a_repeated_id_is_the_group_and_keeps_a_subject_on_one_side(raw_frame):
    frame, roles = prepared(_with_repeats(raw_frame, "subject_id"))
    assert roles.group == "subject_id" and roles.key is None
    train, test = split_train_test(frame, test_size=0.25, random_state=0, group=roles.group)
    assert not set(train["subject_id"]) & set(test["subject_id"])
    assert len(train) + len(test) == len(frame)
    # without the group, some subjects straddle the split
    train, test = split_train_test(frame, test_size=0.25, random_state=0)
    assert set(train["subject_id"]) & set(test["subject_id"])


def test_a_declared_group_is_never_a_feature_and_rows_without_one_split_on_their_own(raw_frame):
    visits = raw_frame.assign(household=[f"h{i // 4}" if i % 5 else None
                                         for i in range(len(raw_frame))])
    frame, roles = prepared(visits, group="household")
    assert roles.group == "household" and roles.columns["household"].role == "id"
    assert "household" not in roles.features()
    train, test = split_train_test(frame, test_size=0.25, random_state=0, group=roles.group)
    assert not set(train["household"].dropna()) & set(test["household"].dropna())
    assert train["household"].isna().any() and test["household"].isna().any()


def test_a_rare_class_keeps_its_training_rows_when_its_subjects_have_other_rows():
    """Forty subjects of two rows of 'a' and a class 'b' of three rows, two of them by one
    subject: following a subject's first row must not take 'b' below its minimum, whatever
    the seed."""
    rows = [(f"s{i}", "a") for i in range(40) for _ in range(2)]
    rows += [("s0", "b"), ("s0", "b"), ("s1", "b")]
    frame = assign_row_ids(pd.DataFrame(rows, columns=["subject", LABEL]).assign(
        x=np.arange(len(rows))))
    for seed in range(30):
        train, test = split_train_test(frame, test_size=0.25, random_state=seed,
                                       min_train_rows=2, group="subject")
        assert (train[LABEL] == "b").sum() >= 2
        assert not set(train["subject"]) & set(test["subject"])


def test_fold_plans_keep_a_group_in_one_fold(raw_frame):
    frame, roles = prepared(_with_repeats(raw_frame, "subject_id"))
    groups = fold_groups(frame, group=roles.group)
    assert fold_groups(frame, group=None) is None
    plan = fold_plan(frame[LABEL].to_numpy(), n_splits=5, random_state=0, groups=groups)
    held = np.concatenate([held_idx for _, held_idx in plan])
    assert sorted(held) == list(range(len(frame)))
    for fit_idx, held_idx in plan:
        assert not set(groups[fit_idx]) & set(groups[held_idx])


@pytest.mark.parametrize("visits", [1, 3, 25])
def test_grouped_folds_keep_subjects_whole_and_follow_the_class_mix(visits):
    rng = np.random.default_rng(1)
    n_subjects = 1_000 // visits
    subject_label = rng.choice(3, size=n_subjects, p=[0.6, 0.3, 0.1])
    groups = np.repeat(rng.permutation(n_subjects), visits)
    labels = subject_label[groups]
    splits = list(StratifiedGroupFolds(5, random_state=7).split(None, labels, groups))
    assert sorted(np.concatenate([test for _, test in splits])) == list(range(len(labels)))
    subjects_per_label = np.bincount(subject_label)
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
        assert abs(len(test) - len(labels) / 5) <= visits  # within one subject of even
        subjects = np.bincount(subject_label[np.unique(groups[test])], minlength=3)
        assert (np.abs(subjects - subjects_per_label / 5) < 1).all()  # a fifth of each label
    again = list(StratifiedGroupFolds(5, random_state=7).split(None, labels, groups))
    other = list(StratifiedGroupFolds(5, random_state=8).split(None, labels, groups))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again, strict=True))
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(splits, other, strict=True))
    with pytest.raises(ValueError, match="5 folds need as many groups; there are 4"):
        next(StratifiedGroupFolds(5, random_state=0).split(None, [0, 1] * 2, [1, 2, 3, 4]))


def test_a_class_too_rare_to_split_stays_whole_in_training(raw_frame):
    frame, _ = prepared(raw_frame.head(100))
    frame.loc[:1, LABEL] = "pair"  # two rows
    frame.loc[2:4, LABEL] = "trio"
    train, test = split_train_test(frame, test_size=0.25, random_state=0, min_train_rows=2)
    assert (train[LABEL] == "pair").sum() == 2 and (test[LABEL] == "trio").sum() == 1
    assert untested_classes(train[LABEL].value_counts(), test[LABEL]) == ["pair"]
    # with a minimum of one training row, the pair is split as before
    _, test = split_train_test(frame, test_size=0.25, random_state=0)
    assert (test[LABEL] == "pair").sum() == 1


def test_test_counts_leave_the_minimum_for_training():
    sizes = pd.Series({"one": 1, "two": 2, "three": 3, "ten": 10, "many": 100})
    assert split_test_counts(sizes, test_size=0.25).to_dict() == {
        "one": 0, "two": 1, "three": 1, "ten": 2, "many": 25}
    assert split_test_counts(sizes, test_size=0.25, min_train_rows=2).to_dict() == {
        "one": 0, "two": 0, "three": 1, "ten": 2, "many": 25}
    assert split_test_counts(sizes, test_size=0.5, min_train_rows=9).to_dict() == {
        "one": 0, "two": 0, "three": 0, "ten": 1, "many": 50}


def test_a_class_below_the_minimum_is_refused_with_the_param():
    labels = pd.Series(["a"] * 20 + ["b"] * 20 + ["rare"] * 3)
    with pytest.raises(DatacentricError, match=r"class 'rare' has 3 training rows, fewer than "
                                               r"data.min_class_rows=5"):
        require_class_rows(labels.value_counts(), min_rows=5, param="data.min_class_rows")
    require_class_rows(labels.value_counts(), min_rows=3, param="data.min_class_rows")
    many = pd.Series(["a"] * 20 + [f"s{i}" for i in range(7)] + ["pair"] * 2)
    with pytest.raises(DatacentricError, match=(
            r"^data: 8 classes have fewer training rows than data.min_class_rows=3: 's0' \(1\), "
            r"'s1' \(1\), 's2' \(1\), 's3' \(1\), 's4' \(1\) and 3 more; merge or remove them")):
        require_class_rows(many.value_counts(), min_rows=3, param="data.min_class_rows")


def test_a_delivery_is_typed_by_the_recorded_roles(raw_frame):
    _, roles = prepared(raw_frame)
    delivery = raw_frame.head(5).astype(str).assign(extra="x")
    out = conform(delivery, roles)
    assert out["income"].dtype == "float64" and out["extra"].tolist() == ["x"] * 5
    assert conform(delivery.drop(columns="age"), roles).columns.tolist()[:3] == [
        "income", "city", "job"]


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
