"""Shared by make_test_model.py and interop_check.py: the small real-data matrix of the interop fixture model.

Columns are a handful of Home Credit application fields; NAME_EDUCATION_TYPE is integer-coded (levels sorted,
NaN for missing) and declared categorical, as our feature pipeline does, so the check also covers LightGBM
categorical splits read back without pandas categories.
"""
import json
import os

import pandas as pd

NUMERIC = ["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "DAYS_BIRTH", "DAYS_EMPLOYED", "AMT_CREDIT",
           "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL", "OWN_CAR_AGE"]
CATEGORICAL = "NAME_EDUCATION_TYPE"
TRAIN_ROWS = 10000  # the first rows train the fixture model; the check predicts on the rows after them


def data_dir() -> str:
    """The real sample, by the project's rule (libs/data realDataDir): HOME_CREDIT_DIR, else ../shared beside it."""
    if os.environ.get("HOME_CREDIT_DIR"):
        return os.path.abspath(os.environ["HOME_CREDIT_DIR"])
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    return os.path.join(root, "..", "shared", "data", "home-credit")


def load_matrix(levels=None, directory=None):
    """(X DataFrame of float64 in model column order, y, levels) from application_train.csv (default: data_dir())."""
    path = os.path.join(directory or data_dir(), "application_train.csv")
    if not os.path.exists(path):
        raise SystemExit(f"real data missing: {path} (see the project README)")
    raw = pd.read_csv(path, usecols=["TARGET", CATEGORICAL, *NUMERIC])
    if levels is None:
        levels = sorted(raw[CATEGORICAL].dropna().unique().tolist())
    codes = {level: float(i) for i, level in enumerate(levels)}
    X = raw[NUMERIC].astype("float64")
    X[CATEGORICAL] = raw[CATEGORICAL].map(codes).astype("float64")
    return X, raw["TARGET"].to_numpy(), levels


def read_spec(spec_path):
    with open(spec_path) as f:
        return json.load(f)


def feature_names():
    return [*NUMERIC, CATEGORICAL]


__all__ = ["NUMERIC", "CATEGORICAL", "TRAIN_ROWS", "load_matrix", "read_spec", "feature_names"]
