using System.Globalization;
using System.IO.Compression;
using GenNN;

namespace GenNN.Tests.Runtime;

public class CsvTests
{
    private static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    [Fact]
    public void Iris_loads_with_its_scikit_learn_header()
    {
        Dataset iris = Csv.Load(DataPath("iris.csv"));
        Assert.Equal(150, iris.Count);
        Assert.Equal(4, iris.FeatureCount);
        Assert.Equal(1, iris.TargetSize);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, iris.ClassNames);
        Assert.Equal(3, iris.ClassCount);
        Assert.Null(iris.FeatureNames);
        Assert.Equal(new[] { 5.1f, 3.5f, 1.4f, 0.2f }, iris.GetFeatures(0).ToArray());
        Assert.Equal(new[] { 50, 50, 50 }, Enumerable.Range(0, 3).Select(k => iris.Targets.ToArray().Count(t => t == k)));
        Assert.Equal(2f, iris.Targets[^1]);
    }

    [Fact]
    public void Iris_loads_with_an_explicit_scikit_learn_header_too()
    {
        Dataset iris = Csv.Load(DataPath("iris.csv"), new CsvOptions { Header = CsvHeader.ScikitLearn });
        Assert.Equal(150, iris.Count);
    }

    [Fact]
    public void Headerless_numeric_text_uses_the_last_column_as_label()
    {
        Dataset data = Csv.Parse("1,2,0\n3.5,-4e-1,1\n\n5,6,2\n");
        Assert.Equal(3, data.Count);
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal(new[] { 1f, 2f, 3.5f, -0.4f, 5f, 6f }, data.Features.ToArray());
        Assert.Equal(new[] { 0f, 1f, 2f }, data.Targets.ToArray());
        Assert.Null(data.ClassNames);
    }

    [Fact]
    public void Numbers_are_parsed_with_the_invariant_culture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Dataset data = Csv.Parse("1.5;2.25", new CsvOptions { Separator = ';' });
            Assert.Equal(1.5f, data.Features[0]);
            Assert.Equal(2.25f, data.Targets[0]);
            var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("1.5;2\n1,5;3", new CsvOptions { Separator = ';' }));
            Assert.Equal("Line 2, column 1: '1,5' is not a number.", ex.Message);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void A_header_names_features_and_lets_the_label_be_chosen_by_name()
    {
        const string text = "species,sepal length,sepal width\nsetosa,5.1,3.5\nvirginica,6.3,3.3\nsetosa,4.9,3.0\n";
        Dataset data = Csv.Parse(text, new CsvOptions { LabelColumnName = "species" });
        Assert.Equal(new[] { "sepal length", "sepal width" }, data.FeatureNames);
        Assert.Equal(new[] { "setosa", "virginica" }, data.ClassNames);
        Assert.Equal(new[] { 0f, 1f, 0f }, data.Targets.ToArray());
        Assert.Equal(new[] { 5.1f, 3.5f, 6.3f, 3.3f, 4.9f, 3.0f }, data.Features.ToArray());

        Dataset byIndex = Csv.Parse(text, new CsvOptions { LabelColumn = 0 });
        Assert.Equal(data.Features.ToArray(), byIndex.Features.ToArray());
        Dataset byName = Csv.Parse(text, new CsvOptions { LabelColumnName = "SPECIES" });
        Assert.Equal(data.Targets.ToArray(), byName.Targets.ToArray());
    }

    [Fact]
    public void An_unknown_label_column_name_lists_the_columns()
    {
        var ex = Assert.Throws<ArgumentException>(() => Csv.Parse("a,b\n1,2\n", new CsvOptions { LabelColumnName = "c" }));
        Assert.Contains("'c'", ex.Message);
        Assert.Contains("a, b", ex.Message);
    }

    [Fact]
    public void Negative_label_column_counts_from_the_end()
    {
        Dataset data = Csv.Parse("1,7,2\n3,8,4\n", new CsvOptions { LabelColumn = -2 });
        Assert.Equal(new[] { 7f, 8f }, data.Targets.ToArray());
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, data.Features.ToArray());
        Assert.Throws<ArgumentException>(() => Csv.Parse("1,7,2\n", new CsvOptions { LabelColumn = 3 }));
    }

    [Fact]
    public void String_labels_are_numbered_sorted_by_default_or_in_first_seen_order()
    {
        const string text = "1,dog\n2,cat\n3,emu\n4,cat\n";
        Dataset sorted = Csv.Parse(text);
        Assert.Equal(new[] { "cat", "dog", "emu" }, sorted.ClassNames);
        Assert.Equal(new[] { 1f, 0f, 2f, 0f }, sorted.Targets.ToArray());

        Dataset firstSeen = Csv.Parse(text, new CsvOptions { ClassOrder = CsvClassOrder.FirstSeen });
        Assert.Equal(new[] { "dog", "cat", "emu" }, firstSeen.ClassNames);
        Assert.Equal(new[] { 0f, 1f, 2f, 1f }, firstSeen.Targets.ToArray());
    }

    [Fact]
    public void Given_class_names_fix_the_numbering_and_reject_unknown_labels()
    {
        var options = new CsvOptions { ClassNames = new[] { "emu", "dog", "cat" } };
        Dataset data = Csv.Parse("1,dog\n2,cat\n", options);
        Assert.Equal(new[] { 1f, 2f }, data.Targets.ToArray());
        Assert.Equal(new[] { "emu", "dog", "cat" }, data.ClassNames);

        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("1,dog\n2,cow\n", options));
        Assert.Equal(2, ex.LineNumber);
        Assert.Equal(2, ex.Column);
        Assert.Contains("'cow' is not one of the class names emu, dog, cat", ex.Message);
    }

    [Fact]
    public void Numeric_looking_labels_can_be_read_as_class_names()
    {
        Dataset data = Csv.Parse("1,10\n2,30\n3,10\n", new CsvOptions { Labels = CsvLabels.ClassNames });
        Assert.Equal(new[] { "10", "30" }, data.ClassNames);
        Assert.Equal(new[] { 0f, 1f, 0f }, data.Targets.ToArray());
    }

    [Fact]
    public void A_non_number_names_the_line_column_and_header()
    {
        const string text = "a,b,label\n1,2,0\n\n3,x y,1\n";
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse(text));
        Assert.Equal(4, ex.LineNumber);
        Assert.Equal(2, ex.Column);
        Assert.Equal("b", ex.ColumnName);
        Assert.Equal("Line 4, column 2 (b): 'x y' is not a number.", ex.Message);
        Assert.IsAssignableFrom<FormatException>(ex);
    }

    [Fact]
    public void Numeric_labels_then_a_name_is_an_error_not_a_silent_switch()
    {
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("1,0.5\n2,n/a\n"));
        Assert.Equal(2, ex.LineNumber);
        Assert.Equal(2, ex.Column);
    }

    [Theory]
    [InlineData("1,2,3\n4,5\n", 2, "Expected 3 columns, got 2.")]
    [InlineData("1,2,3\n4,5,6,7\n", 2, "Expected 3 columns, got 4.")]
    public void A_wrong_column_count_names_the_line(string text, int line, string message)
    {
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse(text));
        Assert.Equal(line, ex.LineNumber);
        Assert.Equal(0, ex.Column);
        Assert.Equal($"Line {line}: {message}", ex.Message);
    }

    [Theory]
    [InlineData("1,NaN,0\n", 2, "'NaN' is not a finite number.")]
    [InlineData("1,-Infinity,0\n", 2, "'-Infinity' is not a finite number.")]
    [InlineData("1,1e39,0\n", 2, "'1e39' is not a finite number (out of the float range).")]
    [InlineData("1, ,0\n", 2, "The value is empty; expected a number.")]
    [InlineData("1,2,\n", 3, "The value is empty; expected a number.")]
    public void Missing_and_non_finite_values_are_rejected(string text, int column, string message)
    {
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("0,0,0\n" + text));
        Assert.Equal(2, ex.LineNumber);
        Assert.Equal(column, ex.Column);
        Assert.EndsWith(message, ex.Message);
    }

    [Fact]
    public void Quoted_fields_and_other_separators_are_supported()
    {
        const string text = "\"x\";\"y\";\"kind\"\n1.5;\"2\";\"big; \"\"red\"\"\"\n  3 ; 4 ; small \n";
        Dataset data = Csv.Parse(text, new CsvOptions { Separator = ';' });
        Assert.Equal(new[] { "x", "y" }, data.FeatureNames);
        Assert.Equal(new[] { "big; \"red\"", "small" }, data.ClassNames);
        Assert.Equal(new[] { 1.5f, 2f, 3f, 4f }, data.Features.ToArray());

        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("1,\"2\n"));
        Assert.Equal(1, ex.LineNumber);
        Assert.Contains("not closed", ex.Message);
    }

    [Fact]
    public void A_scikit_learn_header_is_checked_against_the_data()
    {
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("3,2,a,b\n1,2,0\n3,4,1\n"));
        Assert.Contains("declares 3 samples but the file has 2", ex.Message);
        ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("2,3,a,b\n1,2,0\n3,4,1\n"));
        Assert.Equal(2, ex.LineNumber);
        Assert.Contains("Expected 4 columns (3 features declared in the header, then the label), got 3.", ex.Message);
        ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("2,2,a,b\n1,2,0\n3,4,2\n"));
        Assert.Equal(3, ex.LineNumber);
        Assert.Contains("not a class index from 0 to 1", ex.Message);
    }

    [Fact]
    public void A_header_without_data_or_an_empty_text_is_an_error()
    {
        Assert.Contains("no data", Assert.Throws<CsvFormatException>(() => Csv.Parse("a,b\n")).Message);
        Assert.Contains("empty", Assert.Throws<CsvFormatException>(() => Csv.Parse(" \n\n")).Message);
        Assert.Contains("at least 2 columns", Assert.Throws<CsvFormatException>(() => Csv.Parse("1\n2\n")).Message);
    }

    [Fact]
    public void Load_reads_gzip_and_prefixes_errors_with_the_file_name()
    {
        string dir = Path.Combine(Path.GetTempPath(), "gennn-csv-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string gz = Path.Combine(dir, "small.csv.gz");
            using (var file = File.Create(gz))
            using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            using (var writer = new StreamWriter(zip))
            {
                writer.Write("1,2,1\n3,4,0\n");
            }

            Dataset data = Csv.Load(gz);
            Assert.Equal(2, data.Count);
            Assert.Equal(new[] { 1f, 0f }, data.Targets.ToArray());

            string bad = Path.Combine(dir, "bad.csv");
            File.WriteAllText(bad, "1,2,1\n3,oops,0\n");
            var ex = Assert.Throws<CsvFormatException>(() => Csv.Load(bad));
            Assert.Equal("bad.csv, line 2, column 2: 'oops' is not a number.", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
