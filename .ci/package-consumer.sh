#!/usr/bin/env bash
# The GenNN package as a user gets it: pack the solution into a local folder feed, then build a project that
# lives outside the repo and references only the package (tests/PackageConsumer, with the README's quick start
# as its Program.cs). It trains Iris, saves, loads and predicts with the JIT, then again as a Native AOT binary
# published with default settings; both must print the same predictions.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed=$work/feed
app=$work/app

fail() { echo "package-consumer: $*" >&2; exit 1; }
zip_entries() {  # one entry name per line
  if command -v unzip >/dev/null; then unzip -Z1 "$1"
  else python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; fi
}
zip_entry() {  # the text of one entry
  if command -v unzip >/dev/null; then unzip -p "$1" "$2"
  else python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' "$1" "$2"; fi
}

echo "== pack: dotnet pack gen-nn.sln -> local feed"
dotnet pack gen-nn.sln -c Release -o "$feed"
nupkg=$(cd "$feed" && ls GenNN.[0-9]*.nupkg)
version=${nupkg#GenNN.}
version=${version%.nupkg}
# Only GenNN and the optional GenNN.Plotting (and their symbols) are meant to be published: every other project has
# IsPackable=false.
expected="GenNN.$version.nupkg GenNN.$version.snupkg GenNN.Plotting.$version.nupkg GenNN.Plotting.$version.snupkg "
[ "$(cd "$feed" && ls | LC_ALL=C sort | tr '\n' ' ')" = "$expected" ] \
  || fail "expected only $expected in the feed, got: $(ls "$feed")"
entries=$(zip_entries "$feed/$nupkg")
for entry in README.md buildTransitive/GenNN.props buildTransitive/GenNN.targets analyzers/dotnet/cs/GenNN.Generator.dll \
             lib/net8.0/GenNN.Runtime.dll lib/net8.0/GenNN.Attributes.dll \
             lib/net10.0/GenNN.Runtime.dll lib/net10.0/GenNN.Attributes.dll; do
  grep -qx "$entry" <<<"$entries" || fail "$nupkg has no $entry"
done
grep -qx "lib/net10.0/GenNN.Runtime.pdb" <<<"$(zip_entries "$feed/GenNN.$version.snupkg")" \
  || fail "GenNN.$version.snupkg has no lib/net10.0/GenNN.Runtime.pdb"
# GenNN.Plotting holds only its own assembly and depends on the GenNN package (which carries the runtime), never on
# a GenNN.Runtime package that does not exist.
plotting="$feed/GenNN.Plotting.$version.nupkg"
for entry in lib/net8.0/GenNN.Plotting.dll lib/net10.0/GenNN.Plotting.dll; do
  grep -qx "$entry" <<<"$(zip_entries "$plotting")" || fail "GenNN.Plotting.$version.nupkg has no $entry"
done
! grep -q "GenNN.Runtime.dll" <<<"$(zip_entries "$plotting")" || fail "GenNN.Plotting.$version.nupkg contains the runtime"
nuspec=$(zip_entry "$plotting" GenNN.Plotting.nuspec)
grep -q "<dependency id=\"GenNN\" version=\"$version\"" <<<"$nuspec" || fail "GenNN.Plotting does not depend on GenNN $version"
grep -q "<dependency id=\"OxyPlot.Core\"" <<<"$nuspec" || fail "GenNN.Plotting does not depend on OxyPlot.Core"
! grep -q "GenNN.Runtime" <<<"$nuspec" || fail "GenNN.Plotting depends on GenNN.Runtime, which is not a package"
echo "GenNN $version: $(grep -c . <<<"$entries") entries, layout as expected"

echo "== consumer: a copy of tests/PackageConsumer outside the repo, Program.cs = the README's quick start"
mkdir -p "$app"
cp "$repo"/tests/PackageConsumer/{PackageConsumer.csproj,Directory.Build.props,ConsumerReport.cs} "$app/"
cp "$repo/samples/Iris/iris.csv" "$app/"
# The first csharp block under "## Quick start", verbatim, plus one call that prints every test prediction,
# inserted just before the network declaration (and the comments above it) that closes the block.
awk '/^## Quick start/ { q = 1 } q && /^```csharp/ { b = 1; next } b && /^```/ { exit } b { print }' README.md \
  > "$work/quickstart.cs"
[ -s "$work/quickstart.cs" ] || fail "no csharp block under '## Quick start' in README.md"
awk -v call='ConsumerReport.Print(loaded, test);' '
  { line[NR] = $0 }
  END {
    for (i = 1; i <= NR; i++) if (line[i] ~ /^\[/) { at = i; break }
    if (!at) exit 1
    while (at > 1 && line[at - 1] ~ /^\/\//) at--
    for (i = 1; i <= NR; i++) { if (i == at) print call; print line[i] }
  }' "$work/quickstart.cs" > "$app/Program.cs" || fail "the README quick start has no [Network] declaration"
# The feed plus the sources already configured (no <clear/>), as `dotnet nuget add source` would leave them.
cat > "$app/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="gen-nn-local" value="$feed" />
  </packageSources>
</configuration>
EOF
# A re-pack of the same version must not be served stale from the global packages folder.
packages=$(dotnet nuget locals global-packages --list | sed -E 's/^[^:]*: *//')
rm -rf "${packages%/}/gennn/$version"

cd "$app"
props=(-c Release -p:GenNNVersion="$version")

echo "== consumer: the package README's example compiles, and GenNNVectorWidth reaches the generator"
# Built in a copy of the consumer with docs/package-readme.md's example as Program.cs. An unknown
# GenNNVectorWidth must reach the generator (buildTransitive/GenNN.props), which then warns GNN0013.
cp -r "$app" "$work/readme-app"
awk '/^```csharp/ { b = 1; next } b && /^```/ { exit } b { print }' "$repo/docs/package-readme.md" \
  > "$work/readme-app/Program.cs"
(cd "$work/readme-app" && dotnet build "${props[@]}" -p:GenNNVectorWidth=bogus) > "$work/width.log" 2>&1 \
  || { cat "$work/width.log"; fail "the package README's example does not build"; }
grep -q "GNN0013" "$work/width.log" || { cat "$work/width.log"; fail "GenNNVectorWidth did not reach the generator"; }
echo "builds; GNN0013 reported for GenNNVectorWidth=bogus: the generator sees the property"

echo "== consumer: JIT (dotnet run -c Release; DOTNET_EnableAVX512=0, the widest path a default AOT binary takes)"
DOTNET_EnableAVX512=0 dotnet run "${props[@]}" | tee "$work/jit.txt"

echo "== consumer: Native AOT (dotnet publish -c Release -p:PublishAot=true, default settings)"
dotnet publish "${props[@]}" -p:PublishAot=true -o "$work/aot" 2>&1 | tee "$work/publish.log"
! grep -qE "warning (IL|CS|GNN)[0-9]+" "$work/publish.log" || fail "Native AOT publish printed warnings"
rm -f iris.safetensors
"$work/aot/PackageConsumer" | tee "$work/aot.txt"
echo "AOT binary: $(stat -c %s "$work/aot/PackageConsumer") bytes"

echo "== kernel paths"
jit_path=$(sed -n 's/^kernel path: //p' "$work/jit.txt"); aot_path=$(sed -n 's/^kernel path: //p' "$work/aot.txt")
echo "JIT: $jit_path, Native AOT: $aot_path"
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  [ "$aot_path" = Vector256 ] || fail "the default Native AOT binary runs $aot_path on a CPU with AVX2 and FMA, expected Vector256"
fi

echo "== compare: JIT vs Native AOT predictions"
grep "^prediction " "$work/jit.txt" > "$work/jit.pred"
grep "^prediction " "$work/aot.txt" > "$work/aot.pred"
[ -s "$work/jit.pred" ] || fail "the JIT run printed no predictions"
if cmp -s "$work/jit.pred" "$work/aot.pred"; then
  echo "identical: $(wc -l < "$work/jit.pred") test samples, probabilities printed in round-trip form"
elif [ "$jit_path" = "$aot_path" ]; then
  fail "the JIT and the AOT binary run the same $aot_path kernels but print different predictions"
else
  # Different kernel bodies (another ISA than the JIT's) round differently, in training and in Predict;
  # allow 1e-6 on each probability.
  awk '
    NR == FNR { jit[FNR] = $0; n = FNR; next }
    {
      split(jit[FNR], a, " "); split($0, b, " ")
      for (i = 3; i <= 5; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > worst) worst = d }
      m = FNR
    }
    END {
      if (m != n) { printf "JIT printed %d predictions, AOT %d\n", n, m; exit 1 }
      printf "not bit-identical: largest difference %.3g over %d samples\n", worst, n
      exit worst > 1e-6
    }' "$work/jit.pred" "$work/aot.pred" || fail "AOT predictions differ from the JIT's by more than 1e-6"
fi
echo "package-consumer: passed in $((SECONDS - start)) s"
