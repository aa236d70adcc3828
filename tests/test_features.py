import numpy as np
import pandas as pd
import pytest
from conftest import prepared
from sklearn.utils.estimator_checks import parametrize_with_checks

from datacentric.dataset import split_train_test
from datacentric.errors import DatacentricError
from datacentric.features import (
    FeatureOptions,
    build_featurizer,
    categorical_mask,
    featurize_splits,
)
from datacentric.transformers import DateParts, TextComponents


def _splits(raw_frame):
    frame, roles = prepared(raw_frame)
    return (*split_train_test(frame, test_size=0.3, random_state=0), roles)


def test_featurizer_is_fitted_on_train_only(raw_frame):
    train, test, roles = _splits(raw_frame)
    featurizer = build_featurizer(roles).fit(train)
    out_train = featurizer.transform(train)
    out_test = featurizer.transform(test)
    assert not out_train.isna().any().any() and not out_test.isna().any().any()
    # scaling statistics come from the training rows alone
    assert abs(out_train["num__age"].mean()) < 1e-9
    assert abs(out_test["num__age"].mean()) > 1e-6
    assert list(out_train.columns) == list(featurizer.get_feature_names_out())


def test_rare_and_unseen_categories_share_the_infrequent_column(raw_frame):
    train, test, roles = _splits(raw_frame)
    featurizer = build_featurizer(roles).fit(train)
    names = list(featurizer.get_feature_names_out())
    assert "cat__city_infrequent_sklearn" in names and "cat__city_tiny" not in names
    unseen = test.head(2).copy()
    unseen["city"] = ["atlantis", np.nan]
    out = featurizer.transform(unseen)
    assert out.loc[unseen.index[0], "cat__city_infrequent_sklearn"] == 1.0
    assert out.filter(like="cat__city").sum(axis=1).tolist() == [1.0, 1.0]


def test_ids_and_constants_are_never_features(raw_frame):
    raw = raw_frame.assign(customer_id=[f"C{i:05d}" for i in range(len(raw_frame))],
                           const="same", empty=np.nan)
    train, _, roles = _splits(raw)
    assert roles.columns["customer_id"].role == "id"
    assert roles.columns["const"].role == roles.columns["empty"].role == "constant"
    out = build_featurizer(roles).fit_transform(train)
    assert not [c for c in out.columns if "customer_id" in c or "const" in c or "empty" in c]


def test_dates_become_parts_fitted_on_training_rows():
    dates = pd.date_range("2024-01-01", periods=200, freq="D")
    raw = pd.DataFrame({"signup": dates.strftime("%Y-%m-%d"), "x": np.arange(200.0),
                        "y": np.tile(["a", "b"], 100)})
    frame, roles = prepared(raw, target="y")
    assert roles.columns["signup"].role == "date"
    train, test = frame.iloc[:150], frame.iloc[150:]
    featurizer, X_train, X_test = featurize_splits(train, test, roles, encoding="native")
    assert list(X_train.columns[-3:]) == ["date__signup_days", "date__signup_month",
                                         "date__signup_weekday"] or "date__signup_days" in X_train
    assert X_train["date__signup_days"].min() == 0.0  # elapsed since the earliest training date
    assert X_test["date__signup_days"].iloc[0] == 150.0
    assert X_test["date__signup_weekday"].iloc[0] == dates[150].weekday()


def test_text_gets_a_bounded_number_of_components():
    rng = np.random.default_rng(0)
    words = ["engineer", "nurse", "senior", "junior", "teacher", "school", "driver", "manager"]
    raw = pd.DataFrame({"title": [" ".join(rng.choice(words, 3)) + f" {i}" for i in range(300)],
                        "x": rng.normal(size=300), "y": rng.choice(["a", "b"], 300)})
    frame, roles = prepared(raw, target="y")
    assert roles.columns["title"].role == "text"
    out = build_featurizer(roles, options=FeatureOptions(text_features=4)).fit_transform(frame)
    assert [c for c in out.columns if c.startswith("text__")] == [
        f"text__title_text{i}" for i in range(4)]
    dropped = build_featurizer(roles, options=FeatureOptions(text_features=0)).fit_transform(frame)
    assert not [c for c in dropped.columns if "title" in c]


def test_booleans_stay_one_column():
    raw = pd.DataFrame({"flag": ["yes", "no", None, "yes"] * 10, "x": np.arange(40.0),
                        "y": ["a", "b"] * 20})
    frame, roles = prepared(raw, target="y")
    assert roles.columns["flag"].role == "boolean"
    out = build_featurizer(roles, encoding="native").fit_transform(frame)
    assert out["num__flag"].tolist()[:4] == [1.0, 0.0, None, 1.0] or \
        np.isnan(out["num__flag"].iloc[2])


def test_native_encoding_keeps_numerics_and_codes_categories(raw_frame):
    train, test, roles = _splits(raw_frame)
    featurizer = build_featurizer(roles, encoding="native").fit(train)
    out = featurizer.transform(train)
    assert list(out.columns) == ["num__income", "num__age", "code__city", "code__job"]
    assert categorical_mask(out.columns).tolist() == [False, False, True, True]
    # numerics untouched, missing values left for the trees
    np.testing.assert_array_equal(out["num__income"].to_numpy(), train["income"].to_numpy())
    # four frequent cities and one code for the rare ones; missing is NaN, not a code
    codes = out["code__city"]
    assert codes.dropna().nunique() == 5
    assert codes[train["city"].isna().to_numpy()].isna().all()
    unseen = test.head(1).assign(city="atlantis")
    assert np.isnan(featurizer.transform(unseen)["code__city"].iloc[0])


def test_one_hot_encoding_has_no_category_codes(raw_frame):
    train, _, roles = _splits(raw_frame)
    out = build_featurizer(roles).fit_transform(train)
    assert not categorical_mask(out.columns).any()


def test_a_table_without_feature_columns_is_refused():
    raw = pd.DataFrame({"id": [f"C{i:03d}" for i in range(30)], "y": ["a", "b"] * 15})
    frame, roles = prepared(raw, target="y")
    with pytest.raises(DatacentricError, match="no feature column.*data.columns"):
        featurize_splits(frame, frame, roles)


@parametrize_with_checks([DateParts(), TextComponents(n_components=2)])
def test_transformers_follow_scikit_learn_conventions(estimator, check):
    check(estimator)
