using System;
using System.Collections.Generic;

namespace GenNN.Plotting
{
    /// <summary>
    /// The four per-epoch series of a <see cref="History"/>, aligned on its epochs (a metric an epoch did not report
    /// is <see langword="null"/>), and the best epoch.
    /// </summary>
    internal sealed class Curves
    {
        private Curves(int count)
        {
            EpochNumbers = new int[count];
            Loss = new double?[count];
            Accuracy = new double?[count];
            ValidationLoss = new double?[count];
            ValidationAccuracy = new double?[count];
        }

        /// <summary>The 1-based number of each epoch (the x coordinates).</summary>
        public int[] EpochNumbers { get; }

        public double?[] Loss { get; }

        public double?[] Accuracy { get; }

        public double?[] ValidationLoss { get; }

        public double?[] ValidationAccuracy { get; }

        public int FirstEpoch => EpochNumbers[0];

        public int LastEpoch => EpochNumbers[^1];

        /// <summary>Whether any epoch reported an accuracy (classification): then the accuracy panel is drawn.</summary>
        public bool HasAccuracy { get; private set; }

        /// <summary>The index of the best epoch, or <see langword="null"/> when no epoch has a finite monitored value.</summary>
        public int? BestIndex { get; private set; }

        /// <summary>The Keras name of the monitored metric: <c>val_loss</c>, or <c>loss</c> without validation.</summary>
        public string BestMetric { get; private set; } = "loss";

        /// <summary>The monitored value at <see cref="BestIndex"/>.</summary>
        public double BestValue { get; private set; }

        public bool HasValidation(bool accuracy) => Array.Exists(accuracy ? ValidationAccuracy : ValidationLoss, v => v is not null);

        /// <summary>Reads <paramref name="history"/>, checking that there is something to draw.</summary>
        public static Curves From(History history)
        {
            ArgumentNullException.ThrowIfNull(history);
            IReadOnlyList<EpochResult> epochs = history.Epochs;
            if (epochs.Count == 0)
            {
                throw new ArgumentException(
                    "The history has no epochs; expected at least one. Plot the History that Trainer.Fit returns after it has completed an epoch.",
                    nameof(history));
            }

            var curves = new Curves(epochs.Count);
            for (int i = 0; i < epochs.Count; i++)
            {
                EpochResult epoch = epochs[i];
                curves.EpochNumbers[i] = epoch.Epoch;
                curves.Loss[i] = epoch.Loss;
                curves.Accuracy[i] = epoch.Accuracy;
                curves.ValidationLoss[i] = epoch.ValidationLoss;
                curves.ValidationAccuracy[i] = epoch.ValidationAccuracy;
                curves.HasAccuracy |= epoch.Accuracy is not null || epoch.ValidationAccuracy is not null;
            }

            bool validation = curves.HasValidation(accuracy: false);
            curves.BestMetric = validation ? "val_loss" : "loss";
            double?[] monitored = validation ? curves.ValidationLoss : curves.Loss;
            for (int i = 0; i < monitored.Length; i++)
            {
                // Strictly lower: a tie keeps the earlier epoch, as Keras' EarlyStopping does.
                if (monitored[i] is double value && double.IsFinite(value) && (curves.BestIndex is null || value < curves.BestValue))
                {
                    curves.BestIndex = i;
                    curves.BestValue = value;
                }
            }

            return curves;
        }
    }
}
