#!/usr/bin/env bash
# Side-by-side speed comparison of gen-nn, PyTorch and ONNX Runtime on issue 8's cases, with the same Fashion-MNIST data.
#
#   bench/compare.sh            5 alternating rounds (~3 minutes on the 2-core VM)
#   bench/compare.sh --quick    2 rounds with fewer repetitions (smoke run, about a minute and a half)
#   bench/compare.sh --cnn      issue 9's cases instead: the convolutional network of samples/FashionMnistCnn, Predict
#                               on all three sides and one training epoch against PyTorch (3 rounds, ~15 minutes);
#                               the table goes to bench/results/latest-cnn.md
#   options: --rounds N, --no-install (skip the apt step), --data DIR (Fashion-MNIST IDX .gz files),
#            --no-ort (gen-nn and PyTorch only: no ONNX Runtime side, no ORT package restore),
#            --keep-openblas-env (run the peer with this shell's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE instead of unsetting them)
#
# Installs the PyTorch peer with apt (python3-torch, libopenblas0-pthread, python3-numpy, dataset-fashion-mnist) if
# missing; builds bench/GenNN.Compare and bench/GenNN.CompareOrt in Release (the latter's restore brings NuGet's
# Microsoft.ML.OnnxRuntime 1.31.1). gen-nn writes its seed-42 weights, bench/peer_torch.py loads them and exports them
# to ONNX, so all three sides predict with one weight set (GenNN.CompareOrt checks that the outputs agree). Then the
# sides alternate, the first one rotating every round, everything on one thread and pinned to one core. Prints a
# markdown table of medians and ratios and writes it to bench/results/latest.md (the raw JSON lines of each run, the
# weights and the ONNX files stay in bench/results/<timestamp>/).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
command="bench/compare.sh${*:+ $*}"
rounds=5
quick=""
cnn=""
install=1
keep_openblas_env=0
ort=1
data=/usr/share/datasets/fashion-mnist
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick="--quick"; rounds=2 ;;
        --cnn) cnn="--cnn"; [ "$rounds" != 5 ] || rounds=3 ;;
        --rounds) rounds="$2"; shift ;;
        --no-install) install=0 ;;
        --data) data="$2"; shift ;;
        --keep-openblas-env) keep_openblas_env=1 ;;
        --no-ort) ort=0 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown argument '$1' (expected --quick, --cnn, --rounds N, --no-install, --no-ort, --data DIR, --keep-openblas-env)" >&2; exit 2 ;;
    esac
    shift
done

say() { echo "[compare ${SECONDS}s] $*" >&2; }

# ---- 1. The peer and the data, from Debian. ----
packages=(python3-torch libopenblas0-pthread python3-numpy dataset-fashion-mnist)
if [ "$install" = 1 ]; then
    missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
        say "installing ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >&2
    fi
fi
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [ -f "$data/$f" ] || { echo "compare.sh: $data/$f not found (apt-get install dataset-fashion-mnist, or pass --data DIR)" >&2; exit 1; }
done
# Debian's interpreter: a pyenv or venv python3 first on PATH does not see python3-torch.
python=/usr/bin/python3

# ---- 2. Build the gen-nn harness and the ONNX Runtime runner (its restore fetches the ORT package from NuGet). ----
say "building bench/GenNN.Compare (Release)"
dotnet build "$root/bench/GenNN.Compare/GenNN.Compare.csproj" -c Release -nologo -v quiet >&2
harness="$root/bench/GenNN.Compare/bin/Release/net10.0/GenNN.Compare.dll"
sides=(gennn torch)
if [ "$ort" = 1 ]; then
    say "building bench/GenNN.CompareOrt (Release)"
    dotnet build "$root/bench/GenNN.CompareOrt/GenNN.CompareOrt.csproj" -c Release -nologo -v quiet >&2
    ort_runner="$root/bench/GenNN.CompareOrt/bin/Release/net10.0/GenNN.CompareOrt.dll"
    sides+=(ort)
fi

# ---- 3. One thread everywhere, one core if possible. ----
pin=()
if command -v taskset >/dev/null && [ "$(nproc --all)" -ge 2 ]; then pin=(taskset -c 1); fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 DOTNET_gcServer=0
# Pinned to one core, .NET waits 10x longer (1 s after the last new method) before promoting hot code to tier 1; the
# multiplier of 1 makes the harness's warm-up reach steady-state code (see WarmUp in bench/GenNN.Compare/Program.cs).
export DOTNET_TC_DelaySingleProcMultiplier=1
run_gennn() { "${pin[@]}" dotnet "$harness" --data "$data" $quick $cnn; }
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set machine-wide to keep old OpenBLAS builds safe; the peer runs
# with OpenBLAS's own CPU detection instead (its kernel is printed in the header).
unset_blas=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
[ "$keep_openblas_env" = 0 ] || unset_blas=()
run_torch() { env "${unset_blas[@]}" "${pin[@]}" "$python" "$here/peer_torch.py" --data "$data" "$@"; }
run_ort() { "${pin[@]}" dotnet "$ort_runner" --data "$data" --models "$models" $quick $cnn; }

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$here/results/$stamp"
models="$out/models"
mkdir -p "$out"

# ---- 3b. One weight set: gen-nn's seed-42 networks, which PyTorch loads and exports to ONNX. ----
say "writing gen-nn's weights and the ONNX files to bench/results/$stamp/models"
dotnet "$harness" --save-weights "$models"
[ "$ort" = 0 ] || run_torch --export-onnx "$models"

# ---- 4. The header: machine, date, versions, BLAS. ----
peer_info="$(run_torch --info)"
{
    echo "# gen-nn vs PyTorch$([ "$ort" = 1 ] && echo " vs ONNX Runtime"), $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    field() { lscpu | sed -n "s/^$1: *//p" | head -1; }
    echo "- machine: $(field 'Model name') (family $(field 'CPU family'), model $(field 'Model')), $(nproc --all) logical CPU(s)," \
         "$(field 'Core(s) per socket') core(s) per socket, L2 $(field 'L2 cache'), L3 $(field 'L3 cache'); kernel $(uname -r)"
    echo "- flags: $(grep -o -w -E 'avx512f|avx512bw|avx512vl|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
    echo "- .NET: SDK $(dotnet --version), runtime $(dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App \([^ ]*\).*/\1/p' | tail -1); DOTNET_gcServer=0 DOTNET_TC_DelaySingleProcMultiplier=1"
    echo "- PyTorch: $(run_torch --summary) (Debian python3-torch $(dpkg-query -W -f='${Version}' python3-torch 2>/dev/null || echo '?'))"
    if [ "$ort" = 1 ]; then
        echo "- ORT: $(dotnet "$ort_runner" --info)"
        echo "- ONNX files: torch.onnx.export (opset $("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["opset"])' "$models/reference.json"), dynamic batch axis) of gen-nn's seed-42 weights, which PyTorch's Predict cases load too"
    else
        echo "- ORT: not run (--no-ort)"
    fi
    echo "- threads: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 torch.set_num_threads(1)$([ "$ort" = 0 ] || echo ", ORT 1 intra-op + 1 inter-op thread"); pinned: ${pin[*]:-no (taskset missing or 1 CPU)}"
    echo "- OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-<unset>} in this shell; $([ "$keep_openblas_env" = 0 ] && echo unset || echo kept) for the PyTorch peer"
    echo "- data: $data (Fashion-MNIST, 60,000 train / 10,000 test, pixels / 255)"
    echo "- command: $command (rounds: $rounds)"
} > "$out/header.md"
cat "$out/header.md" >&2
echo "$peer_info" > "$out/torch-info.json"

# ---- 5. Alternate the runners; the order rotates every round (gennn torch ort, torch ort gennn, ort gennn torch, ...). ----
n=${#sides[@]}
for r in $(seq 1 "$rounds"); do
    order=()
    for k in $(seq 0 $((n - 1))); do order+=("${sides[$(((r - 1 + k) % n))]}"); done
    for who in "${order[@]}"; do
        say "round $r/$rounds: $who"
        case "$who" in
            gennn) run_gennn > "$out/round-$r-gennn.jsonl" ;;
            torch) run_torch --weights "$models" $quick $cnn > "$out/round-$r-torch.jsonl" ;;
            ort) run_ort > "$out/round-$r-ort.jsonl" ;;
        esac
    done
done

# ---- 6. The table. ----
latest="$here/results/latest${cnn:+-cnn}.md"
"$python" "$here/report.py" "$out" --out "$latest"
say "table written to ${latest#$root/} (raw runs in bench/results/$stamp)"
