"""Python-LightGBM reference for the booster model specs (libs/scoring/src/boosters.spec.ts).

Run from the project root:
    tools/pyref/.venv/bin/python tools/pyref/boosters_golden.py
Writes libs/scoring/test-fixtures/boosters_golden.json.

Data: first ROWS rows of ../shared/data/home-credit/application_train.csv, the COLUMNS below (NaN kept: LightGBM
handles missing values). Folds: row i is validated in fold i % 3. For each model flavour the params are exactly what
our spec's `trainingSetup({num_boost_round: ROUNDS, early_stopping_rounds: 0}, seed=0)` hands to LightGBM (the test
asserts that equality), trained for ROUNDS rounds without early stopping on the fold's training rows.
Recorded: per fold the validation AUC and the first 20 validation probabilities.
"""
import json
import os

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "..", "shared", "data", "home-credit", "application_train.csv")
OUT = os.path.join(ROOT, "libs", "scoring", "test-fixtures", "boosters_golden.json")
ROWS = 6000
ROUNDS = 60
FOLDS = 3
COLUMNS = ["AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "DAYS_BIRTH", "DAYS_EMPLOYED",
           "DAYS_REGISTRATION", "DAYS_ID_PUBLISH", "OWN_CAR_AGE", "REGION_RATING_CLIENT", "EXT_SOURCE_1",
           "EXT_SOURCE_2", "EXT_SOURCE_3"]

COMMON = {"objective": "binary", "metric": "auc", "verbosity": -1, "num_threads": 2, "deterministic": True,
          "force_col_wise": True}
FLAVOURS = {
    "lightgbm_rf": {"boosting": "rf", "num_leaves": 63, "min_data_in_leaf": 20, "bagging_fraction": 0.632,
                    "bagging_freq": 1, "feature_fraction": 0.5},
    "gbm_plain": {"boosting": "gbdt", "learning_rate": 0.1, "max_depth": 3, "min_data_in_leaf": 20, "lambda_l2": 0,
                  "feature_fraction": 1, "bagging_fraction": 1, "bagging_freq": 0, "num_leaves": 8,
                  "feature_pre_filter": False},
    "lightgbm": {"boosting": "gbdt", "learning_rate": 0.02, "num_leaves": 8, "max_depth": -1, "min_data_in_leaf": 100,
                 "feature_fraction": 0.2, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l1": 0.1,
                 "lambda_l2": 10, "min_gain_to_split": 0, "cat_smooth": 20, "cat_l2": 10},
}

frame = pd.read_csv(DATA, usecols=["TARGET"] + COLUMNS, nrows=ROWS)
x = frame[COLUMNS].to_numpy(dtype=float)
y = frame["TARGET"].to_numpy(dtype=float)
fold_of = np.arange(ROWS) % FOLDS

results = {}
for name, flavour in FLAVOURS.items():
    params = {**COMMON, **flavour, "seed": 0}
    folds = []
    for k in range(FOLDS):
        train, valid = fold_of != k, fold_of == k
        data = lgb.Dataset(x[train], label=y[train], feature_name=COLUMNS, categorical_feature=[], params=params)
        booster = lgb.train(params, data, num_boost_round=ROUNDS)
        prob = booster.predict(x[valid])
        folds.append({"auc": roc_auc_score(y[valid], prob), "firstProbabilities": prob[:20].tolist()})
    results[name] = {"params": params, "folds": folds}

golden = {"source": "tools/pyref/boosters_golden.py", "lightgbm": lgb.__version__, "rows": ROWS, "rounds": ROUNDS,
          "folds": FOLDS, "columns": COLUMNS, "models": results}
with open(OUT, "w") as f:
    json.dump(golden, f, indent=1)
print(f"wrote {OUT}")
for name, r in results.items():
    print(name, [round(f["auc"], 4) for f in r["folds"]])
