using System;
using System.Numerics.Tensors;

namespace GenNN
{
    // Prediction on features alone and the classification and regression reports.
    public static partial class Trainer
    {
        /// <summary>
        /// Runs unlabelled rows through <paramref name="network"/> (Keras' <c>predict</c> on an array): no targets needed.
        /// </summary>
        /// <param name="network">The network.</param>
        /// <param name="features">Rows of <see cref="INetwork.InputSize"/> features, row-major.</param>
        /// <param name="batchSize">The samples per <see cref="INetwork.PredictBatch"/> call; at least 1.</param>
        /// <returns><c>features.Length / InputSize</c> rows of <see cref="INetwork.OutputSize"/> outputs, row-major.</returns>
        /// <exception cref="ArgumentException"><paramref name="features"/> is not a whole number of rows.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public static float[] Predict(INetwork network, ReadOnlySpan<float> features, int batchSize = DefaultEvaluationBatchSize)
        {
            ArgumentNullException.ThrowIfNull(network);
            int rows = Rows(network, features);
            var outputs = new float[rows * network.OutputSize];
            Predict(network, features, outputs, batchSize);
            return outputs;
        }

        /// <summary>
        /// Runs unlabelled rows through <paramref name="network"/> into <paramref name="outputs"/>, batch by batch; allocates nothing.
        /// </summary>
        /// <param name="network">The network.</param>
        /// <param name="features">Rows of <see cref="INetwork.InputSize"/> features, row-major.</param>
        /// <param name="outputs">Receives one row of <see cref="INetwork.OutputSize"/> outputs per feature row.</param>
        /// <param name="batchSize">The samples per <see cref="INetwork.PredictBatch"/> call; at least 1.</param>
        /// <exception cref="ArgumentException"><paramref name="features"/> is not a whole number of rows, or
        /// <paramref name="outputs"/> does not have one output row per feature row.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public static void Predict(INetwork network, ReadOnlySpan<float> features, Span<float> outputs, int batchSize = DefaultEvaluationBatchSize)
        {
            ArgumentNullException.ThrowIfNull(network);
            int rows = Rows(network, features);
            int inputSize = network.InputSize, outputSize = network.OutputSize;
            if (outputs.Length != (long)rows * outputSize)
            {
                throw new ArgumentException(
                    Dataset.Format("{0} rows of features need {0} x OutputSize {1} = {2} outputs; got {3}.", rows, outputSize, (long)rows * outputSize, outputs.Length),
                    nameof(outputs));
            }

            CheckBatchSize(batchSize);
            for (int start = 0; start < rows; start += batchSize)
            {
                int count = Math.Min(batchSize, rows - start);
                network.PredictBatch(features.Slice(start * inputSize, count * inputSize), outputs.Slice(start * outputSize, count * outputSize), count);
            }
        }

        /// <summary>
        /// Measures a classifier on <paramref name="data"/> (scikit-learn's <c>classification_report</c> and more): per-class
        /// precision, recall, F1 and support, macro and weighted averages, the confusion matrix, top-k accuracy for softmax
        /// networks, and ROC-AUC for two classes. Class names come from <see cref="Dataset.ClassNames"/>.
        /// </summary>
        /// <param name="network">A network trained with <see cref="Loss.SoftmaxCrossEntropy"/> or <see cref="Loss.CategoricalCrossEntropy"/>
        /// (prediction: the arg-max; true class: the label, or the largest target) or
        /// <see cref="Loss.BinaryCrossEntropy"/> (prediction: output &gt; 0.5; true class: target &gt; 0.5).</param>
        /// <param name="data">Labelled samples matching the network.</param>
        /// <param name="batchSize">The samples per <see cref="INetwork.PredictBatch"/> call; at least 1.</param>
        /// <returns>The report; print it with <see cref="ClassificationReport.ToString"/>.</returns>
        /// <exception cref="ArgumentException">The network is not a classifier, or <paramref name="data"/> is empty, does not
        /// match it, or holds a label outside its classes (the message names the row).</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public static ClassificationReport EvaluateClassification(INetwork network, Dataset data, int batchSize = DefaultEvaluationBatchSize)
        {
            ArgumentNullException.ThrowIfNull(network);
            CheckLabelled(network, data);
            CheckBatchSize(batchSize);
            bool binary = network.Loss == Loss.BinaryCrossEntropy;
            bool oneHot = network.Loss == Loss.CategoricalCrossEntropy;
            if (!binary && !oneHot && network.Loss != Loss.SoftmaxCrossEntropy)
            {
                throw new ArgumentException(
                    Dataset.Format("EvaluateClassification needs a SoftmaxCrossEntropy, CategoricalCrossEntropy or BinaryCrossEntropy network; this one is trained with {0}. Use EvaluateRegression.", network.Loss),
                    nameof(network));
            }

            int classCount = binary ? 2 : network.OutputSize;
            var names = data.ClassNames is { } n && n.Count == classCount ? n : null;
            var counts = new ClassificationReport.Accumulator(classCount, names, withRanks: !binary, withAuc: classCount == 2, data.Count);
            int inputSize = network.InputSize, outputSize = network.OutputSize;
            int size = Math.Min(batchSize, data.Count);
            var outputs = new float[size * outputSize];
            ReadOnlySpan<float> targets = data.Targets;
            for (int start = 0; start < data.Count; start += size)
            {
                int count = Math.Min(size, data.Count - start);
                Span<float> batch = outputs.AsSpan(0, count * outputSize);
                network.PredictBatch(data.Features.Slice(start * inputSize, count * inputSize), batch, count);
                for (int s = 0; s < count; s++)
                {
                    int row = start + s;
                    if (oneHot)
                    {
                        // One-hot or soft targets: the true class is the largest target, as Keras' categorical accuracy takes it.
                        counts.AddScores(batch.Slice(s * outputSize, outputSize), TensorPrimitives.IndexOfMax(targets.Slice(row * outputSize, outputSize)));
                        continue;
                    }

                    float t = targets[row];
                    if (binary)
                    {
                        counts.AddBinary(batch[s], t > 0.5f ? 1 : 0, 0.5f);
                    }
                    else
                    {
                        if (!(t >= 0f && t < classCount) || t != MathF.Floor(t))
                        {
                            throw new ArgumentException(
                                Dataset.Format("Row {0} of data has label {1}; the network's {2} outputs expect a class index from 0 to {3}.", row, t, classCount, classCount - 1),
                                nameof(data));
                        }

                        counts.AddScores(batch.Slice(s * outputSize, outputSize), (int)t);
                    }
                }
            }

            return counts.ToReport(nameof(data));
        }

        /// <summary>
        /// Measures a regression network on <paramref name="data"/>: MAE, MSE, RMSE and R2 (see <see cref="RegressionReport"/>).
        /// </summary>
        /// <param name="network">A network with one target per output (<see cref="Loss.MeanSquaredError"/>).</param>
        /// <param name="data">Samples matching the network.</param>
        /// <param name="batchSize">The samples per <see cref="INetwork.PredictBatch"/> call; at least 1.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException"><paramref name="data"/> is empty or does not match the network, or the network
        /// has not one target per output.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public static RegressionReport EvaluateRegression(INetwork network, Dataset data, int batchSize = DefaultEvaluationBatchSize)
        {
            ArgumentNullException.ThrowIfNull(network);
            CheckLabelled(network, data);
            CheckBatchSize(batchSize);
            int inputSize = network.InputSize, outputSize = network.OutputSize;
            if (network.TargetSize != outputSize)
            {
                throw new ArgumentException(
                    Dataset.Format("EvaluateRegression needs one target per output; this {0} network has {1} output(s) and TargetSize {2}. Use EvaluateClassification.",
                        network.Loss, outputSize, network.TargetSize),
                    nameof(network));
            }

            var accumulator = new RegressionReport.Accumulator(RegressionReport.TargetMeans(data.Targets, outputSize));
            int size = Math.Min(batchSize, data.Count);
            var outputs = new float[size * outputSize];
            for (int start = 0; start < data.Count; start += size)
            {
                int count = Math.Min(size, data.Count - start);
                Span<float> batch = outputs.AsSpan(0, count * outputSize);
                network.PredictBatch(data.Features.Slice(start * inputSize, count * inputSize), batch, count);
                accumulator.Add(batch, data.Targets.Slice(start * outputSize, count * outputSize));
            }

            return accumulator.ToReport();
        }

        private static int Rows(INetwork network, ReadOnlySpan<float> features)
        {
            int inputSize = network.InputSize;
            if (features.Length % inputSize != 0)
            {
                throw new ArgumentException(
                    Dataset.Format("Expected whole rows of InputSize = {0} features ({1}); got {2} values, {3} left over.",
                        inputSize, network.Topology, features.Length, features.Length % inputSize),
                    nameof(features));
            }

            return features.Length / inputSize;
        }

        private static void CheckBatchSize(int batchSize)
        {
            if (batchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
            }
        }

        /// <summary>Checks that <paramref name="data"/> is non-empty and has the network's feature and target sizes.</summary>
        private static void CheckLabelled(INetwork network, Dataset data)
        {
            ArgumentNullException.ThrowIfNull(data);
            if (data.FeatureCount != network.InputSize || data.TargetSize != network.TargetSize)
            {
                throw new ArgumentException(
                    Dataset.Format("data has {0} features and {1} target(s) per sample; the network ({2}) takes InputSize = {3} and TargetSize = {4}.",
                        data.FeatureCount, data.TargetSize, network.Topology, network.InputSize, network.TargetSize),
                    nameof(data));
            }

            if (data.Count == 0)
            {
                throw new ArgumentException("data is empty; expected at least one sample.", nameof(data));
            }
        }
    }
}
