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

    [Theory]
    [InlineData("a,b,species\n1,2,setosa\n3,4,\n5,6,virginica\n", "Line 3, column 3 (species): The label is missing (an empty field); expected a class name.")]
    [InlineData("a,b,species\n1,2,setosa\n3,4,NA\n5,6,virginica\n", "Line 3, column 3 (species): The label is missing ('NA', a missing-value marker); expected a class name. A class really named 'NA' can be listed in CsvOptions.ClassNames.")]
    [InlineData("a,b,species\n1,2,setosa\n3,4,nan\n5,6,setosa\n", "Line 3, column 3 (species): The label is missing ('nan', a missing-value marker); expected a class name. A class really named 'nan' can be listed in CsvOptions.ClassNames.")]
    [InlineData("1,2,setosa\n5,6,setosa\n3,4,?\n", "Line 3, column 3: The label is missing ('?', a missing-value marker); expected a class name. A class really named '?' can be listed in CsvOptions.ClassNames.")]
    public void A_missing_class_label_is_an_error_not_a_class(string text, string message)
    {
        // pandas reads these as NaN; they used to become classes named "", "NA", "nan" and "?".
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse(text));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_class_really_named_like_a_missing_value_marker_can_be_declared()
    {
        Dataset data = Csv.Parse("a,b,label\n1,2,None\n3,4,Some\n", new CsvOptions { ClassNames = new[] { "None", "Some" } });
        Assert.Equal(new[] { 0f, 1f }, data.Targets.ToArray());
    }

    [Fact]
    public void Class_names_given_for_numeric_labels_name_their_indices_and_check_them()
    {
        // They were ignored: the labels 0 and 7 loaded with no class names and no error.
        Dataset data = Csv.Parse("1,2,1\n3,4,0\n", new CsvOptions { ClassNames = new[] { "cat", "dog" } });
        Assert.Equal(new[] { 1f, 0f }, data.Targets.ToArray());
        Assert.Equal(new[] { "cat", "dog" }, data.ClassNames);

        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("1,2,0\n3,4,7\n", new CsvOptions { ClassNames = new[] { "cat", "dog" } }));
        Assert.Equal("Line 2, column 3: The label '7' is not a class index from 0 to 1 (CsvOptions.ClassNames names 2 classes).", ex.Message);
    }

    [Theory]
    [InlineData("a,label\n1,2,0\n3,4,1\n", null, "Line 2: Expected 2 columns, as the header on line 1 names, got 3 (a file written with row names, as R's write.table does, has one column more than its header names).")]
    [InlineData("a,b,label\n0,1.5,2.5,7\n1,3.5,4.5,8\n", "label", "Line 2: Expected 3 columns, as the header on line 1 names, got 4 (a file written with row names, as R's write.table does, has one column more than its header names).")]
    [InlineData("a,b,c,label\n1,2,0\n3,4,1\n", "label", "Line 2: Expected 4 columns, as the header on line 1 names, got 3.")]
    [InlineData("a,b,c,label\n1,2,0\n3,4,1\n", null, "Line 2: Expected 4 columns, as the header on line 1 names, got 3.")]
    public void A_header_naming_a_different_number_of_columns_than_the_data_is_an_error(string text, string? labelName, string message)
    {
        // One column short, the label's name went to a feature; with LabelColumnName, an index out of range escaped.
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse(text, new CsvOptions { LabelColumnName = labelName }));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_named_label_column_makes_the_first_line_a_header_even_of_numbers()
    {
        // "0,1,2,y" looked like a scikit-learn header (two integers first) and failed on the next line.
        Dataset data = Csv.Parse("0,1,2,y\n1,2,3,0\n4,5,6,1\n", new CsvOptions { LabelColumnName = "y" });
        Assert.Equal(new[] { "0", "1", "2" }, data.FeatureNames);
        Assert.Equal(new[] { 0f, 1f }, data.Targets.ToArray());

        Dataset byNumber = Csv.Parse("0,1,2,3\n1,2,3,0\n4,5,6,1\n", new CsvOptions { LabelColumnName = "3" });
        Assert.Equal(2, byNumber.Count);
    }

    [Theory]
    [InlineData("0,1,2,species\n1,2,3,setosa\n4,5,6,virginica\n7,8,9,setosa\n")]
    [InlineData("1,2,species\n1,2,setosa\n4,5,setosa\n")]
    public void A_first_line_that_may_be_a_header_of_numbers_over_class_names_asks_which_it_is(string text)
    {
        // It used to become a sample of a class "species" with features 0, 1, 2.
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse(text));
        Assert.Equal(1, ex.LineNumber);
        Assert.Contains("may be a header: its label 'species' is on no other line, while other labels repeat. Set CsvOptions.Header to CsvHeader.ColumnNames", ex.Message, StringComparison.Ordinal);

        Dataset asHeader = Csv.Parse(text, new CsvOptions { Header = CsvHeader.ColumnNames });
        Assert.DoesNotContain("species", asHeader.ClassNames!);
        Dataset asData = Csv.Parse(text, new CsvOptions { Header = CsvHeader.None });
        Assert.Contains("species", asData.ClassNames!);

        // Read as data as before: a first sample whose class repeats, data where no class repeats, and a first line
        // whose features are not column numbers, even when its class is the only one of its kind.
        Assert.Equal(3, Csv.Parse("0,1,cat\n3,4,dog\n5,6,cat\n").Count);
        Assert.Equal(2, Csv.Parse("0,1,cat\n3,4,dog\n").Count);
        Assert.Equal(3, Csv.Parse("1,3,dog\n2,2,cat\n4,1,cat\n").Count);
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
    public void A_long_field_is_cut_short_in_a_message()
    {
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("a,b,y\n" + new string('1', 100_000) + ",2,3\n"));
        Assert.Equal("Line 2, column 1 (a): '" + new string('1', 40) + "...' (100000 characters) is not a finite number (out of the float range).", ex.Message);
        ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("a,b,y\n1,2,cat\n1,2," + new string('z', 50) + "\n", new CsvOptions { ClassNames = new[] { "cat" } }));
        Assert.Equal("Line 3, column 3 (y): '" + new string('z', 40) + "...' (50 characters) is not one of the class names cat.", ex.Message);
    }

    [Fact]
    public void Unicode_white_space_around_a_number_is_white_space()
    {
        // A no-break space (U+00A0) pasted from a spreadsheet: Python's float() and pandas strip it too. The message used
        // to quote the trimmed field, '1.5', as "not a number".
        Dataset data = Csv.Parse("a,b,y\n1.5\u00a0,\u20032,x\n");
        Assert.Equal(new[] { 1.5f, 2f }, data.Features.ToArray());
    }

    [Fact]
    public void Lines_ending_with_a_separator_are_named_as_the_cause_of_an_empty_label()
    {
        // Before, the empty last column was taken for the label and 'x' for a feature: "column 3 (y): 'x' is not a number".
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("a,b,y,\n1,2,x,\n3,4,z,\n"));
        Assert.Equal("Line 2, column 4: The label, in the last column, is empty. If the lines end with a separator (an empty last column), remove the trailing separators; otherwise give this sample its label.", ex.Message);
        ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("1,2,x,\n3,4,z,\n", new CsvOptions { Header = CsvHeader.None }));
        Assert.Equal(1, ex.LineNumber);
        Assert.Equal(4, ex.Column);
        Assert.Equal(new[] { "x", "z" }, Csv.Parse("a,b,y\n1,2,x\n3,4,z\n").ClassNames);
    }

    [Fact]
    public void Class_names_are_sorted_by_code_point_as_Python_sorts_them()
    {
        // U+FF21 (fullwidth A) and U+1F600 (an emoji, a surrogate pair in UTF-16): Python's sorted() and scikit-learn's
        // LabelEncoder put U+FF21 first; ordinal UTF-16 order put the surrogate pair first.
        Dataset data = Csv.Parse("1,2,\uFF21\n1,2,\U0001F600\n1,2,\uFF21\n1,2,b\n");
        Assert.Equal(new[] { "b", "\uFF21", "\U0001F600" }, data.ClassNames);
        Assert.Equal(new[] { 1f, 2f, 1f, 0f }, data.Targets.ToArray());
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
    public void A_file_that_is_not_UTF_8_is_an_error_not_replacement_characters()
    {
        // Latin-1 "sétosa" was read as "s\uFFFDtosa": two names differing in their accents became one class.
        string path = Path.Combine(Path.GetTempPath(), "gennn-latin1-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes("a,b,species\n1,2,setosa\n3,4,s\u00e9tosa\n"));
        try
        {
            var e = Assert.Throws<CsvFormatException>(() => Csv.Load(path));
            Assert.Equal(Path.GetFileName(path) + ": The text is not valid UTF-8 (bytes E9 in the first kilobytes); expected a UTF-8 file: convert it (e.g. iconv -f latin1 -t utf-8, or pandas' to_csv(encoding='utf-8')).", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
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

    [Theory]
    [InlineData("nan,2,0", 1, "'nan' is not a finite number.")]
    [InlineData("?,2,0", 1, "'?' is not a number.")]
    [InlineData(",2,0", 1, "The value is empty; expected a number.")]
    [InlineData("1, ,0", 2, "The value is empty; expected a number.")]
    [InlineData("1e39,2,0", 1, "'1e39' is not a finite number (out of the float range).")]
    [InlineData("-inf,2,0", 1, "'-inf' is not a finite number.")]
    [InlineData("1,NA,0", 2, "'NA' is not a number.")]
    [InlineData("1,2,nan", 3, "'nan' is not a finite number.")]
    [InlineData("1,2,", 3, "The label, in the last column, is empty. If the lines end with a separator (an empty last column), remove the trailing separators; otherwise give this sample its label.")]
    public void A_first_row_with_a_missing_or_non_finite_value_is_bad_data_not_a_header(string firstRow, int column, string message)
    {
        // These rows used to become the header silently (and a first label 'nan' or '' made every label a class name).
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse(firstRow + "\n3,4,1\n5,6,0\n"));
        Assert.Equal(1, ex.LineNumber);
        Assert.Equal(column, ex.Column);
        Assert.Equal($"Line 1, column {column}: {message}", ex.Message);
    }

    [Fact]
    public void A_header_needs_one_real_name_and_then_may_hold_number_like_names()
    {
        Dataset data = Csv.Parse("x,NA,label\n1,2,0\n3,4,1\n");
        Assert.Equal(new[] { "x", "NA" }, data.FeatureNames);
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void Numbered_columns_with_a_named_label_are_a_header_when_the_labels_below_are_numbers()
    {
        // pandas' to_csv of a frame without column names: "0,1,2,y". Read as data, it was a sample of class "y" that
        // turned every numeric label into a class name (regression targets became class indices).
        Dataset regression = Csv.Parse("0,1,2,y\n0.1,0.2,0.3,1.5\n0.4,0.5,0.6,2.75\n0.7,0.8,0.9,-3.25\n");
        Assert.Equal(3, regression.Count);
        Assert.Equal(new[] { 1.5f, 2.75f, -3.25f }, regression.Targets.ToArray());
        Assert.Null(regression.ClassNames);
        Assert.Equal(new[] { "0", "1", "2" }, regression.FeatureNames);
        Assert.Equal(new[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f }, regression.Features.ToArray());

        Dataset classes = Csv.Parse("0,1,label\n1,2,0\n3,4,11\n5,6,2\n");
        Assert.Equal(new[] { 0f, 11f, 2f }, classes.Targets.ToArray());

        // A bad label on the line after such a header is reported with its own line number.
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("0,1,y\n\n1,2,nan\n3,4,1\n"));
        Assert.Equal(3, ex.LineNumber);
        Assert.Equal(3, ex.Column);

        // Text labels on the next line too: the first line is a sample, as before, and the line read ahead is not lost.
        Dataset names = Csv.Parse("1,2,cat\n3,4,dog\n5,6,cat\n");
        Assert.Equal(3, names.Count);
        Assert.Equal(new[] { "cat", "dog" }, names.ClassNames);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, names.Features.ToArray());

        // Labels declared to be class names keep the first line as data; a file of one line stays one sample.
        Dataset declared = Csv.Parse("1,2,y\n3,4,1\n", new CsvOptions { Labels = CsvLabels.ClassNames });
        Assert.Equal(2, declared.Count);
        Assert.Equal(1, Csv.Parse("1,2,y\n").Count);
    }

    [Fact]
    public void A_byte_order_mark_is_skipped_whatever_the_source()
    {
        Dataset data = Csv.Parse("\uFEFF1,2,0\n3,4,1\n");
        Assert.Equal(2, data.Count);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, data.Features);

        Dataset named = Csv.Parse("\uFEFFspecies,x\nsetosa,1\nvirginica,2\n", new CsvOptions { LabelColumnName = "species" });
        Assert.Equal(new[] { "x" }, named.FeatureNames);

        // A reader that does not strip it: a UTF-8 decoder without BOM detection.
        byte[] bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes("1,2,0\n")).ToArray();
        using var reader = new StreamReader(new MemoryStream(bytes), new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
        Assert.Equal(new[] { 1f, 2f }, Csv.Parse(reader).Features);

        string dir = Directory.CreateTempSubdirectory("gennn-csv-").FullName;
        try
        {
            string path = Path.Combine(dir, "bom.csv");
            File.WriteAllBytes(path, bytes);
            Assert.Equal(new[] { 1f, 2f }, Csv.Load(path).Features);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] GzipCsv(int rows, int seed = 1)
    {
        var random = new Random(seed);
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            text.Append(random.NextDouble().ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(random.NextDouble().ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(random.Next(3)).Append('\n');
        }

        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
        }

        return output.ToArray();
    }

    [Fact]
    public void A_truncated_gzip_file_is_an_error_not_a_shorter_data_set()
    {
        string dir = Directory.CreateTempSubdirectory("gennn-csv-").FullName;
        try
        {
            byte[] whole = GzipCsv(2000);
            string path = Path.Combine(dir, "data.csv.gz");
            File.WriteAllBytes(path, whole);
            Assert.Equal(2000, Csv.Load(path).Count);

            // Half the bytes used to give 905 rows silently; the others cut into the last block or the trailer.
            foreach (int length in new[] { whole.Length / 2, whole.Length - 9, whole.Length - 8, whole.Length - 4, whole.Length - 1, 20, 10, 3, 0 })
            {
                File.WriteAllBytes(path, whole[..length]);
                var ex = Assert.Throws<InvalidDataException>(() => Csv.Load(path));
                Assert.StartsWith("data.csv.gz: the gzip file is truncated", ex.Message);
            }

            // A damaged trailer is caught too (zlib's own check).
            byte[] damaged = (byte[])whole.Clone();
            damaged[^5] ^= 0x40;
            File.WriteAllBytes(path, damaged);
            Assert.StartsWith("data.csv.gz: ", Assert.Throws<InvalidDataException>(() => Csv.Load(path)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Concatenated_gzip_members_load_whole_and_their_truncation_is_caught()
    {
        string dir = Directory.CreateTempSubdirectory("gennn-csv-").FullName;
        try
        {
            // As `cat a.gz b.gz > c.gz` makes: the trailer at the end covers only the last member.
            byte[] first = GzipCsv(700, seed: 1), second = GzipCsv(300, seed: 2);
            byte[] both = first.Concat(second).ToArray();
            string path = Path.Combine(dir, "two.csv.gz");
            File.WriteAllBytes(path, both);
            Assert.Equal(1000, Csv.Load(path).Count);

            File.WriteAllBytes(path, both[..(first.Length + second.Length / 2)]);
            Assert.Throws<InvalidDataException>(() => Csv.Load(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_scikit_learn_header_announcing_huge_counts_allocates_only_what_is_read()
    {
        Csv.Parse("2,1,a,b\n1,0\n2,1\n"); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        // 19 bytes announcing 16 million features: the feature buffer used to be sized from the header (4 GB).
        var ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("1,16000000,a,b\n1,0"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4 << 20, $"Allocated {allocated:N0} bytes for a 19-byte input.");
        Assert.Equal(2, ex.LineNumber);
        Assert.Equal("Line 2: Expected 16000001 columns (16000000 features declared in the header, then the label), got 2.", ex.Message);

        ex = Assert.Throws<CsvFormatException>(() => Csv.Parse("1,2147483647,a,b\n1,0"));
        Assert.Equal("Line 2: Expected 2147483648 columns (2147483647 features declared in the header, then the label), got 2.", ex.Message);
    }

    [Fact]
    public void A_wide_row_reserves_no_more_rows_than_the_text_holds()
    {
        // Two rows of 200,000 columns (1.6 MB of text, 1.6 MB of floats): the feature list used to reserve room for 64 such
        // rows up front (51 MB), so a 1 KB gzip of one wide line allocated 154 MB.
        string row = string.Concat(Enumerable.Repeat("0,", 199_999)) + "1\n";
        string text = row + row;
        Csv.Parse("1,2,0\n"); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Dataset data = Csv.Parse(text);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2 * 199_999, data.Features.Length);
        Assert.True(allocated < 24 << 20, $"Allocated {allocated:N0} bytes for {text.Length:N0} chars.");
    }

    public static TheoryData<string> SmallHostileInputs => new()
    {
        "1,16000000,a,b\n1,0",
        "2000000000,2,a,b\n1,2,0\n",
        "1,2147483647,a,b\n" + string.Join(",", Enumerable.Repeat("1", 400)),
        new string(',', 1000),
        "a" + new string(',', 500) + "\n" + new string(',', 500),
        "\"" + new string('x', 1000),
        "\uFEFF" + string.Concat(Enumerable.Repeat("1,2,0\n", 150)),
        string.Concat(Enumerable.Repeat("\n", 1000)),
    };

    [Theory]
    [MemberData(nameof(SmallHostileInputs))]
    public void No_input_under_1_KB_allocates_more_than_a_few_MB(string text)
    {
        Assert.True(text.Length <= 1024);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            Csv.Parse(text);
        }
        catch (CsvFormatException)
        {
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4 << 20, $"Allocated {allocated:N0} bytes for a {text.Length}-char input.");
    }
}
