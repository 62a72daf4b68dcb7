"""The feature spec of libs/features executed with numpy/pandas: raw Home Credit rows -> the model's feature matrix.

The spec is not re-typed here: it is the JSON that libs/features writes beside the model (feature_spec.json,
`featureSpecJson()`), and the fitted part is the model's feature_pipeline.json. The arithmetic is the TypeScript
paths', operation for operation, so the matrix is theirs bit for bit:

- cleaning: numbers as float64; DAYS 365243 -> missing where the spec says so; non-finite and |v| >= 2^45 -> missing;
  'XNA' / 'XAP' / '' text -> missing;
- formulas: + - * / and comparisons only (IEEE-exact in every engine), a formula's result cleaned like an input;
- aggregates per key in the order the rows are given: count, sum (np.bincount adds sequentially, like the TypeScript
  loop), min, max, mean = sum / count, two-pass sample variance; a key without values gets 0 for counts and NaN else.

Keys: an applicant's side-table rows are grouped by a dense key (`slots`), computed by the caller (by SK_ID_CURR for
whole tables, by application row for per-applicant histories); bureau_balance rows by credit.
"""
import math
import re

import numpy as np
import pandas as pd

SIDE_TABLES = ("bureau", "bureau_balance", "previous_application", "POS_CASH_balance", "installments_payments",
               "credit_card_balance")
ID = "SK_ID_CURR"


class FeatureInputError(ValueError):
    """Bad raw input (a field that is not a number, a malformed history): the message names the table and field."""


# ---------------------------------------------------------------------------------------------------------------
# Cleaning raw values
# ---------------------------------------------------------------------------------------------------------------

# Numeric text as a CSV writes it: sign, digits, decimals, exponent. Python's float() also takes '1_000', 'inf',
# 'nan' and 'infinity', which no Kaggle file holds and the TypeScript readers refuse.
NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _check_number_texts(items, field, where):
    """Raises on the first text that is neither blank nor a plain decimal number."""
    for v in items:
        if isinstance(v, str) and v.strip() != "" and not NUMBER_TEXT.fullmatch(v.strip()):
            raise FeatureInputError(f"{where}: field {field} is not a number: {v!r}")


def parse_numbers(values, field, where):
    """A raw numeric column as float64 (NaN = missing): numbers as they are, numeric text parsed, None/'' missing.

    Text is parsed by Python's float(), which rounds correctly like the TypeScript side's parsers; pandas' own text
    parsers (pd.to_numeric, read_csv without float_precision="round_trip") are off by one bit on ~40 % of long
    decimals, which would change the features' last bits.
    """
    if values is None:
        return None
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.dtype.kind in "fiu":
        return series.to_numpy(dtype=np.float64)
    if series.dtype.kind == "b":
        raise FeatureInputError(f"{where}: field {field} must be a number, got a boolean")
    items = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "floating", "integer", "mixed-integer-float",
                                                         "empty"):
        _check_number_texts(items, field, where)
        try:  # object -> float64 calls float() on each value: exact; '' or a bad value falls back to the loop
            candidates = items.copy()
            candidates[series.isna().to_numpy()] = np.nan
            return candidates.astype(np.float64)
        except (TypeError, ValueError):
            pass
    out = np.empty(len(items), dtype=np.float64)
    for i, v in enumerate(items):
        if v is None:
            out[i] = np.nan
        elif isinstance(v, str):
            text = v.strip()
            if text == "":
                out[i] = np.nan
                continue
            if not NUMBER_TEXT.fullmatch(text):
                raise FeatureInputError(f"{where}: field {field} is not a number: {v!r}")
            out[i] = float(text)
        elif isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)):
            out[i] = float(v)
        else:
            raise FeatureInputError(f"{where}: field {field} must be a number, got {type(v).__name__}")
    return out


def final(x, max_magnitude):
    """Non-finite and out-of-range values become missing (expr.ts finalValue)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(x) < max_magnitude, x, np.nan)


def normalise(x):
    """As the TypeScript paths write a feature: finite values as they are (-0 becomes +0), anything else NaN."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(x), x + 0.0, np.nan)


def clean_text(values, field, where, sentinels, n):
    """Raw text as an object array of str / None: None, NaN, '' and the sentinels are missing."""
    if values is None:
        return np.full(n, None, dtype=object)
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        # the usual case, vectorised: every present value is text
        series = series.astype(object)
        drop = series.isna() | series.isin(list(sentinels) + [""])
        return series.where(~drop, None).to_numpy(dtype=object)
    out = np.empty(n, dtype=object)
    for i, v in enumerate(values.tolist() if isinstance(values, pd.Series) else values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out[i] = None
        elif isinstance(v, str):
            out[i] = None if v == "" or v in sentinels else v
        elif isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
            text = _js_number_text(v)
            out[i] = None if text in sentinels else text
        else:
            raise FeatureInputError(f"{where}: field {field} must be text, got {type(v).__name__}")
    return out


def is_in(values, wanted):
    """values (object array of str / None) that are one of `wanted` (None never is)."""
    return pd.Series(values, dtype=object).isin(list(wanted)).to_numpy(dtype=bool)


def _js_number_text(v):
    """String(v) in JavaScript for the numbers a text field may hold (1.0 -> '1')."""
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e21 else repr(f)


# ---------------------------------------------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------------------------------------------

def evaluate(e, numeric, text, n):
    """A spec formula over cleaned inputs: numeric name -> float64 array, text name -> object array."""
    if "num" in e:
        v = numeric.get(e["num"])
        return np.full(n, np.nan) if v is None else v
    if "is" in e:
        v = text.get(e["is"])
        if v is None:
            return np.zeros(n)
        return is_in(v, e["values"]).astype(np.float64)
    if "lit" in e:
        return np.full(n, float(e["lit"]))
    if "op" in e:
        a, b = evaluate(e["a"], numeric, text, n), evaluate(e["b"], numeric, text, n)
        with np.errstate(all="ignore"):
            return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[e["op"]](a, b)
    if "max0" in e:
        a = evaluate(e["max0"], numeric, text, n)
        return np.where(np.isnan(a), np.nan, np.where(a > 0, a, 0.0))
    if "gt0" in e:
        a = evaluate(e["gt0"], numeric, text, n)
        return np.where(np.isnan(a), np.nan, np.where(a > 0, 1.0, 0.0))
    if "rowStat" in e:
        return row_stat(e["rowStat"], [numeric.get(c, np.full(n, np.nan)) for c in e["of"]], n)
    raise ValueError(f"unknown feature expression {e!r}")


def row_stat(stat, columns, n):
    """A statistic across columns per row, skipping missing values, adding left to right (expr.ts rowStatLoop)."""
    count = np.zeros(n)
    total = np.zeros(n)
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    for c in columns:
        present = ~np.isnan(c)
        count += present
        total = total + np.where(present, c, 0.0)
        lo = np.where(present & (c < lo), c, lo)
        hi = np.where(present & (c > hi), c, hi)
    if stat == "count":
        return count
    with np.errstate(all="ignore"):
        if stat == "min":
            out = lo
        elif stat == "max":
            out = hi
        elif stat == "sum":
            out = total
        else:
            mean = total / count
            if stat == "mean":
                out = mean
            else:
                squares = np.zeros(n)
                for c in columns:
                    squares = squares + np.where(np.isnan(c), 0.0, (c - mean) * (c - mean))
                out = squares / count
    return np.where(count == 0, np.nan, out)


# ---------------------------------------------------------------------------------------------------------------
# Keys and aggregation
# ---------------------------------------------------------------------------------------------------------------

def key_slots(owner_ids):
    """Dense slots for owner ids (same id, same slot; a missing id owns nothing) and a lookup for other ids."""
    owner_ids = np.asarray(owner_ids, dtype=np.float64)
    present = ~np.isnan(owner_ids)
    codes, uniques = pd.factorize(owner_ids[present], sort=False)
    slots = np.full(len(owner_ids), -1, dtype=np.int64)
    slots[present] = codes
    index = pd.Index(uniques)

    def slot_of(ids):
        ids = np.asarray(ids, dtype=np.float64)
        found = index.get_indexer(ids)
        found[np.isnan(ids)] = -1
        return found.astype(np.int64)

    return slots, len(uniques), slot_of


def outputs_of(spec):
    """aggregateOutputs of feature-spec.ts: per group, its row count, then column x aggregation."""
    out = []
    for g in spec["groups"]:
        base = spec["prefix"] + ("_" + g["name"] if g["name"] else "")
        out.append({"name": base + "_COUNT", "kind": "rows", "group": g, "zero": True})
        for col, aggs in g["aggs"].items():
            for agg in aggs:
                out.append({"name": f"{base}_{col}_{agg.upper()}", "kind": "agg", "group": g, "col": col,
                            "agg": agg, "zero": agg == "count"})
    return out


def _stats(values, slots, keep, n_keys, wanted):
    """count/sum/min/max/mean/var of the present values per key, in row order (aggregate.ts columnStats)."""
    use = keep & ~np.isnan(values)
    s, v = slots[use], values[use]
    count = np.bincount(s, minlength=n_keys).astype(np.float64)
    total = np.bincount(s, weights=v, minlength=n_keys)
    has = count > 0
    out = {}
    with np.errstate(all="ignore"):
        mean = total / count
        for agg in wanted:
            if agg == "count":
                out[agg] = count
            elif agg == "sum":
                out[agg] = np.where(has, total, np.nan)
            elif agg == "mean":
                out[agg] = mean
            elif agg == "min":
                lo = np.full(n_keys, np.inf)
                np.minimum.at(lo, s, v)
                out[agg] = np.where(has, lo, np.nan)
            elif agg == "max":
                hi = np.full(n_keys, -np.inf)
                np.maximum.at(hi, s, v)
                out[agg] = np.where(has, hi, np.nan)
            elif agg == "var":
                d = v - mean[s]
                squares = np.bincount(s, weights=d * d, minlength=n_keys)
                out[agg] = np.where(count > 1, squares / (count - 1), np.nan)
            else:
                raise ValueError(f"unknown aggregation {agg}")
    return out


class FeatureExecutor:
    """The feature spec (feature_spec.json) with a fitted state (feature_pipeline.json) applied to raw pandas rows."""

    def __init__(self, spec, state):
        if not isinstance(state, dict) or state.get("kind") != "credit-scoring/feature-pipeline":
            raise ValueError("feature_pipeline.json is not a credit-scoring feature pipeline state")
        if state.get("version") != 1 or spec.get("version") != 1:
            raise ValueError("feature spec / pipeline state version is not 1: this executor reads version 1")
        self.spec = spec
        self.state = state
        self.max = float(spec["maxMagnitude"])
        self.sentinels = set(spec["textSentinels"])
        self.days = float(spec["daysSentinel"])
        self.numeric = [f["name"] for f in state["applicationNumeric"]]
        self.text = list(state["applicationText"])
        self.levels = {c: {v: i for i, v in enumerate(state["categoryLevels"][c])} for c in self.text}
        self.side = [t for t in spec["sideSpecs"] if t["table"] in state["options"]["sideTables"]]
        self.onehot = state["options"]["categorical"] == "onehot"
        n_features = len(self.numeric) + len(spec["applicationDerived"])
        n_features += sum(len(self.levels[c]) for c in self.text) if self.onehot else len(self.text)
        n_features += sum(len(outputs_of(t)) for t in self.side)
        if n_features != len(state["featureNames"]):
            raise ValueError(f"the feature spec gives {n_features} features, the pipeline state lists "
                             f"{len(state['featureNames'])}: they were not written together")

    @property
    def feature_names(self):
        return list(self.state["featureNames"])

    def matrix(self, application, tables, slots, n_keys, app_keys=None, credit_key=None):
        """The feature matrix (rows = application rows) of raw application rows and raw side tables.

        tables: {table name: DataFrame} (absent = nobody has rows of it); slots: {table name: int array of each
        row's applicant key, -1 = skip}, n_keys keys, where application row r has key r (per-applicant histories)
        or app_keys[r] (whole tables keyed by SK_ID_CURR). credit_key(frame, table name) -> float64 ids of the
        credits of bureau / bureau_balance rows, by default their SK_ID_BUREAU.
        """
        n = len(application)
        columns = self._application(application, n)
        for t in self.side:
            outputs = outputs_of(t)
            frame = tables.get(t["table"])
            if frame is None:
                columns.extend(np.full(n, 0.0 if o["zero"] else np.nan) for o in outputs)
                continue
            per_key = self._aggregate(t, frame, slots[t["table"]], n_keys, tables, credit_key)
            for o, values in zip(outputs, per_key):
                columns.append(values if app_keys is None else _gather(values, app_keys, o["zero"]))
        m = np.column_stack(columns) if columns else np.empty((n, 0))
        return np.ascontiguousarray(m, dtype=np.float64)

    def _application(self, app, n):
        where = "application"
        cleaned = {}
        out = []
        for name in self.numeric:
            x = parse_numbers(app[name] if name in app.columns else None, name, where)
            x = np.full(n, np.nan) if x is None else x
            if name in self.spec["applicationDays"]:
                x = np.where(x == self.days, np.nan, x)
            cleaned[name] = final(x, self.max)
            out.append(normalise(cleaned[name]))
        for e in self.spec["applicationDerived"].values():
            out.append(normalise(final(evaluate(e, cleaned, {}, n), self.max)))
        for c in self.text:
            values = clean_text(app[c] if c in app.columns else None, c, where, self.sentinels, n)
            index = self.levels[c]
            codes = np.array([np.nan if v is None else index.get(v, np.nan) for v in values], dtype=np.float64)
            if self.onehot:
                out.extend((codes == j).astype(np.float64) for j in range(len(index)))
            else:
                out.append(codes)
        return out

    def _inputs(self, t, frame, joined):
        """The cleaned inputs of a table's rows: numeric float64 arrays and text object arrays."""
        n = len(frame)
        numeric, text = {}, {}
        days = set(t["daysSentinels"])
        for name in t["inputs"]["numeric"]:
            if name in joined:
                numeric[name] = final(joined[name], self.max)
                continue
            x = parse_numbers(frame[name] if name in frame.columns else None, name, t["table"])
            x = np.full(n, np.nan) if x is None else x
            if name in days:
                x = np.where(x == self.days, np.nan, x)
            numeric[name] = final(x, self.max)
        for name in t["inputs"]["text"]:
            text[name] = clean_text(frame[name] if name in frame.columns else None, name, t["table"],
                                    self.sentinels, n)
        return numeric, text

    def _aggregate(self, t, frame, slots, n_keys, tables, credit_key):
        joined = {}
        if t.get("child"):
            joined = self._child(t, frame, tables, credit_key)
        numeric, text = self._inputs(t, frame, joined)
        n = len(frame)
        slots = np.asarray(slots, dtype=np.int64)
        keyed = slots >= 0
        masks = {}
        for g in t["groups"]:
            if g.get("where"):
                values = text.get(g["where"]["col"])
                masks[id(g)] = keyed & is_in(values, g["where"]["in"])
            else:
                masks[id(g)] = keyed
        cache = {}
        result = []
        for o in outputs_of(t):
            keep = masks[id(o["group"])]
            if o["kind"] == "rows":
                result.append(np.bincount(slots[keep], minlength=n_keys).astype(np.float64))
                continue
            col = o["col"]
            if col not in cache:
                e = t["columns"][col]
                values = numeric[e["num"]] if "num" in e else final(evaluate(e, numeric, text, n), self.max)
                cache[col] = values
            key = (col, id(o["group"]))
            if key not in cache:
                wanted = [a for a in o["group"]["aggs"][col]]
                cache[key] = _stats(cache[col], slots, keep, n_keys, wanted)
            result.append(cache[key][o["agg"]])
        return [normalise(r) for r in result]

    def _child(self, t, frame, tables, credit_key):
        """The child table's per-credit summaries as inputs of the parent rows (bureau_balance on bureau)."""
        child = t["child"]
        spec = child["spec"]
        outputs = [o for o in outputs_of(spec) if o["kind"] != "rows"]
        child_frame = tables.get(spec["table"])
        used = spec["table"] in self.state["options"]["sideTables"] and child_frame is not None
        n = len(frame)
        if not used:
            return {o["name"]: np.full(n, 0.0 if o["zero"] else np.nan) for o in outputs}
        key_of = credit_key or (lambda f, which: credit_ids(f, child["joinKey"], which))
        owner_slots, n_credits, slot_of = key_slots(key_of(frame, t["table"]))
        child_slots = slot_of(key_of(child_frame, spec["table"]))
        per_credit = self._aggregate_raw(spec, child_frame, child_slots, n_credits)
        by_name = {o["name"]: v for o, v in zip(outputs_of(spec), per_credit)}
        return {o["name"]: _gather(by_name[o["name"]], owner_slots, o["zero"]) for o in outputs}

    def _aggregate_raw(self, spec, frame, slots, n_keys):
        # a child table has no child of its own; its aggregates are gathered before normalising, as the TS paths do
        return self._aggregate(spec, frame, slots, n_keys, {}, None)


def credit_ids(frame, column, table):
    """A frame's credit ids (`column`, e.g. SK_ID_BUREAU) as float64; NaN for every row when the column is absent."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return parse_numbers(frame[column], column, table)


def _gather(values, slots, zero):
    out = np.where(slots >= 0, values[np.clip(slots, 0, None)] if len(values) else np.nan, 0.0 if zero else np.nan)
    return out.astype(np.float64)
