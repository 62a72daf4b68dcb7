"""Regenerates the interop fixture model (libs/tracking/src/testing/fixtures/interop-model.{txt,json}).

    tools/pyref/.venv/bin/python tools/mlflow/make_test_model.py

Trains a small LightGBM 4.7.0 binary model with early stopping on the first rows of the real Home Credit
sample and saves its text cut at the best iteration: the payload our TypeScript client registers in MLflow
until the project's own LightGBM binding produces models.
"""
import json
import os

import lightgbm as lgb

from interop_data import CATEGORICAL, TRAIN_ROWS, feature_names, load_matrix

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "libs", "tracking", "src", "testing", "fixtures")


def main():
    X, y, levels = load_matrix()
    names = feature_names()
    cut = TRAIN_ROWS * 4 // 5
    params = {"objective": "binary", "learning_rate": 0.1, "num_leaves": 15, "min_data_in_leaf": 40,
              "seed": 7, "deterministic": True, "num_threads": 1, "verbosity": -1}
    train = lgb.Dataset(X[names].iloc[:cut], y[:cut], categorical_feature=[CATEGORICAL])
    valid = lgb.Dataset(X[names].iloc[cut:TRAIN_ROWS], y[cut:TRAIN_ROWS], reference=train)
    booster = lgb.train(params, train, num_boost_round=200, valid_sets=[valid],
                        callbacks=[lgb.early_stopping(20, verbose=False)])
    text = booster.model_to_string(num_iteration=booster.best_iteration)
    # The Python package appends "pandas_categorical:..."; models written through the C API have no such
    # line, so drop it to make the fixture look like what our binding saves.
    text = "\n".join(l for l in text.split("\n") if not l.startswith("pandas_categorical:"))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "interop-model.txt"), "w") as f:
        f.write(text)
    spec = {"featureNames": names, "categoricalLevels": {CATEGORICAL: levels}, "bestIteration": booster.best_iteration,
            "trainRows": TRAIN_ROWS, "lightgbm": lgb.__version__, "params": params}
    with open(os.path.join(OUT, "interop-model.json"), "w") as f:
        json.dump(spec, f, indent=2)
    print(f"wrote interop-model.txt ({len(text)} chars, {booster.best_iteration} trees) to {os.path.abspath(OUT)}")


if __name__ == "__main__":
    main()
