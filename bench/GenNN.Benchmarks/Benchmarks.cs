using System;
using BenchmarkDotNet.Attributes;

namespace GenNN.Bench
{
    /// <summary>One sample through 784-64-64-10 (target: at most 2.0 us) and through 4-16-3 (target: at most 15 ns).</summary>
    [MemoryDiagnoser]
    public class PredictOne
    {
        private readonly Mlp64 _mlp = new(seed: 1);
        private readonly Iris16 _iris = new(seed: 1);
        private readonly float[] _image = RandomData.Uniform(Mlp64.InputSize, seed: 2);
        private readonly float[] _flower = RandomData.Uniform(Iris16.InputSize, seed: 3);
        private readonly float[] _mlpOut = new float[Mlp64.OutputSize];
        private readonly float[] _irisOut = new float[Iris16.OutputSize];

        [Benchmark(Description = "784-64-64-10 Predict")]
        public float Mlp64_Predict()
        {
            _mlp.Predict(_image, _mlpOut);
            return _mlpOut[0];
        }

        [Benchmark(Description = "4-16-3 Predict")]
        public float Iris_Predict()
        {
            _iris.Predict(_flower, _irisOut);
            return _irisOut[0];
        }
    }

    /// <summary>PredictBatch of 1024 samples on 784-64-64-10 (target: at least PyTorch's samples per second).</summary>
    [MemoryDiagnoser]
    public class PredictBatch
    {
        public const int BatchSize = 1024;
        private readonly Mlp64 _mlp = new(seed: 1);
        private readonly float[] _inputs = RandomData.Uniform(BatchSize * Mlp64.InputSize, seed: 4);
        private readonly float[] _outputs = new float[BatchSize * Mlp64.OutputSize];

        [Benchmark(Description = "784-64-64-10 PredictBatch(1024)")]
        public float Mlp64_PredictBatch1024()
        {
            _mlp.PredictBatch(_inputs, _outputs, BatchSize);
            return _outputs[0];
        }
    }

    /// <summary>
    /// One training step (TrainBatch + Adam.Step) with batch 64; the batches cycle through a pool of 16 seeded random
    /// batches so the inputs stream from memory as in an epoch.
    /// </summary>
    [MemoryDiagnoser]
    public class TrainStep
    {
        public const int BatchSize = 64;
        private const int PoolBatches = 16;
        private readonly Mlp64 _mlp64 = new(seed: 1);
        private readonly Mlp256 _mlp256 = new(seed: 1);
        private readonly Adam _adam64 = new(1e-3f);
        private readonly Adam _adam256 = new(1e-3f);
        private readonly float[] _inputs = RandomData.Uniform(PoolBatches * BatchSize * 784, seed: 5);
        private readonly float[] _labels = RandomData.Labels(PoolBatches * BatchSize, 10, seed: 6);
        private int _batch64;
        private int _batch256;

        [Benchmark(Description = "784-64-64-10 TrainBatch(64) + Adam.Step")]
        public float Mlp64_TrainStep()
        {
            int b = _batch64++ % PoolBatches;
            float loss = _mlp64.TrainBatch(_inputs.AsSpan(b * BatchSize * 784, BatchSize * 784), _labels.AsSpan(b * BatchSize, BatchSize), BatchSize);
            _adam64.Step(_mlp64.Parameters, _mlp64.Gradients);
            return loss;
        }

        [Benchmark(Description = "784-256-128-10 TrainBatch(64) + Adam.Step")]
        public float Mlp256_TrainStep()
        {
            int b = _batch256++ % PoolBatches;
            float loss = _mlp256.TrainBatch(_inputs.AsSpan(b * BatchSize * 784, BatchSize * 784), _labels.AsSpan(b * BatchSize, BatchSize), BatchSize);
            _adam256.Step(_mlp256.Parameters, _mlp256.Gradients);
            return loss;
        }
    }

    /// <summary>Adam.Step alone over 1M parameters (2^20).</summary>
    [MemoryDiagnoser]
    public class AdamStep
    {
        public const int Count = 1 << 20;
        private readonly Adam _adam = new(1e-3f);
        private readonly float[] _parameters = RandomData.Uniform(Count, seed: 7);
        private readonly float[] _gradients = RandomData.Uniform(Count, seed: 8);

        [Benchmark(Description = "Adam.Step 1M parameters")]
        public void Adam_Step_1M() => _adam.Step(_parameters, _gradients);
    }

    /// <summary>
    /// What the non-finite checks cost next to a training step of 784-64-64-10 with batch 64 (issue 6: under 3%).
    /// TrainBatch includes the input scan; the scan alone, and Fit's per-step parameter guard (a copy before the
    /// optimizer step and a scan after it), are measured on the same sizes.
    /// </summary>
    [MemoryDiagnoser]
    public class NonFiniteChecks
    {
        public const int BatchSize = 64;
        private readonly Mlp64 _mlp = new(seed: 1);
        private readonly float[] _inputs = RandomData.Uniform(BatchSize * Mlp64.InputSize, seed: 5);
        private readonly float[] _labels = RandomData.Labels(BatchSize, 10, seed: 6);
        private readonly float[] _copy = new float[Mlp64.ParameterCount];

        [Benchmark(Baseline = true, Description = "784-64-64-10 TrainBatch(64)")]
        public float Mlp64_TrainBatch() => _mlp.TrainBatch(_inputs, _labels, BatchSize);

        [Benchmark(Description = "Guard.FiniteInputs(64 x 784)")]
        public void Guard_FiniteInputs() => Kernels.Guard.FiniteInputs(_inputs, Mlp64.InputSize);

        [Benchmark(Description = "Fit step guard: copy + scan of 55,050 parameters")]
        public void Fit_StepGuard()
        {
            _mlp.Parameters.CopyTo(_copy);
            Kernels.Guard.FiniteInputs(_mlp.Parameters, 1);
        }
    }
}
