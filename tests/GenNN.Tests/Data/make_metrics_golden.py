#!/usr/bin/env python3
"""Writes golden metric values with scikit-learn, for gen-nn's metric tests (MetricsGoldenTests).

Run from this folder with a Python that has scikit-learn (Debian: `apt-get install python3-sklearn`, then
`/usr/bin/python3 make_metrics_golden.py`). Output, committed next to this script:

  metrics_golden.json   small fixed inputs (float32 values, written exactly) and what scikit-learn computes from them

Cases:
  classification  per-class precision/recall/F1/support (labels=range(classes), zero_division=0), macro and weighted
                  averages, accuracy, confusion_matrix, top_k_accuracy_score for every k, and roc_auc_score for two
                  classes; from score rows (prediction = arg-max) or from one binary score (prediction = score > 0.5).
                  One case has a class that is never predicted and one that never occurs; the binary case has tied
                  scores, which roc_auc_score counts one half.
  regression      mean_absolute_error, mean_squared_error, r2_score (uniform average and raw per output); one case has
                  an output whose targets are all equal (r2 0 by force_finite).
"""
import json

import numpy as np
import sklearn
from sklearn import metrics

rng = np.random.default_rng(7)


def f32(values):
    return [float(x) for x in np.asarray(values, dtype=np.float32).ravel()]


def classification_from_scores(name, scores, labels, names=None):
    scores = np.asarray(scores, dtype=np.float32)
    n, classes = scores.shape
    predicted = scores.argmax(axis=1)
    return classification(name, f32(scores), classes, labels, predicted, names,
                          scores_for_auc=scores[:, 1] if classes == 2 else None,
                          # scikit-learn reads two score columns as a binary problem and refuses top-k there.
                          top_k=None if classes == 2 else
                          {k: metrics.top_k_accuracy_score(labels, scores, k=k, labels=list(range(classes))) for k in range(1, classes)}
                          | {classes: 1.0})


def classification(name, scores, classes, labels, predicted, names, scores_for_auc=None, top_k=None, binary=False):
    labels = np.asarray(labels)
    p, r, f, s = metrics.precision_recall_fscore_support(labels, predicted, labels=list(range(classes)), zero_division=0)
    macro = metrics.precision_recall_fscore_support(labels, predicted, labels=list(range(classes)), average="macro", zero_division=0)
    weighted = metrics.precision_recall_fscore_support(labels, predicted, labels=list(range(classes)), average="weighted", zero_division=0)
    case = {
        "name": name,
        "kind": "binary" if binary else "scores",
        "classes": classes,
        "classNames": names,
        "scores": scores,
        "labels": [int(x) for x in labels],
        "predicted": [int(x) for x in predicted],
        "precision": [float(x) for x in p],
        "recall": [float(x) for x in r],
        "f1": [float(x) for x in f],
        "support": [int(x) for x in s],
        "macro": [float(x) for x in macro[:3]],
        "weighted": [float(x) for x in weighted[:3]],
        "accuracy": float(metrics.accuracy_score(labels, predicted)),
        "confusion": metrics.confusion_matrix(labels, predicted, labels=list(range(classes))).tolist(),
    }
    if top_k is not None:
        case["topK"] = {str(k): float(v) for k, v in top_k.items()}
    if scores_for_auc is not None:
        case["rocAuc"] = float(metrics.roc_auc_score(labels, scores_for_auc))
    return case


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    cases = []
    # Three named classes, a usable classifier: mostly right, some confusions.
    labels = rng.integers(0, 3, 24)
    logits = rng.normal(0, 1, (24, 3)) + 1.5 * np.eye(3)[labels]
    cases.append(classification_from_scores("three_classes", softmax(logits), labels, ["setosa", "versicolor", "virginica"]))
    # Five classes: class 3 never predicted (its score is pushed down), class 4 never occurs.
    labels = rng.integers(0, 4, 30)
    logits = rng.normal(0, 1, (30, 5)) + 1.0 * np.eye(5)[labels]
    logits[:, 3] -= 10
    cases.append(classification_from_scores("five_classes_with_empty_ones", softmax(logits), labels))
    # Two classes from softmax rows: ROC-AUC on column 1.
    labels = rng.integers(0, 2, 16)
    logits = rng.normal(0, 1, (16, 2)) + 0.8 * np.eye(2)[labels]
    cases.append(classification_from_scores("two_class_softmax", softmax(logits), labels, ["neg", "pos"]))
    # One sigmoid score per sample, rounded to one decimal so that scores tie across classes.
    labels = rng.integers(0, 2, 20)
    scores = np.round(np.clip(0.5 + 0.3 * (labels - 0.5) + rng.normal(0, 0.25, 20), 0, 1), 1).astype(np.float32)
    predicted = (scores > 0.5).astype(int)
    cases.append(classification("binary_with_ties", f32(scores), 2, labels, predicted, None,
                                scores_for_auc=scores, binary=True))

    regression = []
    for name, outputs, constant in (("one_output", 1, False), ("three_outputs_one_constant", 3, True)):
        targets = rng.normal(2, 3, (12, outputs)).astype(np.float32)
        if constant:
            targets[:, 2] = 1.5
        predictions = (targets + rng.normal(0, 1, targets.shape)).astype(np.float32)
        t, p = targets.astype(np.float64), predictions.astype(np.float64)
        regression.append({
            "name": name,
            "outputs": outputs,
            "targets": f32(targets),
            "predictions": f32(predictions),
            "mae": float(metrics.mean_absolute_error(t, p)),
            "mse": float(metrics.mean_squared_error(t, p)),
            "r2": float(metrics.r2_score(t, p)),
            "r2PerOutput": [float(x) for x in np.atleast_1d(metrics.r2_score(t, p, multioutput="raw_values"))],
        })

    with open("metrics_golden.json", "w") as f:
        json.dump({"sklearn": sklearn.__version__, "classification": cases, "regression": regression}, f, indent=1)
        f.write("\n")
    print("wrote metrics_golden.json with scikit-learn %s" % sklearn.__version__)


if __name__ == "__main__":
    main()
