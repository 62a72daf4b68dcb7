"""Golden metric values for libs/decision/src/metrics.spec.ts.

Run: tools/pyref/.venv/bin/python tools/pyref/metrics_golden.py
Prints sklearn's values for the small hand-written case (scores rounded to one decimal so that many scores tie,
which exercises sklearn's tie handling). The numbers are pasted into the spec next to the same arrays.
"""
import json

from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, f1_score,
                             precision_score, recall_score, roc_auc_score, roc_curve)

Y_TRUE = [0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0]
SCORES = [0.1, 0.9, 0.3, 0.3, 0.7, 0.3, 0.2, 0.9, 0.5, 0.1, 0.5, 0.7, 0.1, 0.6, 0.2, 0.3, 0.9, 0.4, 0.0, 0.8, 0.5,
          0.5, 0.2, 0.1, 0.6]
THRESHOLD = 0.5

y_pred = [1 if s >= THRESHOLD else 0 for s in SCORES]
tn, fp, fn, tp = confusion_matrix(Y_TRUE, y_pred).ravel()
fpr, tpr, thr = roc_curve(Y_TRUE, SCORES, drop_intermediate=False)
print(json.dumps({
    "rocAuc": roc_auc_score(Y_TRUE, SCORES),
    "prAuc": average_precision_score(Y_TRUE, SCORES),
    "accuracy": accuracy_score(Y_TRUE, y_pred),
    "precision": precision_score(Y_TRUE, y_pred),
    "recall": recall_score(Y_TRUE, y_pred),
    "f1": f1_score(Y_TRUE, y_pred),
    "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
    "rocCurve": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()[1:]},
}, indent=1))

# A second, larger case written to a fixture: 3000 draws with scores on a 1e-3 grid (so ties happen inside a
# realistic, imbalanced score distribution), labels ~ Bernoulli(score) — like a model's out-of-fold output.
import os

import numpy as np

rng = np.random.default_rng(20260101)
scores = np.round(rng.beta(1.2, 9.0, size=3000), 3)
labels = (rng.random(3000) < scores).astype(int)
decisions = (scores >= 0.12).astype(int)
out = os.path.join(os.path.dirname(__file__), "..", "..", "libs", "decision", "test-fixtures", "metrics_golden.json")
with open(out, "w") as f:
    json.dump({
        "source": "tools/pyref/metrics_golden.py (numpy default_rng(20260101), sklearn " + __import__("sklearn").__version__ + ")",
        "yTrue": labels.tolist(), "scores": scores.tolist(), "threshold": 0.12,
        "rocAuc": roc_auc_score(labels, scores), "prAuc": average_precision_score(labels, scores),
        "accuracy": accuracy_score(labels, decisions), "precision": precision_score(labels, decisions),
        "recall": recall_score(labels, decisions), "f1": f1_score(labels, decisions),
    }, f)
print(f"wrote {os.path.abspath(out)}")
