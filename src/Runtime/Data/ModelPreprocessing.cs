using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace GenNN
{
    /// <summary>
    /// What a model needs besides its weights to be used on raw data: the fitted <see cref="GenNN.Standardizer"/>, the
    /// class names and the feature names. Set it on a network (<c>model.Preprocessing = ...</c>) before
    /// <c>Save</c> and the model file carries it; <c>Load</c> restores it, and <c>PredictRaw</c> applies it.
    /// </summary>
    /// <remarks>
    /// <para>Immutable and thread-safe: the constructor copies the name lists. Each part is optional.</para>
    /// <para>In the file, the standardizer is two F32 tensors of shape <c>[InputSize]</c>, <c>gennn.standardizer.mean</c>
    /// and <c>gennn.standardizer.scale</c>, after the weights (so PyTorch readers still find <c>layers.0.weight</c> and
    /// the others under their usual names), and the names are JSON arrays of strings in the <c>__metadata__</c> keys
    /// <c>gennn.class_names</c> and <c>gennn.feature_names</c>.</para>
    /// </remarks>
    public sealed class ModelPreprocessing
    {
        /// <summary>Creates the preprocessing to store with a model.</summary>
        /// <param name="standardizer">The standardizer fitted on the training features, or <see langword="null"/>.</param>
        /// <param name="classNames">The name of each class (<c>classNames[k]</c> names class index <c>k</c>, as
        /// <see cref="Dataset.ClassNames"/>), or <see langword="null"/>.</param>
        /// <param name="featureNames">The name of each input feature, as <see cref="Dataset.FeatureNames"/>, or <see langword="null"/>.</param>
        /// <exception cref="ArgumentException">A name is <see langword="null"/>, two class names are the same, or the
        /// standardizer and the feature names disagree on the number of features.</exception>
        public ModelPreprocessing(Standardizer? standardizer = null, IReadOnlyList<string>? classNames = null, IReadOnlyList<string>? featureNames = null)
        {
            Standardizer = standardizer;
            ClassNames = Copy(classNames, nameof(classNames));
            if (ClassNames is not null && DuplicateClassName(ClassNames) is string duplicate)
            {
                throw new ArgumentException(duplicate, nameof(classNames));
            }

            FeatureNames = Copy(featureNames, nameof(featureNames));
            if (standardizer is not null && FeatureNames is not null && standardizer.FeatureCount != FeatureNames.Count)
            {
                throw new ArgumentException(
                    Dataset.Format("The standardizer has {0} features but {1} feature names were given; expected one name per feature.",
                        standardizer.FeatureCount, FeatureNames.Count),
                    nameof(featureNames));
            }
        }

        /// <summary>The standardizer to apply to raw features before the network, or <see langword="null"/>.</summary>
        public Standardizer? Standardizer { get; }

        /// <summary>The name of each class (index <c>k</c> names class <c>k</c>), or <see langword="null"/>.</summary>
        public IReadOnlyList<string>? ClassNames { get; }

        /// <summary>The name of each input feature, or <see langword="null"/>.</summary>
        public IReadOnlyList<string>? FeatureNames { get; }

        /// <summary>
        /// Throws unless this preprocessing fits <paramref name="network"/>: a standardizer and feature names of
        /// <see cref="INetwork.InputSize"/>, and one class name per class (<see cref="INetwork.OutputSize"/> for
        /// <see cref="Loss.SoftmaxCrossEntropy"/> and <see cref="Loss.CategoricalCrossEntropy"/>; 2 for <see cref="Loss.BinaryCrossEntropy"/> with one output, one
        /// per output with several; none for <see cref="Loss.MeanSquaredError"/>, which predicts values, not classes).
        /// Generated networks call it when <c>Preprocessing</c> is set.
        /// </summary>
        /// <param name="network">The network the preprocessing is for.</param>
        /// <exception cref="ArgumentException">A size differs; the message names it and the expected value.</exception>
        public void Validate(INetwork network)
        {
            ArgumentNullException.ThrowIfNull(network);
            string? mismatch = FindMismatch(network.InputSize, network.OutputSize, network.Loss);
            if (mismatch is not null)
            {
                throw new ArgumentException(mismatch + " (" + network.Topology + ")", "value");
            }
        }

        /// <summary>The number of class names a network with this output size and loss takes; 0 when it has no classes.</summary>
        internal static int ClassCount(int outputSize, Loss loss) => loss switch
        {
            Loss.SoftmaxCrossEntropy or Loss.CategoricalCrossEntropy => outputSize,
            Loss.BinaryCrossEntropy => outputSize == 1 ? 2 : outputSize,
            _ => 0,
        };

        /// <summary>What does not fit the network, or <see langword="null"/>. A size of 0 means unknown and is not checked.</summary>
        internal string? FindMismatch(int inputSize, int outputSize, Loss loss)
        {
            if (inputSize > 0 && Standardizer is not null && Standardizer.FeatureCount != inputSize)
            {
                return Dataset.Format("The standardizer has {0} features; expected {1} (InputSize).", Standardizer.FeatureCount, inputSize);
            }

            if (inputSize > 0 && FeatureNames is not null && FeatureNames.Count != inputSize)
            {
                return Dataset.Format("Expected {0} feature names (InputSize), got {1}.", inputSize, FeatureNames.Count);
            }

            return ClassNames is null || outputSize <= 0 ? null : ClassNameMismatch(ClassNames.Count, outputSize, loss);
        }

        /// <summary>
        /// Names the first class name that repeats an earlier one, or <see langword="null"/>: each class needs a name of its
        /// own (Keras' <c>StringLookup</c> rejects a repeated term too), or <c>PredictClassName</c> could not tell them apart.
        /// </summary>
        internal static string? DuplicateClassName(IReadOnlyList<string> names)
        {
            var first = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
            for (int i = 0; i < names.Count; i++)
            {
                if (names[i] is string name && !first.TryAdd(name, i))
                {
                    return Dataset.Format("Class names {0} and {1} are both '{2}'; expected a distinct name per class (PredictClassName could not tell them apart).",
                        first[name], i, name);
                }
            }

            return null;
        }

        /// <summary>What is wrong with <paramref name="count"/> class names for the network, or <see langword="null"/>.</summary>
        internal static string? ClassNameMismatch(int count, int outputSize, Loss loss)
        {
            int classes = ClassCount(outputSize, loss);
            if (classes == 0)
            {
                return Dataset.Format("Got {0} class names, but a {1} network predicts values, not classes; expected none.", count, loss);
            }

            return count == classes
                ? null
                : Dataset.Format("Expected {0} class names (one per class of the {1} network with OutputSize = {2}), got {3}.",
                    classes, loss, outputSize, count);
        }

        private static ReadOnlyCollection<string>? Copy(IReadOnlyList<string>? names, string paramName)
        {
            if (names is null)
            {
                return null;
            }

            var copy = new string[names.Count];
            for (int i = 0; i < copy.Length; i++)
            {
                copy[i] = names[i] ?? throw new ArgumentException(Dataset.Format("Name {0} is null; expected a string.", i), paramName);
            }

            return Array.AsReadOnly(copy);
        }
    }
}
