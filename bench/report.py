#!/usr/bin/python3
"""Turns the JSON lines of bench/compare.sh's rounds into the markdown table of issue 3's targets.

    report.py RESULTS_DIR [--out FILE]

RESULTS_DIR holds header.md (machine, date, versions; written by compare.sh) and round-*-gennn.jsonl /
round-*-torch.jsonl (one JSON object per line: runner, case, value, unit). Every figure in the table is the median
over the rounds of each run's own figure (itself a median of repetitions for the timed cases). Standard library only.
"""
import glob
import json
import os
import statistics
import sys

# case label, unit, gen-nn case, PyTorch case, better ("lower" time or "higher" rate), target kind, target value
ROWS = [
    ("784-64-64-10 Predict, 1 sample", "us/call", "mlp64_predict", "mlp64_predict", "lower", "max", 2.0),
    ("4-16-3 Predict, 1 sample", "ns/call", "iris_predict", "iris_predict", "lower", "max", 15.0),
    ("784-64-64-10 PredictBatch, 1024 test images", "M samples/s", "mlp64_batch1024", "mlp64_batch1024", "higher", "ratio", 1.0),
    ("784-64-64-10 train 1 epoch, TrainBatch + Adam.Step loop", "K samples/s", "mlp64_train_loop", "mlp64_train", "higher", "ratio", 2.5),
    ("784-64-64-10 train 1 epoch, Trainer.Fit", "K samples/s", "mlp64_train_fit", "mlp64_train", "higher", "ratio", 2.5),
    ("784-256-128-10 train 1 epoch, TrainBatch + Adam.Step loop", "K samples/s", "mlp256_train_loop", "mlp256_train", "higher", "ratio", 2.5),
    ("784-256-128-10 train 1 epoch, Trainer.Fit", "K samples/s", "mlp256_train_fit", "mlp256_train", "higher", "ratio", 2.5),
    ("784-64-64-10 test accuracy after the epoch (loop / Fit)", "accuracy", "mlp64_acc_loop", "mlp64_acc", None, "sanity", None),
    ("784-256-128-10 test accuracy after the epoch (loop / Fit)", "accuracy", "mlp256_acc_loop", "mlp256_acc", None, "sanity", None),
    ("bytes allocated per Predict (784-64-64-10 / 4-16-3)", "B/call", "alloc_predict", None, None, "zero", 0.0),
    ("bytes allocated per TrainBatch(64) (784-64-64-10)", "B/call", "alloc_trainbatch", None, None, "zero", 0.0),
    ("bytes allocated per TrainBatch + Adam.Step", "B/call", "alloc_trainstep", None, None, "zero", 0.0),
]

# The second figure shown next to a gen-nn value in the same cell.
COMPANIONS = {"mlp64_acc_loop": "mlp64_acc_fit", "mlp256_acc_loop": "mlp256_acc_fit", "alloc_predict": "alloc_predict_iris"}


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


def table(values):
    lines = ["| case | gen-nn median | PyTorch median | ratio | target | met? |", "|---|---|---|---|---|---|"]
    all_met = True
    for label, unit, g, t, better, kind, target in ROWS:
        gv = med(values, "gennn", g)
        tv = med(values, "torch", t) if t else None
        cell = fmt(gv, unit)
        if g in COMPANIONS:
            cell += " / " + fmt(med(values, "gennn", COMPANIONS[g]), unit)
        ratio = None
        if gv and tv:
            ratio = tv / gv if better == "lower" else gv / tv
        if kind == "max":
            goal, met = f"gen-nn <= {target:g} {unit}", gv is not None and gv <= target
        elif kind == "ratio":
            goal = "gen-nn >= PyTorch" if target == 1.0 else f"gen-nn >= {target:g}x PyTorch"
            met = ratio is not None and ratio >= target
        elif kind == "zero":
            companion = med(values, "gennn", COMPANIONS[g]) if g in COMPANIONS else 0.0
            goal, met = "0 B", gv == 0.0 and companion == 0.0
        else:  # sanity: both around 0.80-0.85 and within 0.03 of each other
            fit = med(values, "gennn", COMPANIONS[g])
            goal = "similar, ~0.80-0.85"
            met = None not in (gv, tv, fit) and min(gv, fit, tv) >= 0.75 and abs(gv - tv) <= 0.03 and abs(fit - tv) <= 0.03
        all_met &= bool(met) or kind == "sanity"
        ratio_text = f"{ratio:.2f}x" if ratio is not None and kind != "sanity" else ""
        label = label if unit == "accuracy" else f"{label} ({unit})"
        lines.append(f"| {label} | {cell} | {fmt(tv, unit) if t else '-'} | {ratio_text} | {goal} | "
                     f"{'yes' if met else '**no**'} |")
    return lines, all_met


def details(values):
    lines = ["", "Per-round figures (each the median of that run's repetitions; PyTorch's single-sample and batch cases",
             "also list eager under no_grad and TorchScript; the table takes the faster):", "", "```"]
    for (runner, case), xs in sorted(values.items()):
        if case.startswith("info_"):
            continue
        shown = ", ".join(f"{x:.4g}" if isinstance(x, float) else str(x) for x in xs)
        lines.append(f"{runner:6} {case:24} [{shown}]")
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
              "Ratio = how many times faster gen-nn is.", ""]
    rows, all_met = table(values)
    lines += rows
    lines += ["", "All targets met." if all_met else "Targets marked **no** are missed in this run."]
    lines += details(values)
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
