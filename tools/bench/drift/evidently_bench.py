"""Evidently side of tools/bench/drift/bench.ts: reads the generated columns and times DataDriftPreset.
Prints one JSON line: {"seconds": [...], "cpu": [...], "drifted": n, "scores": {column: score}}."""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def load(path, rows, meta):
    raw = open(path, 'rb').read()
    cols, offset = {}, 0
    for c in range(meta['numeric']):
        cols[f'num_{c}'] = np.frombuffer(raw, dtype=np.float64, count=rows, offset=offset)
        offset += 8 * rows
    for c in range(meta['categorical']):
        codes = np.frombuffer(raw, dtype=np.int32, count=rows, offset=offset)
        offset += 4 * rows
        labels = np.array([f'L{k}' for k in range(meta['levels'][f'cat_{c}'])], dtype=object)
        values = labels[np.clip(codes, 0, None)]
        values[codes < 0] = None
        cols[f'cat_{c}'] = values
    return pd.DataFrame(cols)


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, 'meta.json')))
    ref = load(os.path.join(d, 'reference.bin'), meta['referenceRows'], meta)
    cur = load(os.path.join(d, 'current.bin'), meta['currentRows'], meta)
    definition = DataDefinition(numerical_columns=[f'num_{c}' for c in range(meta['numeric'])],
                                categorical_columns=[f'cat_{c}' for c in range(meta['categorical'])])
    seconds, cpu, result = [], [], None
    for _ in range(meta['repeats']):
        t, c = time.perf_counter(), time.process_time()
        snap = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=definition),
                                                Dataset.from_pandas(ref, data_definition=definition))
        seconds.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        result = snap.dict()
    scores, drifted = {}, None
    for m in result['metrics']:
        if m['config']['type'].endswith('ValueDrift'):
            scores[m['config']['column']] = float(m['value'])
        elif m['config']['type'].endswith('DriftedColumnsCount'):
            drifted = m['value']['count']
    print(json.dumps({'seconds': seconds, 'cpu': cpu, 'drifted': drifted, 'scores': scores}))


if __name__ == '__main__':
    main()
