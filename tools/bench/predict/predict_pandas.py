"""pandas + Python LightGBM reference for the predict benchmark: the job `trainer predict` does, done the way a Python
Kaggle kernel would. Reads the application file and the side tables, keeps the side-table rows of those applicants,
computes the features with the same spec as libs/features (features_pandas.py executes the JSON spec; the category
levels come from the bundle's feature_pipeline.json), scores them with lightgbm.Booster(model_file=model.lgb) and writes
SK_ID_CURR,TARGET.
Usage: python tools/bench/predict/predict_pandas.py <application.csv> <data dir> <spec.json> <bundle dir> <out.csv>
Prints one JSON line: {"loadSeconds", "featureSeconds", "predictSeconds", "writeSeconds", "rows", "maxRssMb"}.
"""
import json
import os
import resource
import sys
import time

import lightgbm as lgb
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "features"))
import features_pandas as fp  # noqa: E402

SIDE = ["bureau", "bureau_balance", "previous_application", "POS_CASH_balance", "installments_payments",
        "credit_card_balance"]


def main():
    application_file, data_dir, spec_file, bundle_dir, out_file = sys.argv[1:6]
    spec = json.load(open(spec_file))
    fp.use_spec(spec)
    state = json.load(open(os.path.join(bundle_dir, "feature_pipeline.json")))

    t0 = time.perf_counter()
    app = pd.read_csv(application_file)
    tables = {t: pd.read_csv(f"{data_dir}/{t}.csv") for t in SIDE if os.path.exists(f"{data_dir}/{t}.csv")}
    t1 = time.perf_counter()

    # Only the history of the applicants being scored (bureau_balance through their bureau records).
    ids = app["SK_ID_CURR"]
    for t in SIDE:
        if t in tables and t != "bureau_balance":
            tables[t] = tables[t][tables[t]["SK_ID_CURR"].isin(ids)]
    if "bureau_balance" in tables and "bureau" in tables:
        tables["bureau_balance"] = tables["bureau_balance"][
            tables["bureau_balance"]["SK_ID_BUREAU"].isin(tables["bureau"]["SK_ID_BUREAU"])]

    app_clean = fp.clean(app, spec["applicationNumeric"], spec["applicationText"], set(spec["applicationDays"]))
    blocks = [app_clean[spec["applicationNumeric"]]]
    blocks.append(pd.DataFrame({n: fp.final(fp.ev(e, app_clean)) for n, e in spec["applicationDerived"].items()},
                               index=app.index))
    codes = {}
    for c in spec["applicationText"]:
        codes[c] = pd.Categorical(app_clean[c], categories=state["categoryLevels"][c]).codes.astype("float64")
        codes[c][codes[c] < 0] = np.nan  # unseen at fit time or missing
    blocks.append(pd.DataFrame(codes, index=app.index))
    for t in spec["sideSpecs"]:
        if t["table"] not in state["options"]["sideTables"]:
            continue
        if t["table"] in tables:
            agg = fp.aggregate(t, tables)
            joined = app[["SK_ID_CURR"]].merge(agg, how="left", left_on="SK_ID_CURR", right_index=True)
            joined = joined.drop(columns=["SK_ID_CURR"])
        else:
            joined = pd.DataFrame(np.nan, index=app.index, columns=t["outputs"])
        for name in t["zeroWhenEmpty"]:
            joined[name] = joined[name].fillna(0)
        blocks.append(joined.set_index(app.index))
    features = pd.concat(blocks, axis=1)
    if list(features.columns) != state["featureNames"]:
        raise SystemExit("the pandas features are not the pipeline's columns")
    matrix = np.ascontiguousarray(features.to_numpy(dtype="float64"))
    t2 = time.perf_counter()
    if os.environ.get("PREDICT_PANDAS_MATRIX"):  # raw little-endian float64, row-major: to cross-check the features
        matrix.astype("<f8").tofile(os.environ["PREDICT_PANDAS_MATRIX"])

    booster = lgb.Booster(model_file=os.path.join(bundle_dir, "model.lgb"))
    probabilities = booster.predict(matrix, num_threads=os.cpu_count())
    t3 = time.perf_counter()

    pd.DataFrame({"SK_ID_CURR": ids, "TARGET": probabilities}).to_csv(out_file, index=False, float_format="%.17g")
    t4 = time.perf_counter()
    print(json.dumps({"loadSeconds": t1 - t0, "featureSeconds": t2 - t1, "predictSeconds": t3 - t2,
                      "writeSeconds": t4 - t3, "rows": len(ids),
                      "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
