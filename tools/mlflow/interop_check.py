"""Interop check: Python MLflow loads a model that our TypeScript client registered, and predicts like LightGBM.

    tools/mlflow/.venv/bin/python tools/mlflow/interop_check.py --name NAME [--alias champion] \
        --payload libs/tracking/src/testing/fixtures/interop-model.txt \
        --spec libs/tracking/src/testing/fixtures/interop-model.json [--out result.json]

MLFLOW_TRACKING_URI must point at the server holding the registered model. The script
  1. loads models:/NAME@ALIAS with mlflow.pyfunc (registry alias -> version -> proxied artifact download ->
     MLmodel -> mlflow.lightgbm loader) and predicts on held-out real rows as a pandas DataFrame,
  2. predicts the same matrix with lightgbm.Booster loaded directly from the payload file,
  3. also loads the version with mlflow.lightgbm.load_model and checks it is the same Booster,
and exits 1 unless all agree (max |difference| <= 1e-12). With --out it writes the matrix and the
predictions as JSON, so the TypeScript side can compare its own Booster's predictions.
"""
import argparse
import json
import math
import os
import sys

import lightgbm as lgb
import mlflow
import mlflow.lightgbm
import mlflow.pyfunc
import numpy as np

from interop_data import TRAIN_ROWS, load_matrix, read_spec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", required=True)
    ap.add_argument("--alias", default="champion")
    ap.add_argument("--payload", required=True, help="the LightGBM model text our client uploaded")
    ap.add_argument("--spec", required=True, help="interop-model.json (features, category levels)")
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--data-dir", help="folder with application_train.csv (default: the real sample)")
    ap.add_argument("--first-row", type=int, default=TRAIN_ROWS, help="first row predicted (default: after the fixture's training rows)")
    ap.add_argument("--out")
    args = ap.parse_args()
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        sys.exit("MLFLOW_TRACKING_URI is not set")

    spec = read_spec(args.spec)
    names = spec["featureNames"]
    X, _, _ = load_matrix(levels=spec["categoricalLevels"]["NAME_EDUCATION_TYPE"], directory=args.data_dir)
    X = X[names].iloc[args.first_row:args.first_row + args.rows].reset_index(drop=True)

    uri = f"models:/{args.name}@{args.alias}"
    pyfunc_model = mlflow.pyfunc.load_model(uri)
    p_pyfunc = np.asarray(pyfunc_model.predict(X), dtype=np.float64).ravel()

    direct = lgb.Booster(model_file=args.payload)
    p_direct = direct.predict(X)

    flavour = mlflow.lightgbm.load_model(uri)
    p_flavour = flavour.predict(X)

    diff_pyfunc = float(np.max(np.abs(p_pyfunc - p_direct)))
    diff_flavour = float(np.max(np.abs(p_flavour - p_direct)))
    ok = (p_pyfunc.shape == p_direct.shape and diff_pyfunc <= 1e-12 and diff_flavour <= 1e-12
          and flavour.num_trees() == direct.num_trees())
    result = {
        "ok": ok, "modelUri": uri, "rows": int(len(X)), "columns": names, "trees": direct.num_trees(),
        "maxAbsDiffPyfuncVsLightgbm": diff_pyfunc, "maxAbsDiffLightgbmFlavourVsLightgbm": diff_flavour,
        "meanProbability": float(p_direct.mean()), "missingCells": int(X.isna().sum().sum()),
        "mlflow": mlflow.__version__, "lightgbm": lgb.__version__,
        "pyfuncLoader": pyfunc_model.metadata.flavors["python_function"]["loader_module"],
    }
    print(json.dumps(result))
    if args.out:
        matrix = [[None if math.isnan(v) else v for v in row] for row in X.to_numpy().tolist()]
        with open(args.out, "w") as f:
            json.dump({**result, "matrix": matrix, "pyfunc": p_pyfunc.tolist(), "lightgbm": p_direct.tolist()}, f)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
