#!/usr/bin/env bash
# The kernel paths outside the JIT-on-this-CPU runs of the test suite:
#   1. Native AOT: bench/GenNN.AotBench published with the package's default (GenNNAotInstructionSet=Avx) must run the
#      Vector256 kernels on a CPU with AVX2 + FMA, and give the JIT build's outputs bit for bit (checksum); the same
#      binary on an emulated CPU without AVX2 (qemu -cpu SandyBridge) must choose the Vector128 bodies.
#      On a CPU with AVX-512, the program published with GenNNAotInstructionSet=x86-64-v4 must run the JIT's bodies
#      (Vector512 where .NET accelerates it) and give the JIT's bits.
#   2. The baseline branch: the same program published with GenNNAotInstructionSet=Compatible (the compiler's own
#      x64 baseline, no AVX) runs the Vector128 bodies, matches the JIT's Vector128 run (DOTNET_EnableAVX2=0) within
#      rounding (FMA may be absent from that baseline), and starts on an emulated CPU without AVX (qemu -cpu Westmere).
#   Each run also trains a few TrainOnBatch + Adam steps on one thread and on every core (the worker pool, the two-phase
#   TrainBatch and the fused step): the two must agree bit for bit, and the AOT binary must train to the JIT's bits.
#   The same for a convolutional network with BatchNorm (ConvBn): its predictions and its staged training.
#   3. linux-arm64: tests/GenNN.KernelRunner, published self-contained for linux-arm64, runs under qemu-aarch64: the
#      Vector128 bodies through NEON against the double-precision reference.
# Usage: .ci/isa-checks.sh (from the repository root; installs qemu-user, libc6-arm64-cross and libstdc++6-arm64-cross with apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The arm64 runtime loads libstdc++ as well as libc: a sysroot with libc6-arm64-cross alone fails to start it
# ("libstdc++.so.6: cannot open shared object file").
if ! command -v qemu-aarch64 >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || [ ! -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ]; then
  echo "== installing qemu-user, libc6-arm64-cross and libstdc++6-arm64-cross"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user libc6-arm64-cross libstdc++6-arm64-cross >/dev/null
fi

value() { sed -nE "s/.*\"case\":\"$1\",\"value\":\"([^\"]*)\".*/\1/p" "$2"; }
# Training on every core gave one thread's parameters, bit for bit.
same_training() {
  [ "$(value train_cores_equal_one_thread "$1")" = yes ] || { echo "FAIL: $2: training on $(value train_threads "$1") threads differs from one thread" >&2; exit 1; }
  [ "$(value cnn_train_cores_equal_one_thread "$1")" = yes ] || { echo "FAIL: $2: the conv/BatchNorm network's training on $(value train_threads "$1") threads differs from one thread" >&2; exit 1; }
}

echo "== Native AOT, default settings (GenNNAotInstructionSet=Avx)"
dotnet publish bench/GenNN.AotBench -c Release -o "$work/aot" -v:q -nologo
# The JIT build the AOT binary is compared with: built here, so that a run outside .ci/run never compares with a stale one.
dotnet build bench/GenNN.AotBench -c Release -v:q -nologo
dotnet bench/GenNN.AotBench/bin/Release/net10.0/GenNN.AotBench.dll --rounds 5 | tee "$work/jit.txt"
"$work/aot/GenNN.AotBench" --rounds 5 | tee "$work/aot.txt"
ls -l "$work/aot/GenNN.AotBench" | awk '{print "AOT binary: " $5 " bytes"}'
jit_path=$(value info_kernel_path "$work/jit.txt"); aot_path=$(value info_kernel_path "$work/aot.txt")
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  [ "$aot_path" = Vector256 ] || { echo "FAIL: the AOT binary runs $aot_path on a CPU with AVX2 and FMA, expected Vector256" >&2; exit 1; }
fi
# The runtime's Vector<float> loops (pooling) must be vectorised in the default AOT build too.
aot_lanes=$(value info_vector_lanes "$work/aot.txt")
[ "${aot_lanes:-0}" -ge 4 ] || { echo "FAIL: the AOT binary's Vector<float> is not accelerated (lanes: '$aot_lanes'): the runtime's loops run scalar" >&2; exit 1; }
echo "AOT Vector<float>: $aot_lanes lanes"
# Same kernels, same bits: compare with a JIT run restricted to the path the binary took.
if [ "$jit_path" != "$aot_path" ]; then
  DOTNET_EnableAVX512=0 dotnet bench/GenNN.AotBench/bin/Release/net10.0/GenNN.AotBench.dll --rounds 1 > "$work/jit.txt"
fi
[ "$(value checksum "$work/jit.txt")" = "$(value checksum "$work/aot.txt")" ] \
  || { echo "FAIL: AOT output $(value checksum "$work/aot.txt") differs from the JIT's $(value checksum "$work/jit.txt")" >&2; exit 1; }
echo "AOT ($aot_path) output equals the JIT's: $(value checksum "$work/aot.txt")"
same_training "$work/jit.txt" JIT
same_training "$work/aot.txt" "Native AOT"
[ "$(value train_checksum "$work/jit.txt")" = "$(value train_checksum "$work/aot.txt")" ] \
  || { echo "FAIL: AOT training $(value train_checksum "$work/aot.txt") differs from the JIT's $(value train_checksum "$work/jit.txt")" >&2; exit 1; }
echo "AOT training on $(value train_threads "$work/aot.txt") threads equals one thread's and the JIT's: $(value train_checksum "$work/aot.txt")"
[ "$(value batch_checksum "$work/jit.txt")" = "$(value batch_checksum "$work/aot.txt")" ] \
  || { echo "FAIL: AOT PredictBatch (packed weights) $(value batch_checksum "$work/aot.txt") differs from the JIT's $(value batch_checksum "$work/jit.txt")" >&2; exit 1; }
echo "AOT PredictBatch(256) with packed weights equals the JIT's: $(value batch_checksum "$work/aot.txt")"
for c in cnn_checksum cnn_train_checksum; do
  [ "$(value $c "$work/jit.txt")" = "$(value $c "$work/aot.txt")" ] \
    || { echo "FAIL: AOT $c $(value $c "$work/aot.txt") differs from the JIT's $(value $c "$work/jit.txt")" >&2; exit 1; }
done
echo "AOT conv/BatchNorm network: predictions and training equal the JIT's: $(value cnn_checksum "$work/aot.txt"), $(value cnn_train_checksum "$work/aot.txt")"
# The same binary on an emulated CPU with AVX but without AVX2/FMA picks the Vector128 bodies at run time.
qemu-x86_64 -cpu SandyBridge "$work/aot/GenNN.AotBench" --rounds 1 2>/dev/null | tee "$work/sandy.txt"
[ "$(value info_kernel_path "$work/sandy.txt")" = Vector128 ] || { echo "FAIL: the AOT binary does not fall back to Vector128 without AVX2" >&2; exit 1; }
same_training "$work/sandy.txt" "Native AOT on SandyBridge"

# AVX-512 in the baseline (GenNNAotInstructionSet=x86-64-v4): the Vector512 bodies, the JIT's Vector512 bits. Only an
# AVX-512 CPU can run that binary (qemu emulates no AVX-512), so the check runs where the CPU has it.
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  echo "== Native AOT with AVX-512 in the baseline (GenNNAotInstructionSet=x86-64-v4), on this AVX-512 CPU"
  dotnet publish bench/GenNN.AotBench -c Release -o "$work/aot-v4" -p:GenNNAotInstructionSet=x86-64-v4 -v:q -nologo
  "$work/aot-v4/GenNN.AotBench" --rounds 1 | tee "$work/v4.txt"
  dotnet bench/GenNN.AotBench/bin/Release/net10.0/GenNN.AotBench.dll --rounds 1 > "$work/jit512.txt"
  # Both take Vector512 where .NET accelerates it (AMD Zen 4 and 5); on a CPU where the runtime prefers 256-bit vectors
  # (Vector512.IsHardwareAccelerated false, as on some Intel parts) both take Vector256, and the bits must still agree.
  v4_path=$(value info_kernel_path "$work/v4.txt"); jit512_path=$(value info_kernel_path "$work/jit512.txt")
  [ "$v4_path" = "$jit512_path" ] || { echo "FAIL: the x86-64-v4 AOT binary runs $v4_path, the JIT $jit512_path, on this AVX-512 CPU" >&2; exit 1; }
  for c in checksum train_checksum batch_checksum cnn_checksum cnn_train_checksum; do
    [ "$(value $c "$work/jit512.txt")" = "$(value $c "$work/v4.txt")" ] \
      || { echo "FAIL: x86-64-v4 AOT $c $(value $c "$work/v4.txt") differs from the JIT's ($jit512_path) $(value $c "$work/jit512.txt")" >&2; exit 1; }
  done
  same_training "$work/v4.txt" "Native AOT x86-64-v4"
  echo "AOT x86-64-v4 ($v4_path): predictions, PredictBatch, training and the conv/BatchNorm network equal the JIT's $jit512_path run"
else
  echo "== Native AOT x86-64-v4: skipped, this CPU has no AVX-512 (F, BW, VL) to run it on"
fi

echo "== Native AOT, baseline instruction set (GenNNAotInstructionSet=Compatible)"
dotnet publish bench/GenNN.AotBench -c Release -o "$work/aot-compat" -p:GenNNAotInstructionSet=Compatible -v:q -nologo
qemu-x86_64 -cpu Westmere "$work/aot-compat/GenNN.AotBench" --rounds 1 2>/dev/null | tee "$work/compat.txt"
[ "$(value info_kernel_path "$work/compat.txt")" = Vector128 ] || { echo "FAIL: the baseline build does not run the Vector128 kernels" >&2; exit 1; }
same_training "$work/compat.txt" "baseline Native AOT on Westmere"
DOTNET_EnableAVX2=0 dotnet bench/GenNN.AotBench/bin/Release/net10.0/GenNN.AotBench.dll --rounds 1 > "$work/jit128.txt"
python3 - "$(value checksum "$work/compat.txt")" "$(value checksum "$work/jit128.txt")" \
  "$(value train_checksum "$work/compat.txt")" "$(value train_checksum "$work/jit128.txt")" \
  "$(value cnn_checksum "$work/compat.txt")" "$(value cnn_checksum "$work/jit128.txt")" \
  "$(value cnn_train_checksum "$work/compat.txt")" "$(value cnn_train_checksum "$work/jit128.txt")" <<'PY'
import sys
a, b, ta, tb, ca, cb, cta, ctb = (float(v) for v in sys.argv[1:9])
assert abs(a - b) <= 1e-6 * max(1.0, abs(b)), f"baseline AOT {a} vs JIT Vector128 {b}"
print(f"baseline AOT output {a} matches the JIT's Vector128 run {b} (Westmere, no AVX)")
# The sum of 55,050 parameters after three Adam steps: FMA or not moves it by far less than 1e-6 of its size.
assert abs(ta - tb) <= 1e-6 * max(1.0, abs(tb)), f"baseline AOT training {ta} vs JIT Vector128 {tb}"
print(f"baseline AOT training {ta} matches the JIT's Vector128 training {tb}")
assert abs(ca - cb) <= 1e-5 * max(1.0, abs(cb)), f"baseline AOT conv/BatchNorm outputs {ca} vs JIT Vector128 {cb}"
assert abs(cta - ctb) <= 1e-5 * max(1.0, abs(ctb)), f"baseline AOT conv/BatchNorm training {cta} vs JIT Vector128 {ctb}"
print(f"baseline AOT conv/BatchNorm outputs {ca} and training {cta} match the JIT's Vector128 run ({cb}, {ctb})")
PY

echo "== linux-arm64 under qemu-aarch64: the Vector128 (NEON) bodies against the reference"
dotnet publish tests/GenNN.KernelRunner -c Release -p:KernelRunnerRuntime=linux-arm64 -o "$work/arm64" -v:q -nologo
# DOTNET_EnableWriteXorExecute=0: the JIT writes code through a second, writable mapping of the executable pages
# (W^X), which qemu-user does not watch, so it can go on running its stale translation of code the runtime has
# rewritten (dotnet/runtime#94909, qemu#249). With W^X on, 3 of 4 runs died with an AccessViolation in code as plain as
# the reference network's loss; with it off, 8 of 8 passed. It changes how the JIT writes code, not what the code does.
DOTNET_EnableWriteXorExecute=0 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$work/arm64/GenNN.KernelRunner" | tee "$work/arm64.txt"
grep -q "kernel path: Vector128 (Arm64" "$work/arm64.txt" || { echo "FAIL: the arm64 runner did not run the Vector128 bodies" >&2; exit 1; }
grep -qE "^[0-9]+ passed, 0 failed" "$work/arm64.txt"
