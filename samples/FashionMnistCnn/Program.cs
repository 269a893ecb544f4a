// Fashion-MNIST (70,000 28x28 grey images of clothing, 10 classes) with a small convolutional network, where dense
// networks stop near 0.89: two convolutions with max pooling, then a dense layer, with dropout. Trained as a Keras
// tutorial would: AdamW with a cosine schedule and warm-up, a validation split, early stopping that restores the best
// weights. Then the test accuracy, the time per epoch, and the model saved, reloaded and asked about one image.
//
//   dotnet run --project samples/FashionMnistCnn -c Release [-- options]
//     --data DIR    the four IDX files (*-ubyte.gz); default /usr/share/datasets/fashion-mnist, which Debian's
//                   dataset-fashion-mnist package fills. Elsewhere download them from
//                   https://github.com/zalandoresearch/fashion-mnist (data/fashion).
//     --epochs N    at most N epochs (default 12; early stopping may end sooner)
//     --quick       a smoke run: 6,000 training and 1,000 test images, 2 epochs
//     --seed N      the seed of the weights, the shuffles and the dropout masks (default 1)
//     --threads N   the threads training uses (default: all cores)
//     --out DIR     where the model, history.csv and training.log go (default ./fashion-mnist-cnn-out)
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using GenNN;
using Samples.FashionMnistCnn;

var clock = Stopwatch.StartNew();
string data = "/usr/share/datasets/fashion-mnist", output = "fashion-mnist-cnn-out";
int epochs = 12, seed = 1;
int? threads = null;
bool quick = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data": data = args[++i]; break;
        case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--out": output = args[++i]; break;
        case "--quick": quick = true; epochs = 2; break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'; expected --data DIR, --epochs N, --seed N, --threads N, --out DIR or --quick.");
            return 2;
    }
}

string File(string name) => Path.Combine(data, name);
if (!System.IO.File.Exists(File("train-images-idx3-ubyte.gz")))
{
    Console.Error.WriteLine($"No Fashion-MNIST in {data}: apt-get install dataset-fashion-mnist, or download the four *-ubyte.gz files "
        + "from https://github.com/zalandoresearch/fashion-mnist and pass --data DIR.");
    return 2;
}

// Pixels scaled to [0, 1], then standardised per pixel with the training set's statistics (which, with the class
// names, go into the model file). An IDX image [28, 28] is already channels-last for a one-channel [Input(28, 28, 1)].
Dataset train = Idx.Load(File("train-images-idx3-ubyte.gz"), File("train-labels-idx1-ubyte.gz"), classNames: Idx.FashionMnistClassNames);
Dataset rawTest = Idx.Load(File("t10k-images-idx3-ubyte.gz"), File("t10k-labels-idx1-ubyte.gz"), classNames: Idx.FashionMnistClassNames);
if (quick)
{
    train = train.Subset(Enumerable.Range(0, 6000).ToArray());
    rawTest = rawTest.Subset(Enumerable.Range(0, 1000).ToArray());
}

Standardizer scaler = Standardizer.Fit(train);
train = scaler.Transform(train);
Dataset test = scaler.Transform(rawTest);

Console.WriteLine($"Fashion-MNIST: {train.Count:N0} training and {test.Count:N0} test images from {data} ({clock.Elapsed.TotalSeconds:F1} s)");
var model = new FashionMnistCnn(seed) { MaxDegreeOfParallelism = threads };
Console.Write(FashionMnistCnn.Summary());   // like Keras model.summary()
Directory.CreateDirectory(output);

History history = Trainer.Fit(model, train, new AdamW(learningRate: 1e-3f, weightDecay: 1e-4f), new FitOptions
{
    Epochs = epochs,
    BatchSize = 64,
    Seed = seed,
    ValidationSplit = 1.0 / 12,   // the last 5,000 training images
    Callbacks =
    [
        LearningRateScheduler.CosineDecay(peak: 1e-3f, epochs: epochs, warmupEpochs: 1, perBatch: true),
        new EarlyStopping { Monitor = "val_accuracy", Patience = 3, RestoreBestWeights = true },
        new CsvLogger(Path.Combine(output, "training.log")),
    ],
});
history.Save(Path.Combine(output, "history.csv"));

EvaluationResult result = Trainer.Evaluate(model, test);
double secondsPerEpoch = history.Elapsed.TotalSeconds / history.Epochs.Count;
Console.WriteLine();
Console.WriteLine($"Test accuracy: {result.Accuracy:F4}   Test loss: {result.Loss:F4}   {history.Epochs.Count} epochs, {secondsPerEpoch:F1} s per epoch "
    + $"({train.Count - train.Count / 12:N0} images, {model.MaxDegreeOfParallelism?.ToString(CultureInfo.InvariantCulture) ?? "all"} thread(s), kernel path {FashionMnistCnn.KernelPath})");

// Save with the standardizer and the class names, reload, and name the first test image from its raw pixels.
string path = Path.Combine(output, "fashion-mnist-cnn.safetensors");
model.Preprocessing = new ModelPreprocessing(scaler, train.ClassNames);
model.Save(path);
string name = FashionMnistCnn.Load(path).PredictClassName(rawTest.GetFeatures(0));
Console.WriteLine($"Saved {path}; reloaded, it names the first test image from its raw pixels: {name} (label: {train.ClassNames![(int)test.GetTargets(0)[0]]}). Wall time {clock.Elapsed.TotalSeconds:F1} s.");
return 0;
