"""MLflow pyfunc of a credit-scoring model package: raw Home Credit applications in; probability of default, decision
at the stored threshold and model version out. MLflow loads it through the package's MLmodel
(python_function.loader_module = credit_scoring_pyfunc, code = code/), so

    model = mlflow.pyfunc.load_model("models:/credit-scoring@champion")
    model.predict(applications)        # pandas DataFrame of raw application rows (+ optional history columns)

Input layout (one row per application, Kaggle field names, as application_test.csv):
- the application fields; SK_ID_CURR, AMT_CREDIT and AMT_INCOME_TOTAL are required, any other field may be absent
  (missing); numbers as numbers (or numeric text), categories as text;
- optional history columns named after the side tables (bureau, bureau_balance, previous_application,
  POS_CASH_balance, installments_payments, credit_card_balance): each cell the applicant's rows of that table, a JSON
  array of objects (or a list of dicts in-process), in file order; bureau_balance holds the rows of the applicant's
  bureau credits (linked by SK_ID_BUREAU). An absent column or an empty cell means no rows of that kind.
For whole tables in-process (faster, no JSON), `model.get_raw_model().predict_tables(application, {name: frame})`
takes the Kaggle files' layout: side-table rows linked to applications by SK_ID_CURR.

Output: a DataFrame with SK_ID_CURR, probability, decision ('refused' when probability >= threshold, else
'granted'), threshold and modelVersion, one row per application, in input order: the scoring API's answer.
Bad input raises MlflowException (INVALID_PARAMETER_VALUE, HTTP 400 under `mlflow models serve`) naming the field.
"""
import hashlib
import json
import os
import re

import lightgbm as lgb
import numpy as np
import pandas as pd

from credit_scoring_features import (ID, SIDE_TABLES, FeatureExecutor, FeatureInputError, credit_ids, key_slots,
                                     parse_numbers)

CHECKSUMMED = ("model.lgb", "feature_pipeline.json", "threshold.json", "metrics.json")
OUTPUT_COLUMNS = ["SK_ID_CURR", "probability", "decision", "threshold", "modelVersion"]
# The API's applicant id range (a 32-bit id).
MAX_ID = 2147483647
APPLICANT = "__applicant__"


class BadInput(ValueError):
    """Raw input the model cannot score; the message says which field and why."""


def _invalid(message):
    try:
        from mlflow.exceptions import MlflowException
        from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

        return MlflowException(message, error_code=INVALID_PARAMETER_VALUE)
    except ImportError:  # scored without MLflow installed (the package's own tests)
        return BadInput(message)


def _read(path, name):
    with open(os.path.join(path, name), "rb") as f:
        return f.read()


class CreditScoringModel:
    """The model package folder, checked (checksums as recorded when it was written) and loaded."""

    def __init__(self, path):
        checksums = json.loads(_read(path, "checksums.json"))
        files = {}
        for name in CHECKSUMMED:
            files[name] = _read(path, name)
            found = "sha256:" + hashlib.sha256(files[name]).hexdigest()
            if checksums.get(name) != found:
                raise ValueError(f"model package {path}: {name} does not match its recorded checksum")
        self.executor = FeatureExecutor(json.loads(_read(path, "feature_spec.json")),
                                        json.loads(files["feature_pipeline.json"]))
        self.booster = lgb.Booster(model_str=files["model.lgb"].decode("utf-8"))
        if self.booster.feature_name() != self.executor.feature_names:
            raise ValueError(f"model package {path}: model.lgb's features are not feature_pipeline.json's")
        threshold = json.loads(files["threshold.json"])
        self.threshold = float(threshold["threshold"] if isinstance(threshold, dict) else threshold)
        self.required = list(self.executor.spec.get("requiredFields", [ID]))
        self.version = _version(path)

    def get_raw_model(self):
        return self

    # -- the pyfunc entry point: one row per application, histories nested in their rows ------------------------
    def predict(self, data, params=None):
        try:
            application = _frame(data)
            self._check_application(application)
            n = len(application)
            ids = parse_numbers(application[ID], ID, "application")
            tables, slots = _nested_histories(application, ids)
            if "bureau_balance" in self.executor.state["options"]["sideTables"]:
                _check_credits(tables)
            matrix = self.executor.matrix(application, tables, slots, n, credit_key=_credit_key)
        except (FeatureInputError, BadInput) as error:
            raise _invalid(str(error)) from None
        return self._answer(ids, matrix)

    # -- whole tables in the Kaggle files' layout (rows linked by SK_ID_CURR / SK_ID_BUREAU) --------------------
    def predict_tables(self, application, tables=None):
        try:
            application = _frame(application)
            self._check_application(application)
            ids = parse_numbers(application[ID], ID, "application")
            app_keys, n_keys, slot_of = key_slots(ids)
            tables = {t: f for t, f in (tables or {}).items() if f is not None}
            unknown = sorted(set(tables) - set(SIDE_TABLES))
            if unknown:
                raise BadInput(f"unknown side table(s) {', '.join(unknown)}; expected some of {', '.join(SIDE_TABLES)}")
            slots = {}
            for table, frame in tables.items():
                if not isinstance(frame, pd.DataFrame):
                    raise BadInput(f"side table {table} must be a pandas DataFrame")
                if table != "bureau_balance":
                    if ID not in frame.columns:
                        raise BadInput(f"side table {table} has no {ID} column")
                    slots[table] = slot_of(parse_numbers(frame[ID], ID, table))
            matrix = self.executor.matrix(application, tables, slots, n_keys, app_keys=app_keys)
        except (FeatureInputError, BadInput) as error:
            raise _invalid(str(error)) from None
        return self._answer(ids, matrix)

    def _check_application(self, application):
        if len(application) == 0:
            raise BadInput("no application rows to score")
        absent = [f for f in self.required if f not in application.columns]
        if absent:
            raise BadInput(f"application lacks required field(s) {', '.join(absent)}")
        # The API's rules (a 400 there): a required value that is NaN, infinite or of a magnitude the pipeline reads as
        # missing would be scored as absent; an id must survive the float64 the features are computed in, so it is a
        # whole number of 0..2^31-1 (2^62 came back as another applicant's id).
        limit = self.executor.spec.get("maxMagnitude", 2.0 ** 45)
        for field in self.required:
            values = parse_numbers(application[field], field, "application")
            if field == ID:
                bad = np.flatnonzero(~((values >= 0) & (values <= MAX_ID) & (values == np.floor(values))))
                if len(bad):
                    value = application[field].iloc[int(bad[0])]
                    raise BadInput(f"application row {int(bad[0])}: {ID} must be a whole number from 0 to "
                                   f"{MAX_ID}, got {value}")
                continue
            missing = np.flatnonzero(~(np.abs(values) < limit))
            if len(missing):
                value = values[int(missing[0])]
                what = "missing" if np.isnan(value) else f"out of range ({value})"
                raise BadInput(f"application row {int(missing[0])}: required field {field} is {what}")
        # Integer fields hold whole numbers (the signature types them `any`: MLflow's `long` refused a missing value
        # and, served, cut 1.9 to 1); present values only, NaN is missing.
        for field in self.executor.spec.get("applicationIntegers", []):
            if field not in application.columns or field in self.required:
                continue
            values = parse_numbers(application[field], field, "application")
            bad = np.flatnonzero(~np.isnan(values) & (values != np.floor(values)))
            if len(bad):
                raise BadInput(f"application row {int(bad[0])}: {field} must be a whole number, "
                               f"got {values[int(bad[0])]}")

    def _answer(self, ids, matrix):
        probability = self.booster.predict(matrix)
        return pd.DataFrame({
            "SK_ID_CURR": ids.astype(np.int64),
            "probability": probability,
            "decision": np.where(probability >= self.threshold, "refused", "granted"),
            "threshold": self.threshold,
            "modelVersion": self.version,
        }, columns=OUTPUT_COLUMNS)


def _frame(data):
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    if isinstance(data, dict):
        return pd.DataFrame([data])
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return pd.DataFrame(data)
    raise BadInput(f"input must be a pandas DataFrame of applications (or a list of dicts), got {type(data).__name__}")


def _cell_rows(cell, table, r):
    """One history cell: a JSON array of row objects, a list of dicts, or empty (None / NaN / '')."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or (isinstance(cell, str) and cell.strip() == ""):
        return []
    if isinstance(cell, str):
        try:
            cell = json.loads(cell)
        except json.JSONDecodeError as error:
            raise BadInput(f"application row {r}: {table} is not valid JSON ({error.msg} at char {error.pos})") \
                from None
    if isinstance(cell, np.ndarray):
        cell = cell.tolist()
    if not isinstance(cell, list) or not all(isinstance(row, dict) for row in cell):
        raise BadInput(f"application row {r}: {table} must be an array of row objects")
    return cell


def _nested_histories(application, ids):
    """The history columns as one frame per table, each row tagged with its application row (the key)."""
    tables, slots = {}, {}
    for table in SIDE_TABLES:
        if table not in application.columns:
            continue
        rows, owners = [], []
        for r, cell in enumerate(application[table].tolist()):
            found = _cell_rows(cell, table, r)
            rows.extend(found)
            owners.extend([r] * len(found))
        frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
        owners = np.asarray(owners, dtype=np.int64)
        frame[APPLICANT] = owners
        if table != "bureau_balance" and ID in frame.columns:
            given = parse_numbers(frame[ID], ID, table)
            wrong = np.flatnonzero(~np.isnan(given) & (given != ids[owners]))
            if len(wrong):
                i = int(wrong[0])
                raise BadInput(f"application row {int(owners[i])}: a {table} row belongs to {ID} "
                               f"{given[i]:.0f}, not to the application's {ids[owners[i]]:.0f}")
        tables[table] = frame
        slots[table] = owners
    return tables, slots


def _credit_key(frame, table, credits=None):
    """Credits are per applicant in the nested layout: (applicant row, SK_ID_BUREAU); `credits` when parsed already."""
    if credits is None:
        credits = credit_ids(frame, "SK_ID_BUREAU", table)
    return frame[APPLICANT].to_numpy(dtype=np.float64) * 2.0 ** 32 + credits


def _check_credits(tables):
    """A bureau_balance row of no credit among the applicant's bureau rows counts nowhere: refused, as the API does."""
    child = tables.get("bureau_balance")
    if child is None or len(child) == 0:
        return
    parent = tables.get("bureau")
    known = _credit_key(parent, "bureau") if parent is not None and len(parent) else np.empty(0)
    credits = credit_ids(child, "SK_ID_BUREAU", "bureau_balance")
    orphans = np.flatnonzero(~np.isin(_credit_key(child, "bureau_balance", credits), known))
    if len(orphans):
        i = int(orphans[0])
        credit = credits[i]
        which = "no SK_ID_BUREAU" if np.isnan(credit) else \
            f"SK_ID_BUREAU {credit:.0f}, none of the applicant's bureau credits"
        raise BadInput(f"application row {int(child[APPLICANT].iloc[i])}: a bureau_balance row has {which}")


def _version(path):
    """registered_model.json's version (written at registration / export), else run-<first 8 chars of the run>."""
    try:
        registered = json.loads(_read(path, "registered_model.json"))
        if registered.get("version") is not None:
            return str(registered["version"])
    except (OSError, ValueError):
        pass
    try:
        found = re.search(rb"^run_id: *'?([0-9A-Za-z-]+)", _read(path, "MLmodel"), re.MULTILINE)
    except OSError:
        found = None
    return f"run-{found.group(1).decode()[:8] if found else 'unknown'}"


def _load_pyfunc(path):
    """MLflow's loader_module entry point: `path` is the model directory."""
    return CreditScoringModel(path)
