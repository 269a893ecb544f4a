using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace GenNN.Plotting
{
    /// <summary>
    /// Draws a <see cref="History"/> as learning curves in one SVG image, like the loss and accuracy plots people make
    /// from Keras' <c>history.history</c> with matplotlib: a loss panel and, for classification, an accuracy panel
    /// beside it; each shows the training series and, when the run had a validation set, the validation series, one
    /// point per epoch; the best epoch is marked on both with a dashed vertical line and labelled.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The best epoch is the one with the lowest validation loss, or with the lowest training loss when the run had no
    /// validation set (Keras' <c>EarlyStopping</c> and <c>ModelCheckpoint</c> monitor <c>val_loss</c> the same way);
    /// a tie goes to the earlier epoch. Non-finite values (a diverged epoch) leave a gap in their curve and are never
    /// the best.
    /// </para>
    /// <para>
    /// Rendering uses OxyPlot.Core's SVG renderer, chosen over ScottPlot 5 because it is managed code only: ScottPlot
    /// draws through SkiaSharp, whose native library must exist for the target platform and be loadable, whereas SVG
    /// text needs no native code, no fonts installed and no display. So the curves can be written on a headless build
    /// server, in a container, and from a trimmed or Native AOT app. Publishing such an app reports one trim warning
    /// (IL2067, in OxyPlot's helper that binds series to objects by property name), on a path this code never takes:
    /// it adds the points itself. Text is measured with built-in font metrics, and the output is the same on every
    /// machine and in every culture.
    /// </para>
    /// </remarks>
    public static class HistoryPlot
    {
        /// <summary>The default width of the image, in pixels.</summary>
        public const int DefaultWidth = 900;

        /// <summary>The default height of the image, in pixels.</summary>
        public const int DefaultHeight = 400;

        // Below these a panel has no room left for its axes, legend and labels.
        private const int MinimumWidth = 200;
        private const int MinimumHeight = 150;
        private const double TitleHeight = 28;
        // Arial's metrics are the ones measured; a viewer without Arial takes Helvetica or its own sans-serif.
        private const string FontFamily = "Arial, Helvetica, sans-serif";

        // matplotlib's first two colours, so the picture looks like the Keras plots people know.
        internal static readonly OxyColor TrainColor = OxyColor.FromRgb(0x1f, 0x77, 0xb4);
        internal static readonly OxyColor ValidationColor = OxyColor.FromRgb(0xff, 0x7f, 0x0e);
        internal static readonly OxyColor BestColor = OxyColor.FromRgb(0x2c, 0xa0, 0x2c);

        /// <summary>
        /// Draws the learning curves of <paramref name="history"/> and writes them to <paramref name="path"/> as an SVG
        /// file, replacing it.
        /// </summary>
        /// <param name="history">The history <c>Trainer.Fit</c> returned; it must hold at least one epoch.</param>
        /// <param name="path">The file to write, e.g. <c>curves.svg</c>.</param>
        /// <param name="width">The width of the image in pixels, at least 200; each panel gets half of it.</param>
        /// <param name="height">The height of the image in pixels, at least 150.</param>
        /// <param name="title">A title above both panels, or <see langword="null"/> for none.</param>
        /// <exception cref="ArgumentNullException"><paramref name="history"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="history"/> has no epochs, or <paramref name="path"/> is empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is too small.</exception>
        public static void SaveSvg(this History history, string path, int width = DefaultWidth, int height = DefaultHeight, string? title = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            Curves curves = Curves.From(history);
            CheckSize(width, height);
            byte[] svg = Render(curves, width, height, title);
            File.WriteAllBytes(path, svg);
        }

        /// <summary>
        /// Draws the learning curves of <paramref name="history"/> and writes the SVG document to
        /// <paramref name="stream"/>, which is left open.
        /// </summary>
        /// <param name="history">The history <c>Trainer.Fit</c> returned; it must hold at least one epoch.</param>
        /// <param name="stream">The destination, e.g. an HTTP response body.</param>
        /// <param name="width">The width of the image in pixels, at least 200; each panel gets half of it.</param>
        /// <param name="height">The height of the image in pixels, at least 150.</param>
        /// <param name="title">A title above both panels, or <see langword="null"/> for none.</param>
        /// <exception cref="ArgumentNullException"><paramref name="history"/> or <paramref name="stream"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="history"/> has no epochs, or <paramref name="stream"/> is not writable.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is too small.</exception>
        public static void WriteSvg(this History history, Stream stream, int width = DefaultWidth, int height = DefaultHeight, string? title = null)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (!stream.CanWrite)
            {
                throw new ArgumentException("The stream is not writable; expected a stream the SVG document can be written to.", nameof(stream));
            }

            Curves curves = Curves.From(history);
            CheckSize(width, height);
            stream.Write(Render(curves, width, height, title));
        }

        /// <summary>Draws the learning curves of <paramref name="history"/> and returns the SVG document as text.</summary>
        /// <param name="history">The history <c>Trainer.Fit</c> returned; it must hold at least one epoch.</param>
        /// <param name="width">The width of the image in pixels, at least 200; each panel gets half of it.</param>
        /// <param name="height">The height of the image in pixels, at least 150.</param>
        /// <param name="title">A title above both panels, or <see langword="null"/> for none.</param>
        /// <returns>A complete SVG document (UTF-8 XML).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="history"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="history"/> has no epochs.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is too small.</exception>
        public static string ToSvg(this History history, int width = DefaultWidth, int height = DefaultHeight, string? title = null)
        {
            Curves curves = Curves.From(history);
            CheckSize(width, height);
            return Encoding.UTF8.GetString(Render(curves, width, height, title));
        }

        private static void CheckSize(int width, int height)
        {
            if (width < MinimumWidth)
            {
                throw new ArgumentOutOfRangeException(nameof(width), width, string.Format(CultureInfo.InvariantCulture,
                    "The image is {0} pixels wide; expected at least {1}, so each panel has room for its axes and legend.", width, MinimumWidth));
            }

            if (height < MinimumHeight)
            {
                throw new ArgumentOutOfRangeException(nameof(height), height, string.Format(CultureInfo.InvariantCulture,
                    "The image is {0} pixels high; expected at least {1}, so each panel has room for its axes and legend.", height, MinimumHeight));
            }
        }

        /// <summary>Renders the SVG document as UTF-8 bytes without a byte order mark.</summary>
        private static byte[] Render(Curves curves, int width, int height, string? title)
        {
            using var stream = new MemoryStream();
            var panels = new List<PlotModel> { CreatePanel(curves, accuracy: false) };
            if (curves.HasAccuracy)
            {
                panels.Add(CreatePanel(curves, accuracy: true));
            }

            // OxyPlot's SvgExporter writes one model per document; rendering each model into its own rectangle of one
            // render context puts the panels side by side in a single SVG.
            // The vertical-alignment workaround places text by its baseline instead of by dominant-baseline, which some
            // SVG renderers (librsvg, Inkscape) ignore and then draw titles half outside the image.
            using var context = new SvgRenderContext(stream, width, height, isDocument: true, new SvgTextMeasurer(),
                background: OxyColors.White, useVerticalTextAlignmentWorkaround: true);
            double top = 0;
            if (!string.IsNullOrEmpty(title))
            {
                context.DrawText(new ScreenPoint(width / 2.0, 6), title, OxyColors.Black, FontFamily, 16, FontWeights.Bold, 0,
                    HorizontalAlignment.Center, VerticalAlignment.Top, maxSize: null);
                top = TitleHeight;
            }

            double panelWidth = (double)width / panels.Count;
            for (int i = 0; i < panels.Count; i++)
            {
                IPlotModel panel = panels[i];
                panel.Update(true);
                panel.Render(context, new OxyRect(i * panelWidth, top, panelWidth, height - top));
            }

            context.Complete();
            context.Flush();

            // OxyPlot's XML writer starts with a UTF-8 byte order mark, which SVG does not need and some tools show as text.
            ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
            byte[] bytes = stream.ToArray();
            return bytes.AsSpan().StartsWith(bom) ? bytes[bom.Length..] : bytes;
        }

        private static PlotModel CreatePanel(Curves curves, bool accuracy)
        {
            string metric = accuracy ? "accuracy" : "loss";
            var model = new PlotModel
            {
                Title = accuracy ? "Accuracy" : "Loss",
                TitleFontSize = 14,
                TitleFontWeight = FontWeights.Normal,
                DefaultFont = FontFamily,
                DefaultFontSize = 11,
                Culture = CultureInfo.InvariantCulture,
                PlotAreaBorderColor = OxyColor.FromRgb(0x80, 0x80, 0x80),
                Background = OxyColors.Undefined,
            };

            // One tick per whole epoch at most: a fractional epoch means nothing.
            double padding = Math.Max(0.5, (curves.LastEpoch - curves.FirstEpoch) * 0.02);
            model.Axes.Add(new LinearAxis
            {
                Position = AxisPosition.Bottom,
                Title = "epoch",
                AxisTitleDistance = 4,
                Minimum = curves.FirstEpoch - padding,
                Maximum = curves.LastEpoch + padding,
                MinimumMajorStep = 1,
                MinimumMinorStep = 1,
                StringFormat = "0",
                MajorGridlineStyle = LineStyle.Dot,
                MajorGridlineColor = OxyColor.FromRgb(0xdd, 0xdd, 0xdd),
            });
            model.Axes.Add(new LinearAxis
            {
                Position = AxisPosition.Left,
                Title = metric,
                // Rotated titles are placed from a baseline estimate; the extra distance keeps them off the tick labels.
                AxisTitleDistance = 8,
                MajorGridlineStyle = LineStyle.Dot,
                MajorGridlineColor = OxyColor.FromRgb(0xdd, 0xdd, 0xdd),
                MaximumPadding = 0.08,
                MinimumPadding = 0.08,
            });

            double?[] train = accuracy ? curves.Accuracy : curves.Loss;
            double?[] validation = accuracy ? curves.ValidationAccuracy : curves.ValidationLoss;
            model.Series.Add(CreateSeries(curves.EpochNumbers, train, metric, TrainColor));
            if (curves.HasValidation(accuracy))
            {
                model.Series.Add(CreateSeries(curves.EpochNumbers, validation, "val_" + metric, ValidationColor));
            }

            if (curves.BestIndex is int best)
            {
                int epoch = curves.EpochNumbers[best];
                double?[] marked = curves.HasValidation(accuracy) ? validation : train;
                string markedName = (curves.HasValidation(accuracy) ? "val_" : string.Empty) + metric;

                // The label goes in the subtitle, in the marker's colour, where no curve can run through it.
                model.Subtitle = marked[best] is double labelled && double.IsFinite(labelled)
                    ? string.Format(CultureInfo.InvariantCulture, "best epoch {0}: {1} {2:0.####}", epoch, markedName, labelled)
                    : string.Format(CultureInfo.InvariantCulture, "best epoch {0}", epoch);
                model.SubtitleColor = BestColor;
                model.SubtitleFontSize = 11;
                model.Annotations.Add(new LineAnnotation
                {
                    Type = LineAnnotationType.Vertical,
                    X = epoch,
                    Color = BestColor,
                    StrokeThickness = 1.5,
                    LineStyle = LineStyle.Dash,
                });
                if (marked[best] is double y && double.IsFinite(y))
                {
                    model.Annotations.Add(new PointAnnotation
                    {
                        X = epoch,
                        Y = y,
                        Shape = MarkerType.Circle,
                        Size = 6,
                        Fill = OxyColors.Undefined,
                        Stroke = BestColor,
                        StrokeThickness = 2,
                    });
                }
            }

            // Below the plot area, so the legend never hides a curve.
            model.Legends.Add(new Legend
            {
                LegendPlacement = LegendPlacement.Outside,
                LegendPosition = LegendPosition.BottomCenter,
                LegendOrientation = LegendOrientation.Horizontal,
                LegendBorderThickness = 0,
                LegendFontSize = 11,
            });
            return model;
        }

        private static LineSeries CreateSeries(int[] epochs, double?[] values, string title, OxyColor color)
        {
            var series = new LineSeries
            {
                Title = title,
                Color = color,
                StrokeThickness = 2,
                MarkerType = MarkerType.Circle,
                MarkerSize = 2.5,
                MarkerFill = color,
                // OxyPlot drops points closer than 2 pixels to the previous one by default; keep every epoch.
                MinimumSegmentLength = 0,
            };
            for (int i = 0; i < epochs.Length; i++)
            {
                // An undefined point breaks the line: a missing or non-finite value shows as a gap, not as a jump.
                series.Points.Add(values[i] is double value && double.IsFinite(value) ? new DataPoint(epochs[i], value) : DataPoint.Undefined);
            }

            return series;
        }
    }
}
