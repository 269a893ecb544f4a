// Fashion-MNIST (70,000 28x28 grey images of clothing, 10 classes) with a Dense network, trained the way a Keras
// tutorial does: AdamW, a cosine learning-rate schedule with warm-up, dropout, a validation split, early stopping that
// restores the best weights, and a checkpoint of the best epoch. Then the test set's confusion matrix and per-class F1,
// the learning curves as CSV and as a picture, and the model saved, reloaded and asked about one image.
//
//   dotnet run --project samples/FashionMnist -c Release [-- options]
//     --data DIR    the four IDX files (*-ubyte.gz); default /usr/share/datasets/fashion-mnist, which Debian's
//                   dataset-fashion-mnist package fills. Elsewhere download them from
//                   https://github.com/zalandoresearch/fashion-mnist (data/fashion).
//     --epochs N    at most N epochs (default 20; early stopping may end sooner)
//     --small       train the 784-64-64-10 network instead of 784-256-128-10 with dropout
//     --quick       a smoke run: 6,000 training and 1,000 test images, 2 epochs
//     --seed N      the seed of the weights, the shuffles and the dropout masks (default 1)
//     --out DIR     where the checkpoint, the model, history.csv, training.log and curves.svg go (default ./fashion-mnist-out)
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using GenNN;
using GenNN.Plotting;
using Samples.FashionMnist;

var clock = Stopwatch.StartNew();
string data = "/usr/share/datasets/fashion-mnist", output = "fashion-mnist-out";
int epochs = 20, seed = 1;
bool small = false, quick = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data": data = args[++i]; break;
        case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--out": output = args[++i]; break;
        case "--small": small = true; break;
        case "--quick": quick = true; epochs = 2; break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'; expected --data DIR, --epochs N, --seed N, --out DIR, --small or --quick.");
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
// names, go into the model file).
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
INetwork model = small ? new FashionMnistSmallNet(seed) : new FashionMnistNet(seed);
Console.Write(small ? FashionMnistSmallNet.Summary() : FashionMnistNet.Summary());   // like Keras model.summary()
Directory.CreateDirectory(output);
string best = Path.Combine(output, "best.safetensors");

History history = Trainer.Fit(model, train, new AdamW(learningRate: 1e-3f, weightDecay: 1e-4f), new FitOptions
{
    Epochs = epochs,
    BatchSize = 128,
    Seed = seed,
    ValidationSplit = 1.0 / 12,   // the last 5,000 training images
    Callbacks =
    [
        LearningRateScheduler.CosineDecay(peak: 2e-3f, epochs: epochs, warmupEpochs: 1, perBatch: true),
        new EarlyStopping { Monitor = "val_loss", Patience = 5, RestoreBestWeights = true },
        new ModelCheckpoint(best) { Monitor = "val_loss", SaveBestOnly = true },
        new CsvLogger(Path.Combine(output, "training.log")),
    ],
});
history.Save(Path.Combine(output, "history.csv"));
history.SaveSvg(Path.Combine(output, "curves.svg"), title: model.Topology);   // GenNN.Plotting: loss and accuracy, best epoch marked

ClassificationReport report = Trainer.EvaluateClassification(model, test);
Console.WriteLine();
Console.WriteLine(report);   // per-class precision, recall and F1, averages, top-k accuracy and the confusion matrix
Console.WriteLine($"Test accuracy: {report.Accuracy:F4}   Wall time: {clock.Elapsed.TotalSeconds:F1} s   Kernel path: {KernelPath(model)}");

// Save with the standardizer and the class names, reload, and name the first test image from its raw pixels.
string path = Path.Combine(output, small ? "fashion-mnist-small.safetensors" : "fashion-mnist.safetensors");
SetPreprocessing(model, new ModelPreprocessing(scaler, train.ClassNames));
model.Save(path);
string name = small ? FashionMnistSmallNet.Load(path).PredictClassName(rawTest.GetFeatures(0)) : FashionMnistNet.Load(path).PredictClassName(rawTest.GetFeatures(0));
Console.WriteLine($"Saved {path}; reloaded, it names the first test image from its raw pixels: {name} (label: {train.ClassNames![(int)test.GetTargets(0)[0]]}).");
return 0;

static GenNN.KernelPath KernelPath(INetwork model) => model is FashionMnistNet ? FashionMnistNet.KernelPath : FashionMnistSmallNet.KernelPath;

static void SetPreprocessing(INetwork model, ModelPreprocessing preprocessing)
{
    if (model is FashionMnistNet big) big.Preprocessing = preprocessing;
    else ((FashionMnistSmallNet)model).Preprocessing = preprocessing;
}
