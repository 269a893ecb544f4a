#!/usr/bin/env bash
# Side-by-side speed comparison of gen-nn and PyTorch on issue 3's cases, with the same Fashion-MNIST data.
#
#   bench/compare.sh            5 alternating rounds (~2 minutes on the 2-core VM)
#   bench/compare.sh --quick    2 rounds with fewer repetitions (smoke run, under a minute)
#   options: --rounds N, --no-install (skip the apt step), --data DIR (Fashion-MNIST IDX .gz files),
#            --keep-openblas-env (run the peer with this shell's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE instead of unsetting them)
#
# Installs the peer with apt (python3-torch, libopenblas0-pthread, python3-numpy, dataset-fashion-mnist) if missing,
# builds bench/GenNN.Compare in Release, then alternates it with bench/peer_torch.py (the order flips every round),
# everything on one thread and pinned to one core. Prints a markdown table of medians and ratios and writes it to
# bench/results/latest.md (the raw JSON lines of each run stay in bench/results/<timestamp>/).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
command="bench/compare.sh${*:+ $*}"
rounds=5
quick=""
install=1
keep_openblas_env=0
data=/usr/share/datasets/fashion-mnist
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick="--quick"; rounds=2 ;;
        --rounds) rounds="$2"; shift ;;
        --no-install) install=0 ;;
        --data) data="$2"; shift ;;
        --keep-openblas-env) keep_openblas_env=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown argument '$1' (expected --quick, --rounds N, --no-install, --data DIR, --keep-openblas-env)" >&2; exit 2 ;;
    esac
    shift
done

say() { echo "[compare] $*" >&2; }

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

# ---- 2. Build the gen-nn harness. ----
say "building bench/GenNN.Compare (Release)"
dotnet build "$root/bench/GenNN.Compare/GenNN.Compare.csproj" -c Release -nologo -v quiet >&2
harness="$root/bench/GenNN.Compare/bin/Release/net10.0/GenNN.Compare.dll"

# ---- 3. One thread everywhere, one core if possible. ----
pin=()
if command -v taskset >/dev/null && [ "$(nproc --all)" -ge 2 ]; then pin=(taskset -c 1); fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 DOTNET_gcServer=0
# Pinned to one core, .NET waits 10x longer (1 s after the last new method) before promoting hot code to tier 1; the
# multiplier of 1 makes the harness's warm-up reach steady-state code (see WarmUp in bench/GenNN.Compare/Program.cs).
export DOTNET_TC_DelaySingleProcMultiplier=1
run_gennn() { "${pin[@]}" dotnet "$harness" --data "$data" $quick; }
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set machine-wide to keep old OpenBLAS builds safe; the peer runs
# with OpenBLAS's own CPU detection instead (its kernel is printed in the header).
unset_blas=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
[ "$keep_openblas_env" = 0 ] || unset_blas=()
run_torch() { env "${unset_blas[@]}" "${pin[@]}" "$python" "$here/peer_torch.py" --data "$data" "$@"; }

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$here/results/$stamp"
mkdir -p "$out"

# ---- 4. The header: machine, date, versions, BLAS. ----
peer_info="$(run_torch --info)"
{
    echo "# gen-nn vs PyTorch, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    field() { lscpu | sed -n "s/^$1: *//p" | head -1; }
    echo "- machine: $(field 'Model name') (family $(field 'CPU family'), model $(field 'Model')), $(nproc --all) logical CPU(s)," \
         "$(field 'Core(s) per socket') core(s) per socket, L2 $(field 'L2 cache'), L3 $(field 'L3 cache'); kernel $(uname -r)"
    echo "- flags: $(grep -o -w -E 'avx512f|avx512bw|avx512vl|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
    echo "- .NET: SDK $(dotnet --version), runtime $(dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App \([^ ]*\).*/\1/p' | tail -1); DOTNET_gcServer=0 DOTNET_TC_DelaySingleProcMultiplier=1"
    echo "- PyTorch: $(run_torch --summary) (Debian python3-torch $(dpkg-query -W -f='${Version}' python3-torch 2>/dev/null || echo '?'))"
    echo "- threads: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 torch.set_num_threads(1); pinned: ${pin[*]:-no (taskset missing or 1 CPU)}"
    echo "- OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-<unset>} in this shell; $([ "$keep_openblas_env" = 0 ] && echo unset || echo kept) for the PyTorch peer"
    echo "- data: $data (Fashion-MNIST, 60,000 train / 10,000 test, pixels / 255)"
    echo "- command: $command (rounds: $rounds)"
} > "$out/header.md"
cat "$out/header.md" >&2
echo "$peer_info" > "$out/torch-info.json"

# ---- 5. Alternate the runners; the first one flips every round. ----
for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) = 1 ]; then order=(gennn torch); else order=(torch gennn); fi
    for who in "${order[@]}"; do
        say "round $r/$rounds: $who"
        if [ "$who" = gennn ]; then run_gennn > "$out/round-$r-gennn.jsonl"; else run_torch $quick > "$out/round-$r-torch.jsonl"; fi
    done
done

# ---- 6. The table. ----
"$python" "$here/report.py" "$out" --out "$here/results/latest.md"
say "table written to bench/results/latest.md (raw runs in bench/results/$stamp)"
