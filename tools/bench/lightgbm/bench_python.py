"""Python side of tools/bench/lightgbm/bench.ts: the same timings with lightgbm 4.7.0 on the same matrix files.

Usage (the TS bench runs it): python bench_python.py <dir with X.f64, y.f64> <rows> <cols> <params json> <rounds>
<with predictions 0|1> <single calls>. Trains once; prints one JSON line of timings in seconds.
"""
import json
import sys
import time

import lightgbm as lgb
import numpy as np


def main():
    folder, rows, cols, params, rounds, with_predictions, single_calls = sys.argv[1:8]
    rows, cols, rounds, single_calls = int(rows), int(cols), int(rounds), int(single_calls)
    params = json.loads(params)
    x = np.fromfile(f"{folder}/X.f64", dtype="<f8").reshape(rows, cols)
    y = np.fromfile(f"{folder}/y.f64", dtype="<f8")

    start = time.perf_counter()
    booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=rounds)
    train_time = time.perf_counter() - start
    if with_predictions != "1":
        print(json.dumps({"train": train_time}))
        return

    start = time.perf_counter()
    pred = booster.predict(x)
    predict_time = time.perf_counter() - start

    for i in range(100):  # warm-up
        booster.predict(x[i:i + 1])
    start = time.perf_counter()
    for i in range(single_calls):
        booster.predict(x[i % rows:i % rows + 1])
    single_time = (time.perf_counter() - start) / single_calls

    print(json.dumps({"train": train_time, "predict": predict_time,
                      "single": single_time, "predSum": float(pred.sum()),
                      "numTrees": booster.model_to_string().count("\nTree=")}))


if __name__ == "__main__":
    main()
