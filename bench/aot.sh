#!/usr/bin/env bash
# Native AOT vs the JIT on the same program (bench/GenNN.AotBench): 784-64-64-10 Predict (median of each run's
# rounds, then the median over runs), process start to the first prediction, binary size and the kernel path each
# build takes. The two sides alternate, one run each per round, pinned to one core.
#   bench/aot.sh [--rounds N] [--instruction-set SET]
#     (default 5 rounds, ~1 min after the builds; SET goes to GenNNAotInstructionSet, e.g. x86-64-v4 for the Vector512
#     bodies on an AVX-512 CPU, where the default build runs the Vector256 ones)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=5
isa=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --instruction-set) isa=(-p:GenNNAotInstructionSet="$2"); shift ;;
    *) echo "unknown option $1: expected --rounds N or --instruction-set SET" >&2; exit 2 ;;
  esac
  shift
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

dotnet build bench/GenNN.AotBench -c Release -v:q -nologo >/dev/null
dotnet publish bench/GenNN.AotBench -c Release -o "$out/aot" "${isa[@]}" -v:q -nologo >/dev/null
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
for r in $(seq "$rounds"); do
  "${pin[@]}" dotnet bench/GenNN.AotBench/bin/Release/net10.0/GenNN.AotBench.dll >> "$out/runs.jsonl"
  "${pin[@]}" "$out/aot/GenNN.AotBench" >> "$out/runs.jsonl"
done

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') | $(grep -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "AOT binary: $(stat -c %s "$out/aot/GenNN.AotBench") bytes"
python3 - "$out/runs.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def values(runner, case):
    return [r["value"] for r in rows if r["runner"] == runner and r["case"] == case]
for runner in ("gennn-jit", "gennn-aot"):
    print(f"{runner}: kernel path {sorted(set(values(runner, 'info_kernel_path')))}")
jit = statistics.median(float(v) for v in values("gennn-jit", "mlp64_predict"))
aot = statistics.median(float(v) for v in values("gennn-aot", "mlp64_predict"))
sj = statistics.median(float(v) for v in values("gennn-jit", "start_to_first_predict"))
sa = statistics.median(float(v) for v in values("gennn-aot", "start_to_first_predict"))
n = len(values("gennn-aot", "mlp64_predict"))
print(f"| case | JIT (tier 1) | Native AOT | AOT / JIT |")
print(f"|---|---|---|---|")
print(f"| 784-64-64-10 Predict, median of {n} runs | {jit:.3f} us | {aot:.3f} us | {aot / jit:.2f}x |")
print(f"| process start to first prediction | {sj:.1f} ms | {sa:.1f} ms | {sa / sj:.2f}x |")
PY
