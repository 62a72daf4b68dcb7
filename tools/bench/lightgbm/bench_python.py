"""Python side of tools/bench/lightgbm/bench.ts: the same timings with lightgbm 4.7.0 on the same matrix files.

Usage (the TS bench runs it): python bench_python.py <dir with X.f64, y.f64> <rows> <cols> <params json> <rounds>
<repeats> <single calls>. Prints one JSON line of timings in seconds.
"""
import json
import sys
import time

import lightgbm as lgb
import numpy as np


def main():
    folder, rows, cols, params, rounds, repeats, single_calls = sys.argv[1:8]
    rows, cols, rounds, repeats, single_calls = int(rows), int(cols), int(rounds), int(repeats), int(single_calls)
    params = json.loads(params)
    x = np.fromfile(f"{folder}/X.f64", dtype="<f8").reshape(rows, cols)
    y = np.fromfile(f"{folder}/y.f64", dtype="<f8")

    train_times = []
    booster = None
    for _ in range(repeats):
        start = time.perf_counter()
        booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=rounds)
        train_times.append(time.perf_counter() - start)

    start = time.perf_counter()
    pred = booster.predict(x)
    predict_time = time.perf_counter() - start

    row = x[:1]
    for i in range(100):  # warm-up
        booster.predict(x[i:i + 1])
    start = time.perf_counter()
    for i in range(single_calls):
        booster.predict(x[i % rows:i % rows + 1])
    single_time = (time.perf_counter() - start) / single_calls
    del row

    print(json.dumps({"train": min(train_times), "trainAll": train_times, "predict": predict_time,
                      "single": single_time, "predSum": float(pred.sum()),
                      "numTrees": booster.model_to_string().count("\nTree=")}))


if __name__ == "__main__":
    main()
