"""Batch scoring with the registered model's pyfunc, file to file, for the pyfunc benchmark.

    python tools/bench/pyfunc/pyfunc_batch.py MODEL_URI APPLICATION_CSV DATA_DIR OUT_CSV [nested|tables]

Reads the application file and the side tables of those applicants with pandas (tools/pyfunc/kaggle_rows.py), then
  tables: model.get_raw_model().predict_tables(application, tables)   (the Kaggle layout, no JSON)
  nested: model.predict(nest_histories(application, tables))          (the pyfunc contract: JSON history columns)
and writes SK_ID_CURR,TARGET (17 significant digits). Prints one JSON line of timings.
"""
import json
import os
import resource
import sys
import time

import mlflow.pyfunc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pyfunc"))
from kaggle_rows import nest_histories, read_kaggle  # noqa: E402


def main():
    model_uri, application_file, data_dir, out = sys.argv[1:5]
    layout = sys.argv[5] if len(sys.argv) > 5 else "tables"
    t0 = time.perf_counter()
    model = mlflow.pyfunc.load_model(model_uri)
    t1 = time.perf_counter()
    application, tables = read_kaggle(data_dir, application_file)
    t2 = time.perf_counter()
    if layout == "nested":
        nested = nest_histories(application, tables)
        t3 = time.perf_counter()
        answer = model.predict(nested)
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
