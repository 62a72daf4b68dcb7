"""Scores raw Kaggle rows with the registered model's pyfunc, for the tests that compare it with the scoring API.

    python tools/pyfunc/check_pyfunc.py --model-uri models:/NAME@champion --application FILE --data-dir DIR \
        --ids ids.json --out result.json [--no-history] [--serve http://127.0.0.1:PORT] [--bad-input]

Loads the model with mlflow.pyfunc.load_model (or, with --serve, POSTs to a running `mlflow models serve`'s
/invocations) and scores the applications whose SK_ID_CURR are listed in ids.json, in that order, with their
histories nested as JSON columns (tools/pyfunc/kaggle_rows.py), unless --no-history. In-process it also scores the
same rows through predict_tables (the Kaggle layout, no JSON). --bad-input sends malformed inputs instead and writes
the error each one gets. Writes JSON: {predictions: [...], viaTables: [...]} or {errors: {case: message}}.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kaggle_rows import nest_histories, read_kaggle  # noqa: E402


def post(url, frame):
    # not frame.to_json: it rounds to 15 digits
    split = {"columns": list(frame.columns), "data": [list(map(_native, r)) for r in frame.itertuples(index=False)]}
    # NaN is None already (_native); an infinite value goes as the Infinity literal that MLflow's server reads
    body = json.dumps({"dataframe_split": split})
    request = urllib.request.Request(f"{url}/invocations", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _native(v):
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def bad_inputs(application):
    """Malformed variants of one good row, by name."""
    good = application.iloc[[0]].reset_index(drop=True)
    cases = {}
    cases["missing AMT_CREDIT"] = good.drop(columns=["AMT_CREDIT"])
    empty = good.copy()
    empty["AMT_INCOME_TOTAL"] = float("nan")
    cases["empty AMT_INCOME_TOTAL"] = empty
    bad_json = good.copy()
    bad_json["bureau"] = '[{"SK_ID_CURR": 1, '
    cases["bureau not JSON"] = bad_json
    not_number = good.copy()
    not_number["previous_application"] = json.dumps([{"SK_ID_CURR": int(good.at[0, "SK_ID_CURR"]),
                                                      "AMT_CREDIT": "lots"}])
    cases["previous_application.AMT_CREDIT not a number"] = not_number
    # float() reads '-1_000' as -1000 and 'inf' as infinity; a CSV holds neither
    underscores = good.copy()
    underscores["previous_application"] = json.dumps([{"SK_ID_CURR": int(good.at[0, "SK_ID_CURR"]),
                                                       "AMT_CREDIT": "-1_000"}])
    cases["previous_application.AMT_CREDIT with underscores"] = underscores
    other = good.copy()
    other["bureau"] = json.dumps([{"SK_ID_CURR": int(good.at[0, "SK_ID_CURR"]) + 1, "SK_ID_BUREAU": 1}])
    cases["bureau row of another applicant"] = other
    orphan = good.copy()
    orphan["bureau"] = json.dumps([{"SK_ID_CURR": int(good.at[0, "SK_ID_CURR"]), "SK_ID_BUREAU": 10}])
    orphan["bureau_balance"] = json.dumps([{"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -1, "STATUS": "C"}])
    cases["bureau_balance row of no bureau credit"] = orphan
    text = good.copy()
    text["AMT_ANNUITY"] = "a lot"
    cases["AMT_ANNUITY text"] = text
    infinite = good.copy()
    infinite["AMT_CREDIT"] = float("inf")
    cases["infinite AMT_CREDIT"] = infinite
    huge_id = pd.concat([good, good], ignore_index=True)
    huge_id["SK_ID_CURR"] = [2 ** 62, 2 ** 62 + 1]
    cases["SK_ID_CURR beyond 32 bits"] = huge_id
    fraction = good.copy()
    fraction["CNT_CHILDREN"] = 1.5
    cases["CNT_CHILDREN not whole"] = fraction
    # Not errors ("ok: "): frames pandas makes of ordinary files, which MLflow's typed signature refused.
    missing_int = good.copy()
    missing_int["CNT_CHILDREN"] = float("nan")
    cases["ok: CNT_CHILDREN missing"] = missing_int
    empty_text = pd.concat([good, good], ignore_index=True)
    empty_text["SK_ID_CURR"] = [int(good.at[0, "SK_ID_CURR"]), int(good.at[0, "SK_ID_CURR"]) + 1]
    for column in ("bureau", "bureau_balance", "previous_application", "POS_CASH_balance", "installments_payments",
                   "credit_card_balance"):
        if column in empty_text.columns:
            empty_text = empty_text.drop(columns=[column])
    empty_text["OCCUPATION_TYPE"] = float("nan")
    cases["ok: OCCUPATION_TYPE empty in every row"] = empty_text
    whole_amounts = good.copy()
    whole_amounts["AMT_CREDIT"] = int(good.at[0, "AMT_CREDIT"])
    cases["ok: AMT_CREDIT as int64"] = whole_amounts
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model-uri", required=True)
    ap.add_argument("--application", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-history", action="store_true")
    ap.add_argument("--serve")
    ap.add_argument("--bad-input", action="store_true")
    args = ap.parse_args()
    ids = json.load(open(args.ids))
    application, tables = read_kaggle(args.data_dir, args.application, ids, history=not args.no_history)
    nested = nest_histories(application, tables)
    model = None
    if not args.serve:
        import mlflow.pyfunc

        model = mlflow.pyfunc.load_model(args.model_uri)

    if args.bad_input:
        errors = {}
        for case, frame in bad_inputs(nested).items():
            if args.serve:
                status, answer = post(args.serve, frame)
                errors[case] = {"status": status, "message": answer.get("message", json.dumps(answer))}
            else:
                try:
                    model.predict(frame)
                    errors[case] = {"status": 200, "message": "no error"}
                except Exception as error:  # noqa: BLE001 - the message is what is checked
                    errors[case] = {"status": type(error).__name__, "message": str(error)}
        json.dump({"errors": errors}, open(args.out, "w"))
        return

    result = {}
    if args.serve:
        status, answer = post(args.serve, nested)
        if status != 200:
            sys.exit(f"/invocations answered {status}: {answer}")
        result["predictions"] = answer["predictions"]
    else:
        result["predictions"] = model.predict(nested).to_dict(orient="records")
        raw = model.get_raw_model()
        result["viaTables"] = raw.predict_tables(application, tables).to_dict(orient="records")
    json.dump(result, open(args.out, "w"))


if __name__ == "__main__":
    main()
