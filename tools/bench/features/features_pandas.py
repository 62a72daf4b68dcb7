"""pandas reference for the features benchmark: the same seven-table feature job as libs/features.

It does not re-type the feature list: it reads the declarative spec that libs/features exports (dumped to JSON by
run-features-bench.ts) and executes it with pandas, the way a Python Kaggle kernel would (groupby().agg()).
Usage: tools/pyref/.venv/bin/python tools/bench/features/features_pandas.py <data dir> <spec.json> [matrix.f64]
(the optional third argument saves the matrix as raw little-endian float64, row-major, for cross-checking ours)
Prints one JSON line: {"loadSeconds", "featureSeconds", "rows", "cols", "maxRssMb"}.
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

# Set from the spec by use_spec() (main() here, or a script that imports these functions, e.g. tools/bench/predict).
MAX = TEXT_SENTINELS = DAYS_SENTINEL = None


def use_spec(spec):
    global MAX, TEXT_SENTINELS, DAYS_SENTINEL
    MAX = spec["maxMagnitude"]
    TEXT_SENTINELS = spec["textSentinels"]
    DAYS_SENTINEL = spec["daysSentinel"]


def final(x):
    x = x.astype("float64")
    return x.where(x.abs() < MAX)


def ev(e, df):
    if "num" in e:
        return df[e["num"]]
    if "is" in e:
        return df[e["is"]].isin(e["values"]).astype("float64")
    if "lit" in e:
        return pd.Series(float(e["lit"]), index=df.index)
    if "op" in e:
        a, b = ev(e["a"], df), ev(e["b"], df)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[e["op"]]
    if "max0" in e:
        return ev(e["max0"], df).clip(lower=0)
    if "gt0" in e:
        a = ev(e["gt0"], df)
        return (a > 0).astype("float64").where(a.notna())
    if "rowStat" in e:
        block = df[e["of"]]
        stat = e["rowStat"]
        if stat == "count":
            return block.notna().sum(axis=1).astype("float64")
        if stat == "var":
            return block.var(axis=1, ddof=0)
        if stat == "sum":
            return block.sum(axis=1, min_count=1)
        return getattr(block, stat)(axis=1)
    raise ValueError(e)


def clean(df, numeric, text, days):
    out = {}
    for c in numeric:
        x = pd.to_numeric(df[c], errors="coerce").astype("float64")
        if c in days:
            x = x.mask(x == DAYS_SENTINEL)
        out[c] = final(x)
    for c in text:
        out[c] = df[c].mask(df[c].isin(TEXT_SENTINELS))
    return pd.DataFrame(out, index=df.index)


def aggregate(t, tables):
    df = tables[t["table"]]
    if t.get("child"):
        child = t["child"]
        per_parent = aggregate(child["spec"], tables).drop(columns=[child["spec"]["prefix"] + "_COUNT"])
        df = df.merge(per_parent, how="left", left_on=child["joinKey"], right_index=True)
        for name in child["zeroWhenEmpty"]:
            df[name] = df[name].fillna(0)
    cleaned = clean(df, t["inputs"]["numeric"], t["inputs"]["text"], set(t["daysSentinels"]))
    columns = {name: final(ev(e, cleaned)) for name, e in t["columns"].items()}
    columns[t["key"]] = df[t["key"]]
    for c in t["inputs"]["text"]:
        columns.setdefault(c, cleaned[c])
    rows = pd.DataFrame(columns, index=df.index)
    parts = []
    for g in t["groups"]:
        base = t["prefix"] + ("_" + g["name"] if g["name"] else "")
        sub = rows[rows[g["where"]["col"]].isin(g["where"]["in"])] if g.get("where") else rows
        grouped = sub.groupby(t["key"])
        agg = grouped.agg({c: list(a) for c, a in g["aggs"].items()})
        # like ours, the sum of no present values is missing (pandas' sum would give 0)
        summed = [c for c, a in g["aggs"].items() if "sum" in a]
        if summed:
            present = grouped[summed].count()
            for c in summed:
                agg[(c, "sum")] = agg[(c, "sum")].where(present[c] > 0)
        agg.columns = [f"{base}_{c}_{a.upper()}" for c, a in agg.columns]
        agg = pd.concat([grouped.size().astype("float64").rename(base + "_COUNT"), agg], axis=1)
        parts.append(agg)
    out = pd.concat(parts, axis=1)
    for name in t["zeroWhenEmpty"]:
        out[name] = out[name].fillna(0)
    return out[t["outputs"]]


def main():
    data_dir, spec_file = sys.argv[1], sys.argv[2]
    spec = json.load(open(spec_file))
    use_spec(spec)
    t0 = time.perf_counter()
    files = ["application_train", "bureau", "bureau_balance", "previous_application", "POS_CASH_balance",
             "installments_payments", "credit_card_balance"]
    tables = {f: pd.read_csv(f"{data_dir}/{f}.csv") for f in files}
    t1 = time.perf_counter()

    app = tables["application_train"]
    app_clean = clean(app, spec["applicationNumeric"], spec["applicationText"], set(spec["applicationDays"]))
    blocks = [app_clean[spec["applicationNumeric"]]]
    blocks.append(pd.DataFrame({n: final(ev(e, app_clean)) for n, e in spec["applicationDerived"].items()}, index=app.index))
    codes = {}
    for c in spec["applicationText"]:
        levels = sorted(app_clean[c].dropna().unique())
        codes[c] = pd.Categorical(app_clean[c], categories=levels).codes.astype("float64")
        codes[c][codes[c] < 0] = np.nan
    blocks.append(pd.DataFrame(codes, index=app.index))
    for t in spec["sideSpecs"]:
        agg = aggregate(t, tables)
        joined = app[["SK_ID_CURR"]].merge(agg, how="left", left_on="SK_ID_CURR", right_index=True).drop(columns=["SK_ID_CURR"])
        for name in t["zeroWhenEmpty"]:
            joined[name] = joined[name].fillna(0)
        blocks.append(joined.set_index(app.index))
    features = pd.concat(blocks, axis=1)
    matrix = np.ascontiguousarray(features.to_numpy(dtype="float64"))
    t2 = time.perf_counter()
    if len(sys.argv) > 3:
        matrix.astype("<f8").tofile(sys.argv[3])
    print(json.dumps({"loadSeconds": t1 - t0, "featureSeconds": t2 - t1, "rows": matrix.shape[0], "cols": matrix.shape[1],
                      "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
