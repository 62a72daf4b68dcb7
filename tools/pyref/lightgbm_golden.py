"""Golden files for libs/lightgbm's tests: what Python lightgbm 4.7.0 produces on the real Home Credit rows.

Run (dev only; CI has no Python):  tools/pyref/.venv/bin/python tools/pyref/lightgbm_golden.py
Writes libs/lightgbm/test-fixtures/: golden.json (params, AUCs, gain importance, tree counts, best iteration,
eval history) and little-endian float64 files (*.f64) with predictions and SHAP values.

Data: ../shared/data/home-credit/application_train.csv, every numeric column except SK_ID_CURR and TARGET, in file
order ("numeric" = every non-empty cell parses as a number; empty = NaN). The TypeScript test loads it by the same
rule (libs/lightgbm/src/test-data.ts), so both sides train on bit-identical float64 matrices.
"""
import json
import os

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(ROOT, "..", "shared", "data", "home-credit", "application_train.csv")
OUT = os.path.join(ROOT, "libs", "lightgbm", "test-fixtures")

# Must equal PARAMS in libs/lightgbm/src/golden.spec.ts.
PARAMS = {
    "objective": "binary",
    "metric": "auc",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 42,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbose": -1,
}
ROUNDS = 100
SHAP_ROWS = 50
SPLIT = 10000  # early-stopping scenario: train on rows [0, SPLIT), validate on the rest
EARLY_STOPPING = 10
MAX_ROUNDS = 1000


def load():
    # keep_default_na=False: only empty cells are missing (as in the TS loader); round_trip: correctly rounded floats.
    frame = pd.read_csv(DATA, keep_default_na=False, na_values=[""], float_precision="round_trip")
    numeric = [c for c in frame.columns if c not in ("SK_ID_CURR", "TARGET") and pd.api.types.is_numeric_dtype(frame[c])]
    x = np.ascontiguousarray(frame[numeric].to_numpy(dtype=np.float64))
    y = frame["TARGET"].to_numpy(dtype=np.float64)
    return numeric, x, y


def write_f64(name, values):
    np.ascontiguousarray(values, dtype="<f8").tofile(os.path.join(OUT, name))


def main():
    os.makedirs(OUT, exist_ok=True)
    columns, x, y = load()

    full = lgb.train(PARAMS, lgb.Dataset(x, label=y), num_boost_round=ROUNDS)
    pred = full.predict(x)
    write_f64("full_predictions.f64", pred)
    write_f64("full_shap_first50.f64", full.predict(x[:SHAP_ROWS], pred_contrib=True))
    model_text = full.model_to_string()

    history = {}
    train_set = lgb.Dataset(x[:SPLIT], label=y[:SPLIT])
    valid_set = lgb.Dataset(x[SPLIT:], label=y[SPLIT:], reference=train_set)
    early = lgb.train(PARAMS, train_set, num_boost_round=MAX_ROUNDS, valid_sets=[valid_set], valid_names=["valid"],
                      callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False), lgb.record_evaluation(history)])
    valid_pred = early.predict(x[SPLIT:])
    write_f64("early_valid_predictions.f64", valid_pred)

    golden = {
        "lightgbm": lgb.__version__,
        "params": PARAMS,
        "rounds": ROUNDS,
        "columns": columns,
        "nRows": int(x.shape[0]),
        "nCols": int(x.shape[1]),
        "full": {
            "trainAuc": roc_auc_score(y, pred),
            "numTrees": model_text.count("\nTree="),
            "gainImportance": full.feature_importance("gain").tolist(),
            "splitImportance": full.feature_importance("split").astype(float).tolist(),
            "shapRows": SHAP_ROWS,
        },
        "early": {
            "split": SPLIT,
            "earlyStoppingRounds": EARLY_STOPPING,
            "maxRounds": MAX_ROUNDS,
            "bestIteration": early.best_iteration,
            "numTrees": early.model_to_string().count("\nTree="),
            "validAuc": roc_auc_score(y[SPLIT:], valid_pred),
            "validAucHistory": history["valid"]["auc"],
        },
    }
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {x.shape[0]} rows x {x.shape[1]} numeric columns, best iteration {early.best_iteration}")


if __name__ == "__main__":
    main()
