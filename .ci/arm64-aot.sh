#!/usr/bin/env bash
# Native AOT for linux-arm64, cross-compiled on an x64 Debian host and run under qemu-user.
#   .ci/arm64-aot.sh <model.safetensors> [4 raw measurements in cm]
# The model comes from samples/Iris (it writes iris.safetensors in its working directory). The binary goes to
# $ARM64_AOT_OUT (default /tmp/aot-arm64).
#
# What it builds: samples/AotInference's Program.cs, unchanged, in a project generated here that differs from the
# sample's in two ways. RuntimeIdentifier in the project, not -r on the command line: a global -r would also restore
# the multi-targeted GenNN.Runtime's net8.0 side for linux-arm64, whose packs at the SDK's pinned version (8.0.31) the
# registry does not serve (net10.0's, 10.0.12, it does). And a module initializer that prints the kernel path on stderr.
#
# It runs with no arm64 libssl anywhere (/usr/aarch64-linux-gnu has only glibc), which shows that loading a model needs
# no OpenSSL: its SHA-256 check is managed code (GenNN.Serialization.Sha256). .NET's own SHA256 went through OpenSSL
# and aborted the process here.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

[[ $# -eq 1 || $# -eq 5 ]] || { echo "usage: $0 <model.safetensors> [4 raw measurements in cm]" >&2; exit 2; }
model=$(realpath "$1")
[[ -f $model ]] || { echo "model file not found: $1" >&2; exit 2; }
shift
features=("$@")
[[ ${#features[@]} -eq 4 ]] || features=(6.1 2.8 4.7 1.2)   # samples/Iris's flower, in cm
out=${ARM64_AOT_OUT:-/tmp/aot-arm64}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
start=$SECONDS

# Cross toolchain: the SDK links with clang --target=aarch64-linux-gnu and ld.bfd; clang takes crt files and libgcc
# from the gcc-cross tree, glibc from /usr/aarch64-linux-gnu.
packages=(clang binutils-aarch64-linux-gnu libc6-dev-arm64-cross libgcc-12-dev-arm64-cross qemu-user)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "== apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== dotnet publish (Native AOT, linux-arm64)"
proj=$(mktemp -d)
trap 'rm -rf "$proj"' EXIT
cat > "$proj/AotInference.csproj" <<EOF
<Project>
  <PropertyGroup>
    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
    <ImportDirectoryBuildTargets>false</ImportDirectoryBuildTargets>
  </PropertyGroup>
  <Import Project="Sdk.props" Sdk="Microsoft.NET.Sdk" />
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <RuntimeIdentifier>linux-arm64</RuntimeIdentifier>
    <PublishAot>true</PublishAot>
    <InvariantGlobalization>true</InvariantGlobalization>
    <ObjCopyName>aarch64-linux-gnu-objcopy</ObjCopyName>
    <LangVersion>latest</LangVersion>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <Compile Include="$repo/samples/AotInference/Program.cs" />
    <ProjectReference Include="$repo/src/Runtime/GenNN.Runtime.csproj" />
    <ProjectReference Include="$repo/src/Generator/GenNN.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
  </ItemGroup>
  <Import Project="$repo/src/Package/buildTransitive/GenNN.props" />
  <Import Project="Sdk.targets" Sdk="Microsoft.NET.Sdk" />
  <Import Project="$repo/src/Package/buildTransitive/GenNN.targets" />
</Project>
EOF
cat > "$proj/KernelPathProbe.cs" <<'EOF'
// Not part of the sample: says on stderr which kernels this binary runs, before the sample's code starts.
internal static class KernelPathProbe
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Report() => System.Console.Error.WriteLine($"kernel path: {IrisClassifier.KernelPath}");
}
EOF
dotnet publish "$proj" -c Release -o "$out" -v quiet -nologo
file "$out/AotInference"
echo "binary: $(stat -c %s "$out/AotInference") bytes"

echo "== qemu-aarch64 $out/AotInference $model ${features[*]}"
rc=0
qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/AotInference" "$model" "${features[@]}" >"$proj/stdout" 2>"$proj/stderr" || rc=$?
cat "$proj/stderr" "$proj/stdout"
[[ $rc -eq 0 ]] || { echo "AotInference exited with $rc" >&2; exit 1; }
grep -qE "^(setosa|versicolor|virginica) \(p = " "$proj/stdout" || { echo "unexpected output" >&2; exit 1; }
# NEON is ARM64's baseline: the binary must run the Vector128 kernels, not the scalar ones.
grep -qx "kernel path: Vector128" "$proj/stderr" || { echo "expected the Vector128 kernel path" >&2; exit 1; }
echo "== arm64 Native AOT ok ($((SECONDS - start)) s)"
