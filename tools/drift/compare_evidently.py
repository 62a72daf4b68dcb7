"""Runs Evidently's DataDriftPreset (new API, evidently==0.7.23 from tools/drift/requirements.txt) on the real
Home Credit sample and writes its per-column verdicts and scores as golden JSON for libs/drift.

    bash tools/drift/setup.sh
    tools/drift/.venv/bin/python tools/drift/compare_evidently.py   # → libs/drift/test-fixtures/evidently-golden.json
    npx tsx tools/drift/compare.ts                                    # ours vs the golden file, table for the docs

Scenarios (reference → current), all with one explicit column mapping:
  full            application_train (14,368 rows) → application_test (7,090)       Wasserstein / Jensen-Shannon
  full-shifted    application_train → shifted application_test                       Wasserstein / Jensen-Shannon
  psi-shifted     application_train → shifted application_test, method="psi"        PSI
  full-shifted-share-0.1   as full-shifted with drift_share=0.1 (dataset-level verdict flips)
  small           first 800 train rows → application_test                            K-S exact / chi-square / Z
  small-shifted   first 800 train rows → shifted application_test                    K-S exact / chi-square / Z
  small-vs-large  first 800 train rows → train rows 800.. (13,568 > 10,000)          K-S asymptotic (kstwo)
The shift (apply_shift below) is index-based and uses only exact IEEE operations, so libs/drift reproduces it
bit for bit (tools/drift/scenarios.ts).
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import scipy
import evidently
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.path.join(ROOT, '..', 'shared', 'data', 'home-credit')
OUT = os.path.join(ROOT, 'libs', 'drift', 'test-fixtures', 'evidently-golden.json')
EXCLUDED = ['SK_ID_CURR', 'TARGET']  # id and label: not features
INTEGER_CARDINALITY_LIMIT = 10  # evidently.core.datasets: int columns with ≤ 10 values are categorical
SMALL_REFERENCE_ROWS = 800


def read(name):
    # round_trip: Python's correctly rounded float parser, the same doubles as polars reads.
    return pd.read_csv(os.path.join(DATA, name), float_precision='round_trip')


def column_mapping(train):
    """Evidently's infer_column_type rule applied once, on the full reference, and then fixed."""
    mapping = {}
    for col in train.columns:
        if col in EXCLUDED:
            continue
        s = train[col]
        if s.dtype == object:
            mapping[col] = 'cat'
        elif s.dtype.kind == 'i' and s.nunique() <= INTEGER_CARDINALITY_LIMIT:
            mapping[col] = 'cat'
        else:
            mapping[col] = 'num'
    return mapping


def apply_shift(df):
    """A deliberate drift: scaled incomes, shifted EXT_SOURCE, older applicants, category mix changes,
    an unseen occupation and extra missing values. Row i is the i-th row of the file."""
    out = df.copy()
    i = np.arange(len(out))
    out['AMT_INCOME_TOTAL'] = out['AMT_INCOME_TOTAL'] * 1.5
    out['EXT_SOURCE_2'] = out['EXT_SOURCE_2'] + 0.1
    out['EXT_SOURCE_3'] = out['EXT_SOURCE_3'] * 0.8
    out['DAYS_BIRTH'] = out['DAYS_BIRTH'] - 1825
    out.loc[i % 4 == 0, 'NAME_CONTRACT_TYPE'] = 'Revolving loans'
    out.loc[i % 5 == 0, 'NAME_EDUCATION_TYPE'] = 'Academic degree'
    out.loc[i % 3 == 0, 'FLAG_OWN_CAR'] = 'Y'
    out.loc[i % 10 == 0, 'OCCUPATION_TYPE'] = 'Data scientists'
    out.loc[i % 2 == 0, 'EXT_SOURCE_1'] = np.nan
    return out


def run(name, reference, current, mapping, method=None, drift_share=0.5):
    # Evidently refuses a column that is empty after dropping NaN/±inf; leave such columns out and say so.
    def usable(col):
        return all(pd.Series(d[col]).replace([np.inf, -np.inf], np.nan).notna().any() for d in (reference, current))
    cols = {c: t for c, t in mapping.items() if usable(c)}
    skipped = [c for c in mapping if c not in cols]
    definition = DataDefinition(
        numerical_columns=[c for c, t in cols.items() if t == 'num'],
        categorical_columns=[c for c, t in cols.items() if t == 'cat'],
    )
    preset = DataDriftPreset(method=method, drift_share=drift_share) if method else DataDriftPreset(drift_share=drift_share)
    snapshot = Report([preset], include_tests=True).run(
        Dataset.from_pandas(current[list(cols)], data_definition=definition),
        Dataset.from_pandas(reference[list(cols)], data_definition=definition),
    )
    result = snapshot.dict()
    status = {t['metric_config']['metric_id']: t['status'] for t in result['tests'] if t['id'] == 'drift'}
    columns, dataset = [], None
    for m in result['metrics']:
        cfg = m['config']
        if cfg['type'].endswith('DriftedColumnsCount'):
            dataset = {'drift_share': cfg['drift_share'], 'number_of_drifted_columns': m['value']['count'],
                       'share_of_drifted_columns': m['value']['share']}
        elif cfg['type'].endswith('ValueDrift'):
            columns.append({'column_name': cfg['column'], 'column_type': cols[cfg['column']],
                            'stattest_name': cfg['method'], 'stattest_threshold': cfg['threshold'],
                            'drift_score': float(m['value']), 'drift_detected': status[m['id']] == 'FAIL'})
    dataset['number_of_columns'] = len(columns)
    # Evidently's own dataset verdict: its "share of drifted columns less than drift_share" test fails.
    share_tests = [t for t in result['tests'] if t['metric_config']['params']['type'].endswith('DriftedColumnsCount')]
    dataset['dataset_drift'] = share_tests[0]['status'] == 'FAIL'
    print(f"{name:15s} {len(reference):6d} → {len(current):6d} rows  {dataset['number_of_drifted_columns']:.0f}/"
          f"{len(columns)} drifted  dataset_drift={dataset['dataset_drift']}", file=sys.stderr)
    return {'name': name, 'method': method, 'drift_share': drift_share, 'reference_rows': len(reference), 'current_rows': len(current),
            'skipped_empty_columns': skipped, 'dataset': dataset, 'columns': columns}


def main():
    train = read('application_train.csv')
    test = read('application_test.csv')
    mapping = column_mapping(train)
    shifted = apply_shift(test)
    small = train.iloc[:SMALL_REFERENCE_ROWS]
    rest = train.iloc[SMALL_REFERENCE_ROWS:]
    scenarios = [
        run('full', train, test, mapping),
        run('full-shifted', train, shifted, mapping),
        run('psi-shifted', train, shifted, mapping, method='psi'),
        run('full-shifted-share-0.1', train, shifted, mapping, drift_share=0.1),
        run('small', small, test, mapping),
        run('small-shifted', small, shifted, mapping),
        run('small-vs-large', small, rest, mapping),
    ]
    golden = {
        'generated_by': 'tools/drift/compare_evidently.py',
        'evidently_version': evidently.__version__, 'scipy_version': scipy.__version__,
        'numpy_version': np.__version__, 'pandas_version': pd.__version__,
        'data': 'shared/data/home-credit application_train.csv / application_test.csv',
        'column_mapping': mapping, 'scenarios': scenarios,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(golden, f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT, ROOT)}', file=sys.stderr)


if __name__ == '__main__':
    main()
