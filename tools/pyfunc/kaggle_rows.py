"""Raw Home Credit rows in the layout of the registered model's pyfunc (libs/tracking/python/credit_scoring_pyfunc).

read_kaggle(data_dir, application_file, ids=None): the application rows (all, or those SK_ID_CURR in `ids`, in that
order) and the side tables of a Kaggle-layout folder restricted to those applicants, rows in file order.
nest_histories(application, tables): one row per application with a JSON-array column per side table (the pyfunc's
/ `mlflow models serve`'s input), built with Python's json (shortest round-trip floats: no digit is lost).
"""
import json
import math
import os

import pandas as pd

SIDE_TABLES = ("bureau", "bureau_balance", "previous_application", "POS_CASH_balance", "installments_payments",
               "credit_card_balance")


def read_kaggle(data_dir, application_file, ids=None, history=True):
    application = pd.read_csv(application_file, float_precision="round_trip")
    if "TARGET" in application.columns:
        application = application.drop(columns=["TARGET"])
    if ids is not None:
        application = application.set_index("SK_ID_CURR", drop=False).loc[list(ids)].reset_index(drop=True)
    tables = {}
    if history:
        wanted = set(application["SK_ID_CURR"].tolist())
        for table in SIDE_TABLES:
            file = os.path.join(data_dir, f"{table}.csv")
            if not os.path.exists(file) or table == "bureau_balance":
                continue
            frame = pd.read_csv(file, float_precision="round_trip")
            tables[table] = frame[frame["SK_ID_CURR"].isin(wanted)].reset_index(drop=True)
        file = os.path.join(data_dir, "bureau_balance.csv")
        if "bureau" in tables and os.path.exists(file):
            frame = pd.read_csv(file, float_precision="round_trip")
            credits = set(tables["bureau"]["SK_ID_BUREAU"].tolist())
            tables["bureau_balance"] = frame[frame["SK_ID_BUREAU"].isin(credits)].reset_index(drop=True)
    return application, tables


def _records(frame):
    """Rows as dicts without their missing fields (absent = missing), native Python numbers."""
    columns = list(frame.columns)
    out = []
    for row in frame.itertuples(index=False, name=None):
        out.append({c: v for c, v in zip(columns, row) if not (v is None or (isinstance(v, float) and math.isnan(v)))})
    return out


def nest_histories(application, tables):
    """The application rows with, per side table, a column of JSON arrays of each applicant's rows (file order)."""
    nested = application.copy()
    ids = application["SK_ID_CURR"].tolist()
    bureau_of = {}
    if "bureau" in tables:
        for sk_id, credit in zip(tables["bureau"]["SK_ID_CURR"].tolist(), tables["bureau"]["SK_ID_BUREAU"].tolist()):
            bureau_of.setdefault(sk_id, []).append(credit)
    for table, frame in tables.items():
        key = "SK_ID_BUREAU" if table == "bureau_balance" else "SK_ID_CURR"
        groups = {}
        for k, record in zip(frame[key].tolist(), _records(frame)):
            groups.setdefault(k, []).append(record)
        if table == "bureau_balance":
            per_applicant = [[r for credit in bureau_of.get(i, []) for r in groups.get(credit, [])] for i in ids]
        else:
            per_applicant = [groups.get(i, []) for i in ids]
        nested[table] = [json.dumps(rows) if rows else None for rows in per_applicant]
    return nested
