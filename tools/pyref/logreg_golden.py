"""Golden logistic-regression coefficients for libs/scoring/src/logistic.spec.ts.

Run from the project root:
    tools/pyref/.venv/bin/python tools/pyref/logreg_golden.py
Writes libs/scoring/test-fixtures/logreg_golden.json.

Data: the first ROWS rows (file order) of ../shared/data/home-credit/application_train.csv, the COLUMNS below, NaNs
imputed by the column median (SimpleImputer), standardised (StandardScaler, population std), then sklearn
LogisticRegression(solver='lbfgs', C=C) — objective C·Σ logloss + ½‖w‖², intercept unpenalised — with a tight tolerance
so that the golden numbers are the optimum itself, not an early stop. The TypeScript test repeats the same steps from
the raw CSV and must land on the same coefficients (the data themselves are not copied into the project).
"""
import json
import os

import numpy as np
import pandas as pd
import sklearn
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "..", "shared", "data", "home-credit", "application_train.csv")
OUT = os.path.join(ROOT, "libs", "scoring", "test-fixtures", "logreg_golden.json")
ROWS = 5000
COLUMNS = ["AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "DAYS_BIRTH", "DAYS_EMPLOYED",
           "OWN_CAR_AGE", "EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]
C_VALUES = [0.001, 1.0]

frame = pd.read_csv(DATA, usecols=["SK_ID_CURR", "TARGET"] + COLUMNS, nrows=ROWS)
x_raw = frame[COLUMNS].to_numpy(dtype=float)
y = frame["TARGET"].to_numpy(dtype=int)
imputer = SimpleImputer(strategy="median").fit(x_raw)
scaler = StandardScaler().fit(imputer.transform(x_raw))
x = scaler.transform(imputer.transform(x_raw))

fits = []
for c in C_VALUES:
    model = LogisticRegression(solver="lbfgs", C=c, tol=1e-12, max_iter=100_000).fit(x, y)
    fits.append({
        "C": c,
        "coefficients": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
        "iterations": int(model.n_iter_[0]),
        "probabilitiesFirst10": model.predict_proba(x[:10])[:, 1].tolist(),
    })

golden = {
    "source": "tools/pyref/logreg_golden.py",
    "sklearn": sklearn.__version__,
    "rows": ROWS,
    "columns": COLUMNS,
    "firstId": int(frame["SK_ID_CURR"].iloc[0]),
    "positives": int(y.sum()),
    "medians": imputer.statistics_.tolist(),
    "means": scaler.mean_.tolist(),
    "scales": scaler.scale_.tolist(),
    "fits": fits,
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(golden, f, indent=1)
print(f"wrote {OUT}: {ROWS} rows, {len(COLUMNS)} columns, C in {C_VALUES}")
