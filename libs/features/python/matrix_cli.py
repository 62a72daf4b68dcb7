"""The feature matrix of a Kaggle-layout folder by the Python executor (for the parity test of python.spec.ts).

    python libs/features/python/matrix_cli.py SPEC.json STATE.json APPLICATION.csv DATA_DIR OUT.f64

Reads the application file and the side tables in DATA_DIR with pandas, keys them by SK_ID_CURR (bureau_balance by
SK_ID_BUREAU), writes the matrix as raw little-endian float64, row-major, application rows in file order.
"""
import json
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from credit_scoring_features import ID, SIDE_TABLES, FeatureExecutor, key_slots, parse_numbers  # noqa: E402


def main():
    spec_file, state_file, application_file, data_dir, out = sys.argv[1:6]
    executor = FeatureExecutor(json.load(open(spec_file)), json.load(open(state_file)))
    application = pd.read_csv(application_file, float_precision="round_trip")
    # float_precision="round_trip": pandas' default float parser is off by one bit on many long decimals
    files = {t: os.path.join(data_dir, f"{t}.csv") for t in SIDE_TABLES}
    tables = {t: pd.read_csv(f, float_precision="round_trip") for t, f in files.items() if os.path.exists(f)}
    app_keys, n_keys, slot_of = key_slots(parse_numbers(application[ID], ID, "application"))
    slots = {t: slot_of(parse_numbers(f[ID], ID, t)) for t, f in tables.items() if t != "bureau_balance"}
    matrix = executor.matrix(application, tables, slots, n_keys, app_keys=app_keys)
    matrix.astype("<f8").tofile(out)


if __name__ == "__main__":
    main()
