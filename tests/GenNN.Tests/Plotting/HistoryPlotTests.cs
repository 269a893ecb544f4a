using System.Globalization;
using System.Reflection;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using GenNN;
using GenNN.Plotting;
using GenNN.Tests.Runtime;
using OxyPlot;

namespace GenNN.Tests.Plotting;

/// <summary>
/// The SVG that <see cref="HistoryPlot"/> writes, read back as XML: which curves it holds, with how many points, where
/// the best epoch is marked. The curves are found by colour; the series lines are the polylines OxyPlot draws with a
/// line join, which tells them from the short sample lines of the legend.
/// </summary>
public class HistoryPlotTests
{
    private const int Width = HistoryPlot.DefaultWidth;
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>A classification run with validation that overfits: val_loss is lowest at epoch 5, loss at epoch 12.</summary>
    private static History Overfitting()
    {
        double[] loss = [1.20, 0.90, 0.70, 0.55, 0.45, 0.38, 0.33, 0.29, 0.26, 0.24, 0.22, 0.21];
        double[] validationLoss = [1.25, 0.95, 0.60, 0.41, 0.31, 0.36, 0.40, 0.48, 0.52, 0.61, 0.66, 0.72];
        return Histories.Of(loss.Select((l, e) => new EpochResult
        {
            Epoch = e + 1,
            Epochs = loss.Length,
            Loss = l,
            Accuracy = 1 - l / 2,
            ValidationLoss = validationLoss[e],
            ValidationAccuracy = 0.9 - Math.Abs(e - 5) * 0.03,
        }).ToArray());
    }

    [Fact]
    public void Classification_with_validation_draws_four_curves_of_one_point_per_epoch()
    {
        History history = Overfitting();
        XDocument svg = Parse(history.ToSvg());

        Assert.Equal(Svg + "svg", svg.Root!.Name);
        Assert.Equal("900", (string?)svg.Root.Attribute("width"));
        Assert.Equal("400", (string?)svg.Root.Attribute("height"));
        AssertCurve(svg, HistoryPlot.TrainColor, leftPanel: true, history.Loss);
        AssertCurve(svg, HistoryPlot.ValidationColor, leftPanel: true, history.ValidationLoss);
        AssertCurve(svg, HistoryPlot.TrainColor, leftPanel: false, history.Accuracy);
        AssertCurve(svg, HistoryPlot.ValidationColor, leftPanel: false, history.ValidationAccuracy);

        // Keras' names in the legends, and the panel titles.
        string[] texts = Texts(svg);
        Assert.Contains("loss", texts);
        Assert.Contains("val_loss", texts);
        Assert.Contains("accuracy", texts);
        Assert.Contains("val_accuracy", texts);
        Assert.Contains("Loss", texts);
        Assert.Contains("Accuracy", texts);
    }

    [Fact]
    public void The_best_epoch_is_the_lowest_validation_loss_marked_at_its_x_in_both_panels()
    {
        XDocument svg = Parse(Overfitting().ToSvg());

        foreach (bool left in new[] { true, false })
        {
            (double X, double Y)[] train = SeriesPoints(svg, HistoryPlot.TrainColor, left);
            (double X, double Y)[] validation = SeriesPoints(svg, HistoryPlot.ValidationColor, left);
            double line = BestLineX(svg, left);
            Assert.Equal(validation[4].X, line, 1e-3);   // epoch 5: the lowest val_loss
            Assert.Equal(train[4].X, line, 1e-3);
            Assert.NotEqual(train[11].X, line, 1e-3);   // epoch 12: the lowest training loss

            // The ring sits on the validation curve at that epoch (val_loss on the left, val_accuracy on the right).
            (double X, double Y) ring = BestRing(svg, left);
            Assert.Equal(validation[4].X, ring.X, 1e-3);
            Assert.Equal(validation[4].Y, ring.Y, 1e-3);
        }

        string[] texts = Texts(svg);
        Assert.Contains("best epoch 5: val_loss 0.31", texts);
        Assert.Contains("best epoch 5: val_accuracy 0.87", texts);   // the accuracy at the best val_loss, not the best accuracy (epoch 6)
    }

    [Fact]
    public void Regression_without_validation_draws_only_the_loss_across_the_width_and_marks_the_lowest_training_loss()
    {
        double[] loss = [2.0, 1.1, 0.7, 0.5, 0.6, 0.55, 0.8];
        History history = Histories.Of(loss.Select((l, e) => new EpochResult { Epoch = e + 1, Epochs = loss.Length, Loss = l }).ToArray());
        XDocument svg = Parse(history.ToSvg(width: 800, height: 300));

        Assert.Equal("800", (string?)svg.Root!.Attribute("width"));
        List<(double X, double Y)[]> curves = SeriesPolylines(svg, HistoryPlot.TrainColor, panel: null);
        (double X, double Y)[] points = Assert.Single(curves);
        Assert.Equal(loss.Length, points.Length);
        Assert.True(points[^1].X > 800 * 0.75, $"The loss curve ends at x = {points[^1].X}; one panel should span the image.");
        Assert.Empty(SeriesPolylines(svg, HistoryPlot.ValidationColor, panel: null));
        Assert.DoesNotContain("Accuracy", Texts(svg));
        Assert.DoesNotContain("val_loss", Texts(svg));

        Assert.Equal(points[3].X, BestLineX(svg, left: null), 1e-3);   // epoch 4: the lowest training loss
        Assert.Equal(points[3].Y, BestRing(svg, left: null).Y, 1e-3);
        Assert.Contains("best epoch 4: loss 0.5", Texts(svg));
    }

    [Fact]
    public void Classification_without_validation_draws_two_panels_of_training_curves()
    {
        double[] loss = [0.9, 0.5, 0.4];
        History history = Histories.Of(loss.Select((l, e) => new EpochResult { Epoch = e + 1, Epochs = 3, Loss = l, Accuracy = 1 - l }).ToArray());
        XDocument svg = Parse(history.ToSvg());

        AssertCurve(svg, HistoryPlot.TrainColor, leftPanel: true, history.Loss);
        AssertCurve(svg, HistoryPlot.TrainColor, leftPanel: false, history.Accuracy);
        Assert.Empty(SeriesPolylines(svg, HistoryPlot.ValidationColor, panel: null));
        Assert.Equal(SeriesPoints(svg, HistoryPlot.TrainColor, left: false)[2].X, BestLineX(svg, left: false), 1e-3);
        Assert.Contains("best epoch 3: accuracy 0.6", Texts(svg));
    }

    [Fact]
    public void A_long_run_keeps_every_epoch_even_where_points_are_closer_than_a_pixel()
    {
        // 500 epochs in a panel under 400 pixels wide: OxyPlot would drop points closer than 2 pixels by default.
        History history = Histories.Of(Enumerable.Range(1, 500).Select(e => new EpochResult
        {
            Epoch = e, Epochs = 500, Loss = 1.0 / e, Accuracy = 1 - 0.5 / e, ValidationLoss = 1.1 / e + e * 1e-4,
        }).ToArray());
        XDocument svg = Parse(history.ToSvg());

        AssertCurve(svg, HistoryPlot.TrainColor, leftPanel: true, history.Loss);
        AssertCurve(svg, HistoryPlot.ValidationColor, leftPanel: true, history.ValidationLoss);
        AssertCurve(svg, HistoryPlot.TrainColor, leftPanel: false, history.Accuracy);
    }

    [Fact]
    public void A_single_epoch_draws_one_point_per_curve_and_marks_it()
    {
        History history = Histories.Of(new EpochResult
        {
            Epoch = 1, Epochs = 1, Loss = 0.7, Accuracy = 0.6, ValidationLoss = 0.8, ValidationAccuracy = 0.55,
        });
        XDocument svg = Parse(history.ToSvg());

        foreach (bool left in new[] { true, false })
        {
            foreach (OxyColor color in new[] { HistoryPlot.TrainColor, HistoryPlot.ValidationColor })
            {
                (double X, double Y) point = Assert.Single(SeriesPoints(svg, color, left));
                Assert.Equal(point.X, BestLineX(svg, left), 1e-3);

                // A one-point line shows nothing: the marker is what the reader sees.
                Assert.Contains(Elements(svg, "ellipse"), e => Style(e).Contains("fill:" + Rgb(color), StringComparison.Ordinal)
                    && Math.Abs(Number(e, "cx") - point.X) < 1e-3 && Math.Abs(Number(e, "cy") - point.Y) < 1e-3);
            }
        }

        Assert.Contains("best epoch 1: val_loss 0.8", Texts(svg));
    }

    [Fact]
    public void A_tie_goes_to_the_earlier_epoch_and_non_finite_values_are_gaps_never_the_best()
    {
        double[] validationLoss = [0.5, double.NegativeInfinity, 0.3, double.NaN, 0.3, 0.4];
        History history = Histories.Of(validationLoss.Select((v, e) => new EpochResult
        {
            Epoch = e + 1, Epochs = validationLoss.Length, Loss = 0.1, ValidationLoss = v,
        }).ToArray());
        XDocument svg = Parse(history.ToSvg());

        // The curve breaks at each non-finite value: [0.5] [0.3] [0.3, 0.4].
        List<(double X, double Y)[]> pieces = SeriesPolylines(svg, HistoryPlot.ValidationColor, panel: null);
        Assert.Equal(new[] { 1, 1, 2 }, pieces.Select(p => p.Length).ToArray());
        Assert.Equal(pieces[1][0].X, BestLineX(svg, left: null), 1e-3);   // epoch 3, not the tied epoch 5 nor -inf at epoch 2
        Assert.Contains("best epoch 3: val_loss 0.3", Texts(svg));
    }

    [Fact]
    public void Without_any_finite_monitored_value_the_curves_are_drawn_unmarked()
    {
        History history = Histories.Of(
            new EpochResult { Epoch = 1, Epochs = 2, Loss = 0.4, ValidationLoss = double.NaN },
            new EpochResult { Epoch = 2, Epochs = 2, Loss = 0.3, ValidationLoss = double.PositiveInfinity });
        XDocument svg = Parse(history.ToSvg());

        Assert.Equal(2, SeriesPoints(svg, HistoryPlot.TrainColor, left: null).Length);
        Assert.DoesNotContain(Elements(svg, "polyline"), p => Style(p).Contains("stroke:" + Rgb(HistoryPlot.BestColor), StringComparison.Ordinal));
        Assert.DoesNotContain(Texts(svg), t => t.StartsWith("best epoch", StringComparison.Ordinal));
    }

    [Fact]
    public void A_History_from_Trainer_Fit_draws_its_epochs()
    {
        var data = Dataset.FromArrays(
            Enumerable.Range(0, 40).Select(i => new[] { (float)Math.Sin(i), (float)Math.Cos(i * 0.7) }).ToArray(),
            Enumerable.Range(0, 40).Select(i => Math.Sin(i) + Math.Cos(i * 0.7) > 0 ? 1f : 0f).ToArray());
        var (train, validation) = data.Split(0.25, seed: 3);
        History history = Trainer.Fit(new LinearModel(2, 2, Loss.SoftmaxCrossEntropy), train, new Adam(0.05f),
            epochs: 4, batchSize: 8, validation: validation, seed: 3);
        XDocument svg = Parse(history.ToSvg(title: "linear model"));

        AssertCurve(svg, HistoryPlot.ValidationColor, leftPanel: true, history.ValidationLoss);
        AssertCurve(svg, HistoryPlot.ValidationColor, leftPanel: false, history.ValidationAccuracy);
        int best = history.ValidationLoss.Select((v, i) => (v, i)).OrderBy(p => p.v).ThenBy(p => p.i).First().i;
        Assert.Equal(SeriesPoints(svg, HistoryPlot.TrainColor, left: true)[best].X, BestLineX(svg, left: true), 1e-3);
        Assert.Contains("linear model", Texts(svg));
    }

    [Fact]
    public void SaveSvg_and_WriteSvg_write_the_ToSvg_document_as_UTF8_without_a_byte_order_mark()
    {
        History history = Overfitting();
        string expected = history.ToSvg(width: 640, height: 320, title: "run 1");
        string path = Path.Combine(Path.GetTempPath(), $"gennn-curves-{Guid.NewGuid():N}.svg");
        try
        {
            history.SaveSvg(path, width: 640, height: 320, title: "run 1");
            byte[] file = File.ReadAllBytes(path);
            Assert.Equal((byte)'<', file[0]);
            Assert.Equal(expected, Encoding.UTF8.GetString(file));

            history.SaveSvg(path);   // replaces the file
            Assert.Equal(history.ToSvg(), File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }

        using var stream = new MemoryStream();
        history.WriteSvg(stream, width: 640, height: 320, title: "run 1");
        Assert.Equal(expected, Encoding.UTF8.GetString(stream.ToArray()));
        Assert.True(stream.CanWrite, "WriteSvg must leave the stream open.");
    }

    [Fact]
    public void The_picture_is_the_same_in_every_culture()
    {
        History history = Overfitting();
        Assert.Equal(",", CultureInfo.GetCultureInfo("de-DE").NumberFormat.NumberDecimalSeparator);   // a culture that would show
        CultureInfo original = CultureInfo.CurrentCulture;
        string invariant, german;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            invariant = history.ToSvg(title: "0.5 vs 0,5");
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            german = history.ToSvg(title: "0.5 vs 0,5");
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }

        Assert.Equal(invariant, german);
        Assert.Contains("best epoch 5: val_loss 0.31", Texts(Parse(german)));
    }

    [Fact]
    public void Bad_arguments_throw_exceptions_that_say_what_was_expected()
    {
        History empty = Histories.Of();
        History history = Overfitting();

        Assert.Equal("history", Assert.Throws<ArgumentNullException>(() => HistoryPlot.ToSvg(null!)).ParamName);
        Assert.Equal("history", Assert.Throws<ArgumentNullException>(() => HistoryPlot.SaveSvg(null!, "curves.svg")).ParamName);
        Assert.Equal("history", Assert.Throws<ArgumentNullException>(() => HistoryPlot.WriteSvg(null!, Stream.Null)).ParamName);

        var noEpochs = Assert.Throws<ArgumentException>(() => empty.ToSvg());
        Assert.Equal("history", noEpochs.ParamName);
        Assert.Contains("no epochs", noEpochs.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => empty.SaveSvg("curves.svg"));
        Assert.False(File.Exists("curves.svg"));

        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => history.SaveSvg(null!)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => history.SaveSvg("")).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => history.WriteSvg(null!)).ParamName);
        using (var readOnly = new MemoryStream(new byte[16], writable: false))
        {
            Assert.Equal("stream", Assert.Throws<ArgumentException>(() => history.WriteSvg(readOnly)).ParamName);
        }

        var narrow = Assert.Throws<ArgumentOutOfRangeException>(() => history.ToSvg(width: 199));
        Assert.Equal("width", narrow.ParamName);
        Assert.Contains("199 pixels wide; expected at least 200", narrow.Message, StringComparison.Ordinal);
        var low = Assert.Throws<ArgumentOutOfRangeException>(() => history.ToSvg(height: 0));
        Assert.Equal("height", low.ParamName);
        Assert.Contains("0 pixels high; expected at least 150", low.Message, StringComparison.Ordinal);
        XDocument smallest = Parse(history.ToSvg(width: 200, height: 150));
        Assert.Equal(new[] { 12, 12 }, SeriesPolylines(smallest, HistoryPlot.TrainColor, panel: null).Select(p => p.Length).ToArray());
    }

    /// <summary>The curve of <paramref name="color"/> in one panel has one point per epoch, ordered as the values.</summary>
    private static void AssertCurve(XDocument svg, OxyColor color, bool leftPanel, IReadOnlyList<double> values)
    {
        (double X, double Y)[] points = SeriesPoints(svg, color, leftPanel);
        Assert.Equal(values.Count, points.Length);
        for (int i = 1; i < points.Length; i++)
        {
            // One epoch apart: equal steps along x.
            Assert.Equal(points[1].X - points[0].X, points[i].X - points[i - 1].X, 1e-2);
            Assert.True(points[i].X > points[i - 1].X);
        }

        // SVG's y grows downwards: a higher value is drawn higher up, i.e. at a smaller y. The coordinates have four
        // decimals, so values closer than a hundred-thousandth of the range may share one.
        double range = values.Max() - values.Min();
        for (int i = 0; i < points.Length; i++)
        {
            for (int j = 0; j < points.Length; j++)
            {
                if (values[i] > values[j])
                {
                    Assert.True(points[i].Y < points[j].Y || (points[i].Y == points[j].Y && values[i] - values[j] < range * 1e-5),
                        $"Epoch {i + 1} ({values[i]}) is drawn at y = {points[i].Y}, not above epoch {j + 1} ({values[j]}) at y = {points[j].Y}.");
                }
            }
        }
    }

    /// <summary>The one unbroken series line of <paramref name="color"/> in a panel (null: the only panel).</summary>
    private static (double X, double Y)[] SeriesPoints(XDocument svg, OxyColor color, bool? left) =>
        Assert.Single(SeriesPolylines(svg, color, left));

    private static List<(double X, double Y)[]> SeriesPolylines(XDocument svg, OxyColor color, bool? panel) =>
        Elements(svg, "polyline")
            .Where(p => Style(p).Contains("stroke:" + Rgb(color) + ";", StringComparison.Ordinal) && Style(p).Contains("stroke-linejoin", StringComparison.Ordinal))
            .Select(Points)
            .Where(points => InPanel(points[0].X, panel))
            .ToList();

    /// <summary>The x of the dashed vertical line that marks the best epoch in a panel.</summary>
    private static double BestLineX(XDocument svg, bool? left)
    {
        (double X, double Y)[] line = Assert.Single(Elements(svg, "polyline")
            .Where(p => Style(p).Contains("stroke:" + Rgb(HistoryPlot.BestColor) + ";", StringComparison.Ordinal))
            .Select(Points), points => InPanel(points[0].X, left));
        Assert.Equal(2, line.Length);
        Assert.Equal(line[0].X, line[1].X);
        return line[0].X;
    }

    /// <summary>The centre of the ring drawn on the monitored curve at the best epoch.</summary>
    private static (double X, double Y) BestRing(XDocument svg, bool? left)
    {
        XElement ring = Assert.Single(Elements(svg, "ellipse"),
            e => Style(e).Contains("stroke:" + Rgb(HistoryPlot.BestColor), StringComparison.Ordinal) && InPanel(Number(e, "cx"), left));
        return (Number(ring, "cx"), Number(ring, "cy"));
    }

    private static bool InPanel(double x, bool? left) => left switch
    {
        null => true,
        true => x < Width / 2.0,
        false => x >= Width / 2.0,
    };

    private static XDocument Parse(string svg)
    {
        // The document declares the SVG 1.1 DTD; never fetch it.
        using var reader = XmlReader.Create(new StringReader(svg), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
        return XDocument.Load(reader);
    }

    private static IEnumerable<XElement> Elements(XDocument svg, string name) => svg.Descendants(Svg + name);

    private static string[] Texts(XDocument svg) => Elements(svg, "text").Select(t => t.Value).ToArray();

    private static string Style(XElement element) => (string?)element.Attribute("style") ?? string.Empty;

    private static double Number(XElement element, string attribute) =>
        double.Parse((string)element.Attribute(attribute)!, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static (double X, double Y)[] Points(XElement polyline) =>
        ((string)polyline.Attribute("points")!).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split(','))
            .Select(xy => (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture)))
            .ToArray();

    private static string Rgb(OxyColor color) => $"rgb({color.R},{color.G},{color.B})";
}

/// <summary>
/// Histories with chosen values. <see cref="History"/> is filled only by <c>Trainer.Fit</c>, through its
/// internal constructor and <c>Add</c>; the plotting tests need exact values (ties, gaps, one epoch), so they call
/// those by reflection.
/// </summary>
internal static class Histories
{
    public static History Of(params EpochResult[] epochs)
    {
        var history = (History)Activator.CreateInstance(typeof(History), nonPublic: true)!;
        MethodInfo add = typeof(History).GetMethod("Add", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(EpochResult)])
            ?? throw new InvalidOperationException("History has no internal Add(EpochResult): update this helper.");
        foreach (EpochResult epoch in epochs)
        {
            add.Invoke(history, [epoch]);
        }

        return history;
    }
}
