using System.Buffers.Binary;
using System.Threading;
using GenNN.Serialization;
using GenNN.Tests.Numerics;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

/// <summary>
/// The model file carries its preprocessing: a fitted standardizer, class names and feature names are saved with the
/// weights, restored by Load, validated like the rest of the file, and applied by PredictRaw.
/// </summary>
public sealed class PreprocessingFileTests : IDisposable
{
    private static readonly string[] Classes = { "setosa", "versicolor", "virginica" };
    private static readonly string[] Features = { "sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)" };

    private readonly string _directory = Directory.CreateTempSubdirectory("gen-nn-prep-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    /// <summary>Means and scales that are not round, so that a misplaced or truncated element shows.</summary>
    private static Standardizer Scaler() => new(
        new[] { 5.843f, 3.0573f, 3.758f, 1.1993f },
        new[] { 0.8253f, 0.4344f, 1.7594f, 0.7596f });

    private static ModelPreprocessing Full() => new(Scaler(), Classes, Features);

    /// <summary>A valid file with preprocessing, parsed by the tests' own parser, to be spoiled by a test.</summary>
    private static Parsed ValidParsed()
    {
        var network = new TorchMlp(seed: 3) { Preprocessing = Full() };
        using var stream = new MemoryStream();
        network.Save(stream);
        return Parse(stream.ToArray());
    }

    /// <summary>Rebuilds a file from parts with a correct checksum, so that the check under test is the one that fails.</summary>
    private static byte[] Rebuild(List<RawTensor> tensors, byte[] data, Dictionary<string, string> metadata)
    {
        metadata["sha256"] = Sha256Hex(data);
        return Build(tensors, data, metadata);
    }

    /// <summary>Loads <paramref name="file"/> through the generated class, from a path and from a stream.</summary>
    private InvalidDataException Reject(byte[] file)
    {
        string path = Path.Combine(_directory, "bad.safetensors");
        File.WriteAllBytes(path, file);
        var e = Assert.Throws<InvalidDataException>(() => TorchMlp.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Equal(e.Message, path + ": " + Assert.Throws<InvalidDataException>(() => TorchMlp.Load(new MemoryStream(file))).Message);
        return e;
    }

    [Fact]
    public void SaveThenLoadRestoresTheStandardizerAndTheNames()
    {
        var network = new TorchMlp(seed: 5) { Preprocessing = Full() };
        string path = Path.Combine(_directory, "mlp.safetensors");

        network.Save(path);
        TorchMlp loaded = TorchMlp.Load(path);
        using var stream = new MemoryStream();
        network.Save(stream);
        stream.Position = 0;
        TorchMlp fromStream = TorchMlp.Load(stream);

        foreach (TorchMlp copy in new[] { loaded, fromStream })
        {
            Assert.Equal(network.Parameters.ToArray(), copy.Parameters.ToArray());
            ModelPreprocessing p = Assert.IsType<ModelPreprocessing>(copy.Preprocessing);
            Assert.NotNull(p.Standardizer);
            AssertBitwiseEqual(Scaler().Mean.ToArray(), p.Standardizer!.Mean.ToArray());
            AssertBitwiseEqual(Scaler().Scale.ToArray(), p.Standardizer.Scale.ToArray());
            Assert.Equal(Classes, p.ClassNames);
            Assert.Equal(Features, p.FeatureNames);
        }
    }

    [Fact]
    public void EachPartIsOptional()
    {
        foreach (ModelPreprocessing stored in new[]
                 {
                     new ModelPreprocessing(Scaler()),
                     new ModelPreprocessing(classNames: Classes),
                     new ModelPreprocessing(featureNames: Features),
                 })
        {
            var network = new TorchMlp(seed: 1) { Preprocessing = stored };
            using var stream = new MemoryStream();
            network.Save(stream);
            stream.Position = 0;

            ModelPreprocessing p = TorchMlp.Load(stream).Preprocessing!;
            Assert.Equal(stored.Standardizer?.Mean.ToArray(), p.Standardizer?.Mean.ToArray());
            Assert.Equal(stored.ClassNames, p.ClassNames);
            Assert.Equal(stored.FeatureNames, p.FeatureNames);
        }
    }

    [Fact]
    public void WithoutPreprocessingTheFileIsUnchangedAndLoadsWithNone()
    {
        var network = new TorchMlp(seed: 5);
        using var plain = new MemoryStream();
        network.Save(plain);

        Parsed parsed = Parse(plain.ToArray());
        Assert.DoesNotContain(parsed.Tensors, t => t.Name.StartsWith("gennn.", StringComparison.Ordinal));
        Assert.DoesNotContain(parsed.Metadata!.Keys, k => k.StartsWith("gennn.", StringComparison.Ordinal));
        Assert.Equal(TorchMlp.ParameterCount * 4, parsed.Data.Length);

        plain.Position = 0;
        TorchMlp loaded = TorchMlp.Load(plain);
        Assert.Null(loaded.Preprocessing);
        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Fact]
    public void FilesWrittenBeforePreprocessingExistedStillLoad()
    {
        // Written by PyTorch's safetensors (Data/make_torch_safetensors.py), with and without its own metadata.
        Assert.Null(TorchMlp.Load(DataPath("torch_mlp.safetensors")).Preprocessing);
        Assert.Null(TorchMlp.Load(DataPath("torch_mlp_pt_metadata.safetensors")).Preprocessing);
    }

    [Fact]
    public void PyTorchReadersSeeTheWeightsUnderTheirUsualNamesAndBytes()
    {
        var network = new TorchMlp(seed: 8);
        using var plain = new MemoryStream();
        network.Save(plain);
        network.Preprocessing = Full();
        using var withPreprocessing = new MemoryStream();
        network.Save(withPreprocessing);

        Parsed before = Parse(plain.ToArray());
        Parsed after = Parse(withPreprocessing.ToArray());

        // Every weight keeps its name, dtype, shape, offsets and bytes; the extras are namespaced and come last.
        foreach (RawTensor weight in before.Tensors)
        {
            RawTensor same = Assert.Single(after.Tensors, t => t.Name == weight.Name);
            Assert.Equal(weight, same with { Shape = weight.Shape });
            Assert.Equal(weight.Shape, same.Shape);
            Assert.Equal(before.Data.AsSpan((int)weight.Begin, (int)(weight.End - weight.Begin)).ToArray(),
                after.Data.AsSpan((int)same.Begin, (int)(same.End - same.Begin)).ToArray());
        }

        Assert.Equal(new[] { SafeTensors.StandardizerMeanName, SafeTensors.StandardizerScaleName },
            after.Tensors.Skip(before.Tensors.Count).Select(t => t.Name));
        RawTensor mean = after.Tensors[^2], scale = after.Tensors[^1];
        Assert.Equal("F32", mean.DType);
        Assert.Equal(new long[] { TorchMlp.InputSize }, mean.Shape);
        Assert.Equal(new long[] { TorchMlp.InputSize }, scale.Shape);
        Assert.Equal(Scaler().Mean.ToArray(), Floats(after.Data, mean));
        Assert.Equal(Scaler().Scale.ToArray(), Floats(after.Data, scale));

        // The names are JSON arrays in string-valued metadata, as the safetensors format requires.
        Assert.Equal("[\"setosa\",\"versicolor\",\"virginica\"]", after.Metadata![SafeTensors.ClassNamesKey]);
        Assert.Equal("[\"sepal length (cm)\",\"sepal width (cm)\",\"petal length (cm)\",\"petal width (cm)\"]",
            after.Metadata[SafeTensors.FeatureNamesKey]);

        // The checksum covers the stored statistics too.
        Assert.Equal(Sha256Hex(after.Data), after.Metadata["sha256"]);
    }

    private static float[] Floats(byte[] data, RawTensor tensor) => Enumerable.Range(0, (int)(tensor.End - tensor.Begin) / 4)
        .Select(k => BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan((int)tensor.Begin + 4 * k))).ToArray();

    [Fact]
    public void AForeignFileMayCarryPreprocessingToo()
    {
        // A PyTorch user can attach the scaler and labels to a state_dict file: the keys are namespaced, not gen-nn's.
        ModelLayout layout = Dense(TorchMlp.Topology, Loss.SoftmaxCrossEntropy, 4, 5, 3);
        float[] parameters = Values(layout.ParameterCount);
        Parsed torch = Parse(TorchStyle(layout, parameters));
        var data = torch.Data.ToList();
        var tensors = new List<RawTensor>(torch.Tensors);
        foreach (var (name, values) in new[] { (SafeTensors.StandardizerMeanName, Scaler().Mean.ToArray()), (SafeTensors.StandardizerScaleName, Scaler().Scale.ToArray()) })
        {
            long begin = data.Count;
            foreach (float v in values)
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(bytes, v);
                data.AddRange(bytes);
            }

            tensors.Add(new RawTensor(name, "F32", new long[] { 4 }, begin, data.Count));
        }

        byte[] file = Build(tensors, data.ToArray(), new Dictionary<string, string> { [SafeTensors.ClassNamesKey] = "[\"a\",\"b\",\"c\"]" });

        var destination = new float[layout.ParameterCount];
        ModelPreprocessing? p = SafeTensors.Read(new MemoryStream(file), layout, destination);
        AssertBitwiseEqual(parameters, destination);
        Assert.Equal(Scaler().Scale.ToArray(), p!.Standardizer!.Scale.ToArray());
        Assert.Equal(new[] { "a", "b", "c" }, p.ClassNames);
        Assert.Null(p.FeatureNames);
    }

    [Fact]
    public void PredictRawEqualsTransformThenPredict()
    {
        var network = new TorchMlp(seed: 11) { Preprocessing = Full() };
        var random = new Random(12);
        var raw = new float[TorchMlp.InputSize];
        var standardized = new float[TorchMlp.InputSize];
        var expected = new float[TorchMlp.OutputSize];
        var actual = new float[TorchMlp.OutputSize];
        for (int s = 0; s < 50; s++)
        {
            for (int i = 0; i < raw.Length; i++)
            {
                raw[i] = (float)(random.NextDouble() * 8);
            }

            Scaler().Transform(raw, standardized);
            network.Predict(standardized, expected);
            network.PredictRaw(raw, actual);
            AssertBitwiseEqual(expected, actual);

            int best = Array.IndexOf(expected, expected.Max());
            Assert.Equal(Classes[best], network.PredictClassName(raw));
            Array.Clear(actual);
            Assert.Equal(Classes[best], network.PredictClassName(raw, actual));
            AssertBitwiseEqual(expected, actual);
        }
    }

    [Fact]
    public void PredictRawAfterLoadUsesTheStoredStandardizer()
    {
        var network = new TorchMlp(seed: 13) { Preprocessing = Full() };
        string path = Path.Combine(_directory, "raw.safetensors");
        network.Save(path);
        TorchMlp loaded = TorchMlp.Load(path);

        float[] raw = { 6.1f, 2.8f, 4.7f, 1.2f };
        var expected = new float[TorchMlp.OutputSize];
        var actual = new float[TorchMlp.OutputSize];
        network.PredictRaw(raw, expected);
        loaded.PredictRaw(raw, actual);
        AssertBitwiseEqual(expected, actual);
    }

    [Fact]
    public void PredictRawWithoutAStandardizerThrowsInsteadOfGuessing()
    {
        var output = new float[TorchMlp.OutputSize];
        var features = new float[TorchMlp.InputSize];

        var none = new TorchMlp(seed: 1);
        var e = Assert.Throws<InvalidOperationException>(() => none.PredictRaw(features, output));
        Assert.Contains("TorchMlp has no stored standardizer", e.Message);

        var namesOnly = new TorchMlp(seed: 1) { Preprocessing = new ModelPreprocessing(classNames: Classes) };
        Assert.Contains("no stored standardizer", Assert.Throws<InvalidOperationException>(() => namesOnly.PredictRaw(features, output)).Message);

        var scalerOnly = new TorchMlp(seed: 1) { Preprocessing = new ModelPreprocessing(Scaler()) };
        Assert.Contains("no stored class names", Assert.Throws<InvalidOperationException>(() => scalerOnly.PredictClassName(features)).Message);
    }

    [Fact]
    public void PredictRawChecksLengthsAndPredictClassNameRejectsNaNOutputs()
    {
        var network = new TorchMlp(seed: 1) { Preprocessing = Full() };
        var output = new float[TorchMlp.OutputSize];

        var e = Assert.Throws<ArgumentException>(() => network.PredictRaw(new float[8], output));
        Assert.Equal("features", e.ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => network.PredictRaw(new float[4], new float[2])).ParamName);

        // NaN outputs (here from a NaN bias; with NaN propagation also from a NaN feature) name no class.
        float[] raw = { 6.1f, 2.8f, 4.7f, 1.2f };
        network.Parameters[^1] = float.NaN;
        network.PredictRaw(raw, output);
        Assert.Contains(output, float.IsNaN);
        var c = Assert.Throws<ArgumentException>(() => network.PredictClassName(raw));
        Assert.Contains("is NaN, so no class can be chosen", c.Message);
        Assert.Equal("features", c.ParamName);
    }

    [Fact]
    public void BinaryClassifiersTakeTwoClassNamesAndThresholdAtOneHalf()
    {
        var network = new Bce_I17_Tanh16_Relu33_Sig1();
        var scaler = new Standardizer(new float[17], Enumerable.Repeat(1f, 17).ToArray());
        Assert.Throws<ArgumentException>(() => network.Preprocessing = new ModelPreprocessing(scaler, new[] { "yes" }));
        network.Preprocessing = new ModelPreprocessing(scaler, new[] { "no", "yes" });

        var random = new Random(3);
        var features = new float[17];
        var output = new float[1];
        for (int s = 0; s < 20; s++)
        {
            for (int i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 4 - 2);
            string name = network.PredictClassName(features, output);
            Assert.Equal(output[0] > 0.5f ? "yes" : "no", name);
        }

        // An output of exactly 0.5 (a logit of 0) is class 0, as Trainer.Evaluate's accuracy and Keras' binary accuracy
        // count it; PredictClassName named class 1.
        network.Parameters.Clear();
        Assert.Equal("no", network.PredictClassName(features, output));
        Assert.Equal(0.5f, output[0]);
    }

    [Fact]
    public void SettingPreprocessingThatDoesNotFitThrows()
    {
        var network = new TorchMlp(seed: 1);
        var three = new Standardizer(new float[3], new[] { 1f, 1f, 1f });

        var e = Assert.Throws<ArgumentException>(() => network.Preprocessing = new ModelPreprocessing(three));
        Assert.Contains("standardizer has 3 features; expected 4 (InputSize)", e.Message);
        e = Assert.Throws<ArgumentException>(() => network.Preprocessing = new ModelPreprocessing(classNames: new[] { "a", "b" }));
        Assert.Contains("Expected 3 class names", e.Message);
        Assert.Contains("got 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => network.Preprocessing = new ModelPreprocessing(featureNames: new[] { "x" }));
        Assert.Contains("Expected 4 feature names (InputSize), got 1", e.Message);
        Assert.Null(network.Preprocessing);

        var regression = new Mse_I3_Lin7_Lin3();
        e = Assert.Throws<ArgumentException>(() => regression.Preprocessing = new ModelPreprocessing(classNames: new[] { "a", "b", "c" }));
        Assert.Contains("MeanSquaredError network predicts values, not classes", e.Message);
        regression.Preprocessing = new ModelPreprocessing(three, featureNames: new[] { "x", "y", "z" });
        Assert.NotNull(regression.Preprocessing);
    }

    [Fact]
    public void ModelPreprocessingCopiesAndChecksItsNames()
    {
        var names = new List<string> { "a", "b", "c" };
        var p = new ModelPreprocessing(classNames: names);
        names[0] = "changed";
        Assert.Equal("a", p.ClassNames![0]);
        Assert.False(p.ClassNames is string[], "the names must not be exposed as a mutable array");

        Assert.Contains("Name 1 is null", Assert.Throws<ArgumentException>(() => new ModelPreprocessing(classNames: new[] { "a", null! })).Message);
        Assert.Contains("4 features but 2 feature names",
            Assert.Throws<ArgumentException>(() => new ModelPreprocessing(Scaler(), featureNames: new[] { "a", "b" })).Message);
    }

    [Fact]
    public void AWrongLengthMeanIsRejectedNamingTheTensorAndTheShape()
    {
        Parsed p = ValidParsed();
        // Drop the mean's last element: shape [3] and offsets to match, the scale moved down.
        RawTensor mean = p.Tensors[^2], scale = p.Tensors[^1];
        var data = p.Data.Take((int)mean.End - 4).Concat(p.Data.Skip((int)scale.Begin)).ToArray();
        var tensors = p.Tensors.Take(p.Tensors.Count - 2).Append(mean with { Shape = new long[] { 3 }, End = mean.End - 4 })
            .Append(scale with { Begin = scale.Begin - 4, End = scale.End - 4 }).ToList();

        var e = Reject(Rebuild(tensors, data, p.Metadata!));
        Assert.Contains("Tensor 'gennn.standardizer.mean' has shape [3]; expected [4]", e.Message);
    }

    [Fact]
    public void AStandardizerTensorOfAnotherDtypeIsRejected()
    {
        Parsed p = ValidParsed();
        var tensors = p.Tensors.Select(t => t.Name == SafeTensors.StandardizerScaleName ? t with { DType = "I32" } : t).ToList();

        var e = Reject(Rebuild(tensors, p.Data, p.Metadata!));
        Assert.Contains("Tensor 'gennn.standardizer.scale' has dtype I32; expected F32", e.Message);
    }

    [Fact]
    public void AMeanWithoutAScaleIsRejected()
    {
        Parsed p = ValidParsed();
        RawTensor scale = p.Tensors[^1];
        var e = Reject(Rebuild(p.Tensors.Take(p.Tensors.Count - 1).ToList(), p.Data.Take((int)scale.Begin).ToArray(), p.Metadata!));
        Assert.Contains("Missing tensor 'gennn.standardizer.scale' [4]", e.Message);
    }

    [Theory]
    [InlineData(SafeTensors.StandardizerScaleName, 2, float.NaN, "element 2 is NaN; expected a finite scale greater than 0")]
    [InlineData(SafeTensors.StandardizerScaleName, 0, float.PositiveInfinity, "element 0 is Infinity; expected a finite scale greater than 0")]
    [InlineData(SafeTensors.StandardizerScaleName, 3, 0f, "element 3 is 0; expected a finite scale greater than 0")]
    [InlineData(SafeTensors.StandardizerScaleName, 1, -0.5f, "element 1 is -0.5; expected a finite scale greater than 0")]
    [InlineData(SafeTensors.StandardizerMeanName, 1, float.NegativeInfinity, "element 1 is -Infinity; expected a finite mean")]
    public void ANonFiniteOrNonPositiveStatisticIsRejected(string tensor, int element, float value, string message)
    {
        Parsed p = ValidParsed();
        RawTensor t = p.Tensors.Single(x => x.Name == tensor);
        byte[] data = p.Data.ToArray();
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan((int)t.Begin + 4 * element), value);

        var e = Reject(Rebuild(p.Tensors, data, p.Metadata!));
        Assert.Contains("Tensor '" + tensor + "' " + message, e.Message);
    }

    [Fact]
    public void TheChecksumCoversTheStoredStatistics()
    {
        Parsed p = ValidParsed();
        byte[] data = p.Data.ToArray();
        data[(int)p.Tensors[^2].Begin] ^= 1; // the mean's first byte, checksum not updated

        var e = Reject(Build(p.Tensors, data, p.Metadata!));
        Assert.Contains("Checksum mismatch", e.Message);
    }

    [Theory]
    [InlineData(SafeTensors.ClassNamesKey, "[\"setosa\",\"versicolor\"]", "Metadata 'gennn.class_names' does not fit the network: Expected 3 class names")]
    [InlineData(SafeTensors.FeatureNamesKey, "[\"a\",\"b\",\"c\",\"d\",\"e\"]", "Metadata 'gennn.feature_names' does not fit the network: Expected 4 feature names (InputSize), got 5")]
    [InlineData(SafeTensors.ClassNamesKey, "[\"setosa\",\"versicolor\"", "Malformed metadata: expected 'gennn.class_names' to be a JSON array of strings")]
    [InlineData(SafeTensors.ClassNamesKey, "setosa,versicolor,virginica", "Malformed metadata: expected 'gennn.class_names' to be a JSON array of strings")]
    [InlineData(SafeTensors.ClassNamesKey, "{\"0\":\"setosa\"}", "expected 'gennn.class_names' to be a JSON array of strings, found an object")]
    [InlineData(SafeTensors.FeatureNamesKey, "[\"a\",2,\"c\",\"d\"]", "expected 'gennn.feature_names' to be a JSON array of strings, found a number at index 1")]
    [InlineData(SafeTensors.ClassNamesKey, "[\"a\",null,\"c\"]", "found null at index 1")]
    [InlineData(SafeTensors.ClassNamesKey, "[\"setosa\",\"virginica\",\"setosa\"]", "does not fit the network: Class names 0 and 2 are both 'setosa'; expected a distinct name per class")]
    public void BadNamesAreRejected(string key, string value, string message)
    {
        Parsed p = ValidParsed();
        p.Metadata![key] = value;

        var e = Reject(Rebuild(p.Tensors, p.Data, p.Metadata));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void RepeatedClassNamesAreRejectedWhereverNamesAreGiven()
    {
        // PredictClassName could not tell two classes of one name apart; feature names may repeat (pandas allows it).
        var e = Assert.Throws<ArgumentException>(() => new ModelPreprocessing(classNames: new[] { "cat", "dog", "cat" }));
        Assert.Equal("classNames", e.ParamName);
        Assert.StartsWith("Class names 0 and 2 are both 'cat'; expected a distinct name per class", e.Message);
        Assert.Equal(2, new ModelPreprocessing(featureNames: new[] { "x", "x" }).FeatureNames!.Count);
        Assert.Equal(2, new ModelPreprocessing(classNames: new[] { "Cat", "cat" }).ClassNames!.Count); // ordinal, as the CSV reader tells labels apart

        var d = Assert.Throws<ArgumentException>(() => new Dataset(new float[6], 2, new float[] { 0, 1, 2 }) { ClassNames = new[] { "a", "b", "b" } });
        Assert.Equal("ClassNames", d.ParamName);
        Assert.StartsWith("Class names 1 and 2 are both 'b'", d.Message);
    }

    [Fact]
    public void ALayoutThatDoesNotStateItsSizesCannotCarryPreprocessing()
    {
        ModelLayout sized = Dense(SafeTensorsTestFiles.Topology, Loss.SoftmaxCrossEntropy, 4, 3, 2);
        ModelLayout unsized = sized with { InputSize = 0, OutputSize = 0 };
        float[] parameters = Values(sized.ParameterCount);
        var p = new ModelPreprocessing(Scaler(), new[] { "a", "b" });

        var e = Assert.Throws<ArgumentException>(() => Write(unsized, parameters, p));
        Assert.Contains("does not state InputSize and OutputSize", e.Message);

        // Such a layout reads files without preprocessing as before, and names the stored statistics it cannot check.
        AssertBitwiseEqual(parameters, Read(Write(sized, parameters), unsized));
        var r = Assert.Throws<InvalidDataException>(() => Read(Write(sized, parameters, p), unsized));
        Assert.Contains("Unexpected tensors 'gennn.standardizer.mean', 'gennn.standardizer.scale'", r.Message);
    }

    [Fact]
    public void WriteRejectsPreprocessingThatDoesNotFitTheLayout()
    {
        ModelLayout layout = Dense(SafeTensorsTestFiles.Topology, Loss.SoftmaxCrossEntropy, 4, 3, 2);
        var e = Assert.Throws<ArgumentException>(() => Write(layout, Values(layout.ParameterCount), new ModelPreprocessing(classNames: Classes)));
        Assert.Equal("preprocessing", e.ParamName);
        Assert.Contains("Expected 2 class names", e.Message);
    }

    [Fact]
    public void PredictRawAndPredictClassNameAllocateNothingAfterWarmUp()
    {
        var network = new TorchMlp(seed: 2) { Preprocessing = Full() };
        float[] raw = { 6.1f, 2.8f, 4.7f, 1.2f };
        var output = new float[TorchMlp.OutputSize];
        int length = 0;

        void Run(int iterations)
        {
            for (int i = 0; i < iterations; i++)
            {
                network.PredictRaw(raw, output);
                length += network.PredictClassName(raw).Length;
                length += network.PredictClassName(raw, output).Length;
            }
        }

        // The suite's one way to measure it: a warm-up, then windows until one allocates nothing (a method promoted to
        // tier 1 mid-window allocates once; an allocation per call recurs in every window).
        long allocated = Allocation.InLastWindow(Run);
        Assert.True(allocated == 0, $"200 rounds of PredictRaw + PredictClassName (both overloads) allocated {allocated} bytes.");
        Assert.True(length > 0);
    }

    [Fact]
    public void PredictRawFromFourThreadsMatchesSequential()
    {
        var network = new TorchMlp(seed: 4) { Preprocessing = Full() };
        const int samples = 101;
        var random = new Random(5);
        float[] raw = Enumerable.Range(0, samples * TorchMlp.InputSize).Select(_ => (float)(random.NextDouble() * 8)).ToArray();
        var expected = new float[samples * TorchMlp.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            network.PredictRaw(raw.AsSpan(s * 4, 4), expected.AsSpan(s * 3, 3));
        }

        var results = new float[4][];
        using var start = new Barrier(4);
        var errors = new Exception?[4];
        var threads = Enumerable.Range(0, 4).Select(id => new Thread(() =>
        {
            try
            {
                results[id] = new float[expected.Length];
                start.SignalAndWait();
                // Each thread walks the samples in its own order (101 is prime), many times, so calls overlap.
                for (int round = 0; round < 20; round++)
                {
                    for (int k = 0; k < samples; k++)
                    {
                        int s = (k * (id + 1) * 7 + round) % samples;
                        network.PredictRaw(raw.AsSpan(s * 4, 4), results[id].AsSpan(s * 3, 3));
                    }
                }
            }
            catch (Exception e)
            {
                errors[id] = e;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(errors, Assert.Null);

        foreach (float[] result in results)
        {
            AssertBitwiseEqual(expected, result);
        }
    }
}
