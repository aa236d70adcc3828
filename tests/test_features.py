import numpy as np
import pandas as pd

from datacentric.dataset import assign_row_ids, normalise, split_train_test
from datacentric.features import build_featurizer, categorical_mask, feature_columns


def _splits(raw_frame):
    frame = assign_row_ids(normalise(raw_frame, target="target"))
    return split_train_test(frame, test_size=0.3, random_state=0)


def test_featurizer_is_fitted_on_train_only(raw_frame):
    train, test = _splits(raw_frame)
    numeric, categorical = feature_columns(train)
    assert numeric == ["income", "age"] and categorical == ["city", "job"]
    featurizer = build_featurizer(numeric, categorical, min_category_frequency=10).fit(train)
    out_train = featurizer.transform(train)
    out_test = featurizer.transform(test)
    assert not out_train.isna().any().any() and not out_test.isna().any().any()
    # scaling statistics come from the training rows alone
    assert abs(out_train["num__age"].mean()) < 1e-9
    assert abs(out_test["num__age"].mean()) > 1e-6
    assert list(out_train.columns) == list(featurizer.get_feature_names_out())


def test_rare_and_unseen_categories_share_the_infrequent_column(raw_frame):
    train, test = _splits(raw_frame)
    featurizer = build_featurizer(*feature_columns(train), min_category_frequency=10).fit(train)
    names = list(featurizer.get_feature_names_out())
    assert "cat__city_infrequent_sklearn" in names and "cat__city_tiny" not in names
    unseen = test.head(2).copy()
    unseen["city"] = ["atlantis", np.nan]
    out = featurizer.transform(unseen)
    assert out.loc[unseen.index[0], "cat__city_infrequent_sklearn"] == 1.0
    assert out.filter(like="cat__city").sum(axis=1).tolist() == [1.0, 1.0]


def test_all_missing_and_constant_columns_do_not_break(raw_frame):
    train, _ = _splits(raw_frame)
    train = train.assign(empty=np.nan, const=1.0)
    featurizer = build_featurizer(*feature_columns(train)).fit(train)
    out = featurizer.transform(train)
    assert np.isfinite(out.to_numpy()).all()
    assert isinstance(out, pd.DataFrame)


def test_native_encoding_keeps_numerics_and_codes_categories(raw_frame):
    train, test = _splits(raw_frame)
    featurizer = build_featurizer(*feature_columns(train), min_category_frequency=10,
                                  encoding="native").fit(train)
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
    train, _ = _splits(raw_frame)
    out = build_featurizer(*feature_columns(train)).fit_transform(train)
    assert not categorical_mask(out.columns).any()
