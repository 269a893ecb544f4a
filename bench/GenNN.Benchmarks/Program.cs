// BenchmarkDotNet suite for issue 3's cases, one job per ISA path the generated code has.
//   dotnet run -c Release --project bench/GenNN.Benchmarks -- --filter '*'            full run (3 jobs x 7 benchmarks)
//   dotnet run -c Release --project bench/GenNN.Benchmarks -- --filter '*' --quick    smoke run (few iterations)
// Any other argument goes to BenchmarkDotNet (--filter '*Predict*', --list flat, --exporters json, ...).
using System;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using GenNN.Bench;

bool quick = args.Contains("--quick");
string[] rest = args.Where(a => a != "--quick").ToArray();
BenchmarkSwitcher.FromAssembly(typeof(IsaConfig).Assembly).Run(rest, new IsaConfig(quick));

namespace GenNN.Bench
{
    /// <summary>
    /// Three jobs: the default (Vector512 on AVX-512 machines), <c>DOTNET_EnableAVX512=0</c> (Vector256 bodies) and
    /// <c>DOTNET_EnableHWIntrinsic=0</c> (scalar bodies). <c>--quick</c> shortens each job for smoke runs.
    /// </summary>
    public sealed class IsaConfig : ManualConfig
    {
        public IsaConfig(bool quick)
        {
            Job baseJob = quick
                ? Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(3)
                : Job.Default;
            AddJob(baseJob.AsBaseline().WithId("Default"));
            AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX512", "0")).WithId("NoAvx512"));
            AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableHWIntrinsic", "0")).WithId("Scalar"));
            // The jobs differ only in environment; keep the default columns, loggers and exporters.
            UnionRule = ConfigUnionRule.AlwaysUseLocal;
            foreach (IConfig defaults in new[] { DefaultConfig.Instance })
            {
                AddColumnProvider(defaults.GetColumnProviders().ToArray());
                AddLogger(defaults.GetLoggers().ToArray());
                AddExporter(defaults.GetExporters().ToArray());
                AddAnalyser(defaults.GetAnalysers().ToArray());
                AddValidator(defaults.GetValidators().ToArray());
            }

            WithOptions(ConfigOptions.JoinSummary);
            // BenchmarkDotNet builds its own project first; 2 minutes is not enough on a busy 2-core machine.
            WithBuildTimeout(TimeSpan.FromMinutes(15));
        }
    }
}
