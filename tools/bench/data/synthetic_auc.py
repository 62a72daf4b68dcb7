"""Does the synthetic data carry a Kaggle-like default signal? 5-fold CV ROC AUC of LightGBM on generated files.

Reference-stack check (Python LightGBM from tools/pyref/.venv, dev-only; our own binding is measured by the trainer).
Usage:
  npx tsx tools/data/generate.ts --rows 50000 --seed 1 --out tmp/synth50k
  tools/pyref/.venv/bin/python tools/bench/data/synthetic_auc.py tmp/synth50k
Writes the 'generator-signal' section of docs/benchmarks.md.
"""
import json
import os
import subprocess
import sys
from datetime import date

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
PARAMS = dict(objective='binary', learning_rate=0.05, num_leaves=31, min_child_samples=50, feature_fraction=0.8,
              verbose=-1, seed=0, num_threads=2)


def application_features(d):
    a = pd.read_csv(f'{d}/application_train.csv')
    y = a.pop('TARGET')
    for c in a.columns:
        if a[c].dtype == object:
            a[c] = a[c].astype('category')
    a['CREDIT_INCOME'] = a.AMT_CREDIT / a.AMT_INCOME_TOTAL
    a['ANNUITY_INCOME'] = a.AMT_ANNUITY / a.AMT_INCOME_TOTAL
    a['CREDIT_GOODS'] = a.AMT_CREDIT / a.AMT_GOODS_PRICE
    return a, y


def history_features(d):
    """A few simple per-applicant aggregates of each side table."""
    b = pd.read_csv(f'{d}/bureau.csv')
    bb = pd.read_csv(f'{d}/bureau_balance.csv')
    bb['late'] = bb.STATUS.isin(list('12345'))
    b = b.merge(bb.groupby('SK_ID_BUREAU').late.mean().rename('bb_late'), left_on='SK_ID_BUREAU', right_index=True,
                how='left')
    bureau = b.groupby('SK_ID_CURR').agg(bureau_n=('SK_ID_BUREAU', 'size'),
                                         bureau_max_overdue=('AMT_CREDIT_MAX_OVERDUE', 'mean'),
                                         bureau_day_overdue=('CREDIT_DAY_OVERDUE', 'mean'),
                                         bureau_balance_late=('bb_late', 'mean'),
                                         bureau_debt=('AMT_CREDIT_SUM_DEBT', 'sum'))
    p = pd.read_csv(f'{d}/previous_application.csv')
    p['refused'] = p.NAME_CONTRACT_STATUS == 'Refused'
    prev = p.groupby('SK_ID_CURR').agg(prev_n=('SK_ID_PREV', 'size'), prev_refused=('refused', 'mean'))
    i = pd.read_csv(f'{d}/installments_payments.csv')
    i['days_late'] = (i.DAYS_ENTRY_PAYMENT - i.DAYS_INSTALMENT).clip(lower=0)
    i['is_late'] = i.days_late > 0
    i['short'] = i.AMT_INSTALMENT - i.AMT_PAYMENT
    inst = i.groupby('SK_ID_CURR').agg(inst_days_late=('days_late', 'mean'), inst_late_share=('is_late', 'mean'),
                                       inst_short=('short', 'mean'))
    pos = pd.read_csv(f'{d}/POS_CASH_balance.csv').groupby('SK_ID_CURR').agg(pos_dpd=('SK_DPD', 'mean'))
    cc = pd.read_csv(f'{d}/credit_card_balance.csv')
    cc['usage'] = cc.AMT_BALANCE / cc.AMT_CREDIT_LIMIT_ACTUAL.replace(0, np.nan)
    card = cc.groupby('SK_ID_CURR').agg(card_usage=('usage', 'mean'), card_dpd=('SK_DPD', 'mean'))
    return [bureau, prev, inst, pos, card]


def cv_auc(X, y):
    oof = np.zeros(len(y))
    for train, valid in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        model = lgb.train(PARAMS, lgb.Dataset(X.iloc[train], y.iloc[train]), 2000,
                          valid_sets=[lgb.Dataset(X.iloc[valid], y.iloc[valid])],
                          callbacks=[lgb.early_stopping(50, verbose=False)])
        oof[valid] = model.predict(X.iloc[valid], num_iteration=model.best_iteration)
    return roc_auc_score(y, oof)


def main():
    d = sys.argv[1]
    app, y = application_features(d)
    full = app.set_index('SK_ID_CURR').join(history_features(d)).reset_index(drop=True)
    app_only = app.drop(columns=['SK_ID_CURR'])
    auc_app = cv_auc(app_only, y)
    auc_all = cv_auc(full, y)
    section = f"""## generator-signal

Planted default signal of the synthetic data, checked with the reference stack: 5-fold stratified CV ROC AUC of
Python LightGBM {lgb.__version__} (learning_rate 0.05, 31 leaves, early stopping 50) on `{os.path.relpath(d, ROOT)}`
({len(y):,} labelled applicants, default rate {y.mean():.2%}). {date.today().isoformat()}.
Command: `tools/pyref/.venv/bin/python tools/bench/data/synthetic_auc.py {os.path.relpath(d, ROOT)}`

| features | ROC AUC | Kaggle anchor (full data) |
|---|---|---|
| application_train columns + 3 ratios ({app_only.shape[1]} features) | {auc_app:.4f} | ~0.75-0.77 |
| + simple side-table aggregates ({full.shape[1]} features) | {auc_all:.4f} | ~0.79 |
"""
    print(section)
    subprocess.run(['node', '-e', "require(process.argv[1]).writeSection('generator-signal', process.argv[2])",
                    os.path.join(ROOT, 'tools', 'bench', 'write-section.js'), section], check=True)


if __name__ == '__main__':
    main()
