"""Batch scoring with the registered model's pyfunc, file to file, for the pyfunc benchmark.

    python tools/bench/pyfunc/pyfunc_batch.py MODEL_URI APPLICATION_CSV DATA_DIR OUT_CSV [nested|tables]

Reads the application file and the side tables of those applicants with pandas (tools/pyfunc/kaggle_rows.py), then
  tables: model.get_raw_model().predict_tables(application, tables)   (the Kaggle layout, no JSON)
  nested: model.predict(nest_histories(...)) per CHUNK applicants     (the pyfunc contract: JSON history columns;
          in chunks, as serving or Spark batches would send them: one Python dict per side-table row does not fit
          in memory for 48,744 applicants at once)
and writes SK_ID_CURR,TARGET (17 significant digits). Prints one JSON line of timings.
"""
import json
import os
import resource
import sys
import time

import mlflow.pyfunc
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pyfunc"))
from kaggle_rows import nest_histories, read_kaggle  # noqa: E402


CHUNK = 2000


def rows_of(chunk, tables):
    """The side-table rows of the chunk's applicants (bureau_balance through their bureau credits), in file order."""
    ids = set(chunk["SK_ID_CURR"].tolist())
    out = {t: f[f["SK_ID_CURR"].isin(ids)] for t, f in tables.items() if t != "bureau_balance"}
    if "bureau_balance" in tables and "bureau" in out:
        balance = tables["bureau_balance"]
        out["bureau_balance"] = balance[balance["SK_ID_BUREAU"].isin(set(out["bureau"]["SK_ID_BUREAU"].tolist()))]
    return out


def main():
    model_uri, application_file, data_dir, out = sys.argv[1:5]
    layout = sys.argv[5] if len(sys.argv) > 5 else "tables"
    t0 = time.perf_counter()
    model = mlflow.pyfunc.load_model(model_uri)
    t1 = time.perf_counter()
    application, tables = read_kaggle(data_dir, application_file)
    t2 = time.perf_counter()
    if layout == "nested":
        t3 = t2
        answers = []
        for first in range(0, len(application), CHUNK):
            chunk = application.iloc[first:first + CHUNK].reset_index(drop=True)
            answers.append(model.predict(nest_histories(chunk, rows_of(chunk, tables))))
        answer = pd.concat(answers, ignore_index=True)
    else:
        t3 = t2
        answer = model.get_raw_model().predict_tables(application, tables)
    t4 = time.perf_counter()
    answer[["SK_ID_CURR", "probability"]].rename(columns={"probability": "TARGET"}) \
        .to_csv(out, index=False, float_format="%.17g")
    t5 = time.perf_counter()
    print(json.dumps({"layout": layout, "rows": len(answer), "loadModelSeconds": t1 - t0, "readSeconds": t2 - t1,
                      "nestSeconds": t3 - t2, "scoreSeconds": t4 - t3, "writeSeconds": t5 - t4,
                      "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
