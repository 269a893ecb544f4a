#!/usr/bin/python3
"""Turns the JSON lines of bench/compare.sh's rounds into the markdown table of issue 8's targets.

    report.py RESULTS_DIR [--out FILE]

RESULTS_DIR holds header.md (machine, date, versions; written by compare.sh) and round-*-gennn.jsonl,
round-*-torch.jsonl and round-*-ort.jsonl (one JSON object per line: runner, case, value, unit; the ORT files are
absent after --no-ort, and its columns then say n/a). Every figure in the table is the median
over the rounds of each run's own figure (itself a median of repetitions for the timed cases). Standard library only.
"""
import glob
import json
import os
import statistics
import sys

# case label, unit, gen-nn case, PyTorch case, ORT case, better ("lower" time or "higher" rate), targets.
# A target is ("ratio", peer, x): gen-nn at least x times as fast as the peer ("torch" or "ort"); ("zero",): no bytes
# allocated; ("sanity",): accuracies within ACCURACY_GAP of PyTorch's. The ratios are issue 8's, each from one run.
ROWS = [
    ("784-64-64-10 Predict, 1 sample", "us/call", "mlp64_predict", "mlp64_predict", "mlp64_predict", "lower",
     [("ratio", "torch", 10.0), ("ratio", "ort", 3.0)]),
    ("4-16-3 Predict, 1 sample", "ns/call", "iris_predict", "iris_predict", "iris_predict", "lower", [("ratio", "ort", 20.0)]),
    ("784-64-64-10 PredictBatch, 1024 test images", "M samples/s", "mlp64_batch1024", "mlp64_batch1024", "mlp64_batch1024",
     "higher", [("ratio", "ort", 1.3), ("ratio", "torch", 1.3)]),
    ("784-64-64-10 train 1 epoch, TrainBatch + Adam.Step loop", "K samples/s", "mlp64_train_loop", "mlp64_train", None,
     "higher", [("ratio", "torch", 2.5)]),
    ("784-64-64-10 train 1 epoch, Trainer.Fit", "K samples/s", "mlp64_train_fit", "mlp64_train", None, "higher",
     [("ratio", "torch", 2.5)]),
    ("784-256-128-10 train 1 epoch, TrainBatch + Adam.Step loop", "K samples/s", "mlp256_train_loop", "mlp256_train", None,
     "higher", [("ratio", "torch", 2.5)]),
    ("784-256-128-10 train 1 epoch, Trainer.Fit", "K samples/s", "mlp256_train_fit", "mlp256_train", None, "higher",
     [("ratio", "torch", 2.5)]),
    ("784-64-64-10 test accuracy after the epoch (loop / Fit)", "accuracy", "mlp64_acc_loop", "mlp64_acc", None, None, [("sanity",)]),
    ("784-256-128-10 test accuracy after the epoch (loop / Fit)", "accuracy", "mlp256_acc_loop", "mlp256_acc", None, None, [("sanity",)]),
    ("bytes allocated per Predict (784-64-64-10 / 4-16-3)", "B/call", "alloc_predict", None, "alloc_predict", None, [("zero",)]),
    ("bytes allocated per PredictBatch(1024) (784-64-64-10)", "B/call", "alloc_batch1024", None, "alloc_batch1024", None, [("zero",)]),
    ("bytes allocated per TrainBatch(64) (784-64-64-10)", "B/call", "alloc_trainbatch", None, None, None, [("zero",)]),
    ("bytes allocated per TrainBatch + Adam.Step", "B/call", "alloc_trainstep", None, None, None, [("zero",)]),
]

# Issue 9's cases (compare.sh --cnn): the convolutional network of samples/FashionMnistCnn, one thread.
CNN_ROWS = [
    ("FashionMnistCnn Predict (Conv(32,3,Same)-Pool-Conv(64,3,Same)-Pool-128-10), 1 image", "us/call", "cnn_predict", "cnn_predict", "cnn_predict", "lower",
     [("ratio", "torch", 10.0), ("ratio", "ort", 3.0)]),
    ("the same network, 1 training epoch (TrainBatch + Adam.Step, batch 64, dropouts)", "K samples/s", "cnn_train_loop",
     "cnn_train", None, "higher", [("ratio", "torch", 1.5)]),
    ("seconds per epoch", "s", "cnn_epoch_seconds", "cnn_epoch_seconds", None, None, []),
    ("test accuracy after the epoch", "accuracy", "cnn_acc_loop", "cnn_acc", None, None, [("sanity", 0.01)]),
    ("bytes allocated per Predict / per TrainBatch(64)", "B/call", "alloc_cnn_predict", None, "alloc_cnn_predict", None, [("zero",)]),
]

# The second figure shown next to a value in the same cell (gen-nn's, and ORT's for the allocation row).
COMPANIONS = {"mlp64_acc_loop": "mlp64_acc_fit", "mlp256_acc_loop": "mlp256_acc_fit", "alloc_predict": "alloc_predict_iris",
              "alloc_cnn_predict": "alloc_cnn_trainbatch"}
PEERS = {"torch": "PyTorch", "ort": "ORT"}
ACCURACY_GAP = 0.02  # issue 8: test accuracy after one epoch within 0.02 of PyTorch


def load(results):
    values = {}  # (runner, case) -> [value per round]
    for path in sorted(glob.glob(os.path.join(results, "round-*.jsonl"))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                record = json.loads(line)
                if isinstance(record.get("value"), (int, float)):
                    values.setdefault((record["runner"], record["case"]), []).append(float(record["value"]))
                else:
                    values.setdefault((record["runner"], record["case"]), []).append(record.get("value"))
    return values


def med(values, runner, case):
    xs = [x for x in values.get((runner, case), []) if isinstance(x, float)]
    return statistics.median(xs) if xs else None


def fmt(x, unit):
    if x is None:
        return "n/a"
    if unit == "accuracy":
        return f"{x:.4f}"
    if unit == "B/call":
        return f"{x:.0f}"
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def cell(values, runner, case, unit):
    if case is None:
        return "-"
    text = fmt(med(values, runner, case), unit)
    if case in COMPANIONS and (runner == "gennn" or unit == "B/call"):
        text += " / " + fmt(med(values, runner, COMPANIONS[case]), unit)
    return text


def speedup(gv, pv, better):
    """How many times faster gen-nn is than the peer, or None without both figures."""
    if not gv or not pv or better is None:
        return None
    return pv / gv if better == "lower" else gv / pv


def judge(values, target, g, t, gv, tv, ratios):
    """(goal text, True / False / None when it cannot be judged: a side did not run)."""
    kind = target[0]
    if kind == "ratio":
        peer, x = target[1], target[2]
        ratio = ratios[peer]
        return f">= {x:g}x {PEERS[peer]}", None if ratio is None else ratio >= x
    if kind == "zero":
        companion = med(values, "gennn", COMPANIONS[g]) if g in COMPANIONS else 0.0
        return "0 B (gen-nn)", gv == 0.0 and companion == 0.0
    gap = target[1] if len(target) > 1 else ACCURACY_GAP
    fit = med(values, "gennn", COMPANIONS[g]) if g in COMPANIONS else gv  # sanity: plausible and within the gap of PyTorch
    if None in (gv, tv, fit):
        return f"within {gap:g} of PyTorch", None
    return f"within {gap:g} of PyTorch", min(gv, fit, tv) >= 0.75 and max(abs(gv - tv), abs(fit - tv)) <= gap


def table(values, rows, issue):
    lines = [f"| case | gen-nn | PyTorch | gen-nn / PyTorch | ORT | gen-nn / ORT | target (issue {issue}) | met? |",
             "|---|---|---|---|---|---|---|---|"]
    all_met, unjudged = True, 0
    for label, unit, g, t, o, better, targets in rows:
        gv = med(values, "gennn", g)
        tv = med(values, "torch", t) if t else None
        ov = med(values, "ort", o) if o else None
        ratios = {"torch": speedup(gv, tv, better), "ort": speedup(gv, ov, better)}
        goals, verdicts = [], []
        for target in targets:
            goal, met = judge(values, target, g, t, gv, tv, ratios)
            goals.append(goal)
            verdicts.append(met)
        if not verdicts:
            met_text = ""
        elif False in verdicts:
            met_text = "**no**"
            all_met = False
        elif None in verdicts:
            met_text = "n/a" if all(v is None for v in verdicts) else "yes (rest n/a)"
            unjudged += 1
        else:
            met_text = "yes"
        label = label if unit == "accuracy" else f"{label} ({unit})"
        ratio_text = {k: f"{r:.2f}x" if r is not None else "" for k, r in ratios.items()}
        lines.append(f"| {label} | {cell(values, 'gennn', g, unit)} | {cell(values, 'torch', t, unit)} | {ratio_text['torch']} | "
                     f"{cell(values, 'ort', o, unit)} | {ratio_text['ort']} | {'; '.join(goals)} | {met_text} |")
    return lines, all_met, unjudged


def agreement(values):
    """ORT's check lines: the largest output difference from gen-nn and from PyTorch on the cases' inputs."""
    checks = {case: med(values, "ort", case) for (runner, case) in values if runner == "ort" and case.startswith("check_")}
    if not checks:
        return []
    worst = {peer: max((v for c, v in checks.items() if c.endswith("_vs_" + peer) and v is not None), default=None)
             for peer in ("gennn", "torch")}
    shown = ", ".join(f"{'gen-nn' if p == 'gennn' else 'PyTorch'} {v:.2g}" for p, v in worst.items() if v is not None)
    return ["", f"One weight set on all three sides: ORT's outputs on the cases' inputs differ from {shown} at most "
            "(max abs diff, checked every ORT run; a run fails above 1e-4)."]


def details(values):
    lines = ["", "Per-round figures (each the median of that run's repetitions; PyTorch's single-sample and batch cases",
             "also list eager under no_grad and TorchScript; the table takes the faster; ORT's check_ lines are its",
             "max abs diff from the other sides):", "", "```"]
    for (runner, case), xs in sorted(values.items()):
        if case.startswith("info_"):
            continue
        shown = ", ".join(f"{x:.4g}" if isinstance(x, float) else str(x) for x in xs)
        lines.append(f"{runner:6} {case:32} [{shown}]")
    lines.append("```")
    return lines


def main():
    results = sys.argv[1]
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
    values = load(results)
    header_path = os.path.join(results, "header.md")
    lines = open(header_path).read().rstrip().splitlines() if os.path.exists(header_path) else []
    rounds = len(glob.glob(os.path.join(results, "round-*-gennn.jsonl")))
    isa = sorted({str(x) for x in values.get(("gennn", "info_isa"), [])})
    lines += ["", f"Medians over {rounds} alternating round(s); gen-nn ran its {', '.join(isa) or '?'} kernels. "
              "Ratio = how many times faster gen-nn is than the peer.", ""]
    cnn = ("gennn", "cnn_predict") in values
    rows, all_met, unjudged = table(values, CNN_ROWS if cnn else ROWS, 9 if cnn else 8)
    lines += rows
    lines += ["", ("All targets met" if all_met else "Targets marked **no** are missed in this run")
              + (f"; {unjudged} row(s) not judged in full (a side did not run)." if unjudged else ".")]
    lines += agreement(values)
    lines += details(values)
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
