using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace GenNN
{
    /// <summary>
    /// Reads delimited text into a <see cref="Dataset"/>: every column except the label column is a feature, the
    /// label column becomes the single target (a class index or a regression value).
    /// </summary>
    /// <remarks>
    /// <para>Class names in the label column become indices 0, 1, ... (see <see cref="CsvOptions.ClassOrder"/>) and are
    /// kept in <see cref="Dataset.ClassNames"/>. The files scikit-learn bundles (iris, wine, breast cancer), whose
    /// first line is <c>samples,features,class names...</c>, are recognised by <see cref="CsvHeader.Auto"/>, their
    /// counts checked and their class names kept.</para>
    /// <para>A bad row (a field that is not a finite number, a wrong number of columns, an unknown class name) throws
    /// a <see cref="CsvFormatException"/> that names the line, the column and, with a header, the column name.</para>
    /// <para>What is rejected rather than guessed: a first line that may be data is never taken for a header (see
    /// <see cref="CsvHeader.Auto"/>), so a data row holding <c>nan</c>, <c>?</c>, an empty field or <c>1e39</c> is
    /// reported with its line and column; a UTF-8 byte order mark before the first line is skipped; a truncated
    /// <c>.gz</c> file throws an <see cref="InvalidDataException"/>; the counts in a scikit-learn header are checked
    /// against the rows, and buffers are sized from the rows read, never from the counts a header announces.</para>
    /// </remarks>
    public static class Csv
    {
        /// <summary>UTF-8 that throws on invalid bytes, as pandas does, instead of turning them into U+FFFD (two class names could merge).</summary>
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        /// <summary>
        /// Orders class names by Unicode code point, as Python sorts strings (and so scikit-learn's <c>LabelEncoder</c>
        /// numbers classes). Ordinal order compares UTF-16 code units, which puts a character above U+FFFF (a surrogate
        /// pair, U+D800-U+DFFF) before one from U+E000 to U+FFFF.
        /// </summary>
        private static readonly Comparison<string> CodePointOrder = (a, b) =>
        {
            int n = Math.Min(a.Length, b.Length);
            for (int i = 0; i < n; i++)
            {
                if (a[i] != b[i])
                {
                    return CodePointKey(a[i]) - CodePointKey(b[i]);
                }
            }

            return a.Length - b.Length;
        };

        private static int CodePointKey(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;

        /// <summary>Reads a CSV file; a path ending in <c>.gz</c> is decompressed with gzip.</summary>
        /// <param name="path">The file to read.</param>
        /// <param name="options">How to read it; <see langword="null"/> for the defaults.</param>
        /// <returns>The data set, with <see cref="Dataset.FeatureNames"/> and <see cref="Dataset.ClassNames"/> when the file provides them.</returns>
        /// <exception cref="CsvFormatException">The content is malformed; the message starts with the file name and line.</exception>
        /// <exception cref="InvalidDataException">A <c>.gz</c> file is truncated (its compressed stream or its
        /// CRC-32 and length trailer is cut off) or corrupt; the message starts with the file name. A truncated file
        /// is never read as a shorter data set.</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        public static Dataset Load(string path, CsvOptions? options = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            var parser = new Parser(options ?? new CsvOptions(), Path.GetFileName(path));
            if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                using var reader = new StreamReader(path, StrictUtf8, detectEncodingFromByteOrderMarks: true);
                return parser.Run(reader);
            }

            using var gzip = new CheckedGzipStream(path);
            using (var reader = new StreamReader(gzip, StrictUtf8, detectEncodingFromByteOrderMarks: true))
            {
                Dataset data;
                try
                {
                    data = parser.Run(reader);
                }
                catch (CsvFormatException e) when (gzip.Ended && !gzip.IsComplete())
                {
                    // The last line was cut off by the truncation: the truncation is the error to report.
                    throw gzip.TruncatedError(e);
                }

                gzip.EnsureComplete();
                return data;
            }
        }

        /// <summary>Reads CSV text from a reader.</summary>
        /// <param name="reader">The text; read to its end, not disposed.</param>
        /// <param name="options">How to read it; <see langword="null"/> for the defaults.</param>
        /// <returns>The data set, with <see cref="Dataset.FeatureNames"/> and <see cref="Dataset.ClassNames"/> when the text provides them.</returns>
        /// <exception cref="CsvFormatException">The content is malformed; the message names the line and column.</exception>
        public static Dataset Parse(TextReader reader, CsvOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(reader);
            return new Parser(options ?? new CsvOptions(), source: null).Run(reader);
        }

        /// <summary>Reads CSV text from a string.</summary>
        /// <param name="text">The whole CSV content.</param>
        /// <param name="options">How to read it; <see langword="null"/> for the defaults.</param>
        /// <returns>The data set.</returns>
        /// <exception cref="CsvFormatException">The content is malformed; the message names the line and column.</exception>
        public static Dataset Parse(string text, CsvOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(text);
            using var reader = new StringReader(text);
            return Parse(reader, options);
        }

        /// <summary>One parse: the options, the state discovered from the first lines, and the growing arrays.</summary>
        private sealed class Parser
        {
            private readonly CsvOptions _options;
            private readonly string? _source;
            /// <summary>Missing-value markers (compared ignoring case) that count as number-like in header detection; pandas reads them as NaN.</summary>
            private static readonly string[] MissingValueMarkers = { "?", "NA", "N/A", "#N/A", "<NA>", "null", "None" };

            private readonly List<Field> _fields = new();
            private string[]? _columnNames;
            private string _line = string.Empty;
            private int _lineNumber;
            private (string Line, int Number)? _pending; // a line DetectHeader read ahead, and its number

            public Parser(CsvOptions options, string? source)
            {
                if (options.Separator is '"' or '\r' or '\n')
                {
                    throw new ArgumentException("The separator cannot be a quote or a line break.", nameof(options));
                }

                _options = options;
                _source = source;
            }

            public Dataset Run(TextReader reader)
            {
                if (!NextLine(reader))
                {
                    throw Error(0, 0, "There is no data: the text is empty.");
                }

                int columns = _fields.Count;
                int declaredRows = -1, declaredFeatures = -1;
                string[]? headerClassNames = null;
                CsvHeader header = _options.Header == CsvHeader.Auto ? DetectHeader(reader) : _options.Header;
                bool numberedColumns = _options.Header == CsvHeader.Auto && header == CsvHeader.None && AreColumnNumbers(LabelColumn(columns));
                int headerLine = _lineNumber;
                switch (header)
                {
                    case CsvHeader.ColumnNames:
                        _columnNames = new string[columns];
                        for (int c = 0; c < columns; c++)
                        {
                            _columnNames[c] = Text(_fields[c]);
                        }

                        break;
                    case CsvHeader.ScikitLearn:
                        if (columns < 3 || !TryInt(_fields[0], out declaredRows) || !TryInt(_fields[1], out declaredFeatures))
                        {
                            throw Error(0, "Expected a scikit-learn header 'samples,features,class names...' with two non-negative integers and at least one class name.");
                        }

                        headerClassNames = new string[columns - 2];
                        for (int c = 2; c < columns; c++)
                        {
                            headerClassNames[c - 2] = Text(_fields[c]);
                        }

                        break;
                }

                if (header != CsvHeader.None && !NextLine(reader))
                {
                    throw Error(0, 0, Format("There is no data after the header on line {0}.", _lineNumber));
                }

                // The column count comes from the first data row, never from a count the header announces: sizes
                // are taken from what is read, so a header that announces millions of features allocates nothing.
                columns = _fields.Count;
                if (header == CsvHeader.ScikitLearn && columns - 1 != declaredFeatures)
                {
                    throw Error(0, Format("Expected {0} columns ({1} features declared in the header, then the label), got {2}.",
                        (long)declaredFeatures + 1, declaredFeatures, columns));
                }

                if (_columnNames is not null && _columnNames.Length != columns)
                {
                    throw Error(0, Format("Expected {0} columns, as the header on line {1} names, got {2}{3}.", _columnNames.Length, headerLine, columns,
                        columns == _columnNames.Length + 1 ? " (a file written with row names, as R's write.table does, has one column more than its header names)" : string.Empty));
                }

                if (columns < 2)
                {
                    throw Error(0, Format("Expected at least 2 columns (features and a label), got {0}.", columns));
                }

                int label = LabelColumn(columns);
                if (label == columns - 1 && !_fields[label].Quoted && _line.AsSpan(_fields[label].Start, _fields[label].Length).IsWhiteSpace()
                    && (_columnNames is null || _columnNames[label].Length == 0))
                {
                    // Lines that end with a separator (pandas' "Unnamed" last column): otherwise the empty column is taken
                    // for the label and the real one for a feature, and the error names the wrong column.
                    throw Error(label + 1, "The label, in the last column, is empty. If the lines end with a separator (an empty last column), remove the trailing separators; otherwise give this sample its label.");
                }

                bool names = headerClassNames is null && _options.Labels switch
                {
                    CsvLabels.Numbers => false,
                    CsvLabels.ClassNames => true,
                    _ => !IsNumberLike(_fields[Math.Min(label, _fields.Count - 1)])
                         || (_options.ClassNames?.Contains(Text(_fields[Math.Min(label, _fields.Count - 1)])) ?? false),
                };

                // Numeric labels index the class names a scikit-learn header or CsvOptions.ClassNames gives.
                IReadOnlyList<string>? indexedNames = headerClassNames ?? (names ? null : _options.ClassNames);

                var classIndex = new Dictionary<string, int>(StringComparer.Ordinal);
                var classNames = new List<string>();
                bool fixedClasses = names && _options.ClassNames is not null;
                if (fixedClasses)
                {
                    foreach (string name in _options.ClassNames!)
                    {
                        if (!classIndex.TryAdd(name, classNames.Count))
                        {
                            throw new ArgumentException(Format("The class name '{0}' appears twice in CsvOptions.ClassNames.", name), nameof(_options.ClassNames));
                        }

                        classNames.Add(name);
                    }
                }

                int featureCount = columns - 1;
                // Room for the first row: the lists grow with the rows read, never ahead of them.
                var features = new List<float>(featureCount);
                var targets = new List<float>();
                var labelNames = new List<string>();
                do
                {
                    if (_fields.Count != columns)
                    {
                        throw Error(0, Format("Expected {0} columns{1}, got {2}.", columns,
                            header == CsvHeader.ScikitLearn ? Format(" ({0} features declared in the header, then the label)", declaredFeatures) : string.Empty,
                            _fields.Count));
                    }

                    for (int c = 0; c < columns; c++)
                    {
                        if (c == label)
                        {
                            continue;
                        }

                        features.Add(Number(c));
                    }

                    if (!names)
                    {
                        float value = Number(label);
                        if (indexedNames is not null && !(value >= 0 && value < indexedNames.Count && value == MathF.Floor(value)))
                        {
                            throw Error(label + 1, Format("The label {0} is not a class index from 0 to {1} ({2} names {3} classes).",
                                Quote(_fields[label]), indexedNames.Count - 1, headerClassNames is null ? "CsvOptions.ClassNames" : "the header", indexedNames.Count));
                        }

                        targets.Add(value);
                    }
                    else
                    {
                        string name = Text(_fields[label]);
                        if (!classIndex.TryGetValue(name, out int index))
                        {
                            if (IsMissing(name))
                            {
                                // pandas reads these as NaN: a missing label is not a class of its own.
                                throw Error(label + 1, name.Trim().Length == 0
                                    ? "The label is missing (an empty field); expected a class name."
                                    : Format("The label is missing ('{0}', a missing-value marker); expected a class name. A class really named '{0}' can be listed in CsvOptions.ClassNames.", name));
                            }

                            if (fixedClasses)
                            {
                                throw Error(label + 1, Format("{0} is not one of the class names {1}.", Quote(name), string.Join(", ", classNames)));
                            }

                            index = classNames.Count;
                            classIndex.Add(name, index);
                            classNames.Add(name);
                        }

                        targets.Add(index);
                    }
                }
                while (NextLine(reader));

                if (numberedColumns && names && !fixedClasses && targets.Count > 1)
                {
                    // The first row's features were 0, 1, 2, ... and its label text: pandas' header of numbered columns
                    // ("0,1,2,species"), or a sample. Its label is class 0 in first-seen order; a header's names a class of
                    // one, among classes that repeat.
                    var counts = new int[classNames.Count];
                    bool repeats = false;
                    foreach (float t in targets)
                    {
                        repeats |= ++counts[(int)t] > 1;
                    }

                    if (counts[0] == 1 && repeats)
                    {
                        throw Error(headerLine, 0, Format(
                            "This line may be a header: its label {0} is on no other line, while other labels repeat. Set CsvOptions.Header to CsvHeader.ColumnNames if it is a header, or to CsvHeader.None if it is a sample.",
                            Quote(classNames[0])));
                    }
                }

                if (headerClassNames is not null && declaredRows != targets.Count)
                {
                    throw Error(0, 0, Format("The header on line 1 declares {0} samples but the file has {1}.", declaredRows, targets.Count));
                }

                float[] targetArray = targets.ToArray();
                IReadOnlyList<string>? resultClassNames = indexedNames?.ToArray();
                if (names)
                {
                    if (!fixedClasses && _options.ClassOrder == CsvClassOrder.Sorted)
                    {
                        string[] sorted = classNames.ToArray();
                        Array.Sort(sorted, CodePointOrder);
                        var remap = new float[sorted.Length];
                        for (int k = 0; k < sorted.Length; k++)
                        {
                            remap[classIndex[sorted[k]]] = k;
                        }

                        for (int i = 0; i < targetArray.Length; i++)
                        {
                            targetArray[i] = remap[(int)targetArray[i]];
                        }

                        resultClassNames = sorted;
                    }
                    else
                    {
                        resultClassNames = classNames.ToArray();
                    }
                }

                string[]? featureNames = null;
                if (_columnNames is not null)
                {
                    featureNames = new string[featureCount];
                    for (int c = 0, k = 0; c < columns; c++)
                    {
                        if (c != label)
                        {
                            featureNames[k++] = _columnNames[c];
                        }
                    }
                }

                return new Dataset(features.ToArray(), featureCount, targetArray, 1, copy: false)
                {
                    ClassNames = resultClassNames,
                    FeatureNames = featureNames,
                };
            }

            /// <summary>
            /// The first line is a header only if a field outside the label column is not number-like (see
            /// <see cref="IsNumberLike"/>): a data row with a missing or non-finite value is then read as data and
            /// rejected with its line and column, instead of vanishing as a header. One exception: when only its label
            /// is text and the next line's label is number-like, it is a header of numbered columns (pandas writes
            /// <c>0,1,2,y</c> for a frame without column names): labels that are numbers do not start with one name.
            /// </summary>
            private CsvHeader DetectHeader(TextReader reader)
            {
                int label = LabelColumn(_fields.Count, forDetection: true);
                bool allNumberLike = true;
                for (int c = 0; c < _fields.Count && allNumberLike; c++)
                {
                    allNumberLike = c == label || IsNumberLike(_fields[c]);
                }

                if (_options.LabelColumnName is not null)
                {
                    return CsvHeader.ColumnNames; // a label found by its name needs a header of names, even numeric ones
                }

                if (allNumberLike)
                {
                    bool textLabel = label >= 0 && !IsNumberLike(_fields[label]);
                    return textLabel && _options.Labels != CsvLabels.ClassNames && NextLabelIsNumberLike(reader, label)
                        ? CsvHeader.ColumnNames
                        : CsvHeader.None;
                }

                return _fields.Count >= 3 && TryInt(_fields[0], out _) && TryInt(_fields[1], out _)
                    ? CsvHeader.ScikitLearn
                    : CsvHeader.ColumnNames;
            }

            /// <summary>
            /// Whether the line after the current one has a number-like field in column <paramref name="label"/>. Reads
            /// that line ahead: the current line stays current, and the next <see cref="NextLine"/> returns the one read.
            /// </summary>
            private bool NextLabelIsNumberLike(TextReader reader, int label)
            {
                string line = _line;
                int lineNumber = _lineNumber;
                if (!NextLine(reader))
                {
                    return false;
                }

                bool numberLike = label < _fields.Count && IsNumberLike(_fields[label]);
                _pending = (_line, _lineNumber);
                _line = line;
                _lineNumber = lineNumber;
                Split();
                return numberLike;
            }

            private int LabelColumn(int columns, bool forDetection = false)
            {
                if (_options.LabelColumnName is string wanted)
                {
                    if (forDetection)
                    {
                        return -1;
                    }

                    if (_columnNames is null)
                    {
                        throw new ArgumentException(Format(
                            "LabelColumnName '{0}' needs a header row with column names, but the first line was read as {1}.",
                            wanted, _options.Header == CsvHeader.Auto ? "a header of another kind" : _options.Header.ToString()), "options");
                    }

                    int found = Array.IndexOf(_columnNames, wanted);
                    if (found < 0)
                    {
                        found = Array.FindIndex(_columnNames, n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase));
                    }

                    if (found < 0)
                    {
                        throw new ArgumentException(Format("There is no column named '{0}'; the header has {1}.",
                            wanted, string.Join(", ", _columnNames)), "options");
                    }

                    return found;
                }

                int index = _options.LabelColumn ?? -1;
                int resolved = index < 0 ? columns + index : index;
                if (resolved < 0 || resolved >= columns)
                {
                    if (forDetection)
                    {
                        return -1;
                    }

                    throw new ArgumentException(Format("LabelColumn {0} is outside the {1} columns (expected -{1} .. {2}).",
                        index, columns, columns - 1), "options");
                }

                return resolved;
            }

            private float Number(int column)
            {
                Field field = _fields[column];
                // Trimmed of any Unicode white space (a no-break space pasted from a spreadsheet), as Python's float()
                // and Text() trim it; float.TryParse alone allows only ASCII white space around the number.
                ReadOnlySpan<char> text = _line.AsSpan(field.Start, field.Length).Trim();
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                {
                    throw Error(column + 1, text.IsEmpty ? "The value is empty; expected a number."
                        : IsInfToken(text) ? Format("{0} is not a finite number.", Quote(field))
                        : Format("{0} is not a number.", Quote(field)));
                }

                if (!float.IsFinite(value))
                {
                    throw Error(column + 1, Format("{0} is not a finite number{1}.", Quote(field),
                        float.IsInfinity(value) && !text.Contains("inf", StringComparison.OrdinalIgnoreCase) && !text.Contains('\u221E') ? " (out of the float range)" : string.Empty));
                }

                return value;
            }

            /// <summary>
            /// True for a field that stands for a number, valid or not: anything float.TryParse accepts (including
            /// <c>nan</c>, <c>Infinity</c> and values beyond the float range such as <c>1e39</c>), Python's <c>inf</c>,
            /// an empty field, and the usual missing-value markers (<see cref="MissingValueMarkers"/>).
            /// </summary>
            private bool IsNumberLike(Field field)
            {
                ReadOnlySpan<char> text = _line.AsSpan(field.Start, field.Length).Trim();
                return text.IsEmpty || float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || IsInfToken(text)
                       || IsMissingMarker(text);
            }

            private static bool IsMissingMarker(ReadOnlySpan<char> text)
            {
                foreach (string marker in MissingValueMarkers)
                {
                    if (text.Equals(marker, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>
            /// Whether the current line's fields outside <paramref name="label"/> are the column numbers 0, 1, 2, ... (or
            /// 1, 2, 3, ...), at least two of them: how pandas and numpy name the columns of a frame made from an array.
            /// </summary>
            private bool AreColumnNumbers(int label)
            {
                int first = -1, expected = -1, count = 0;
                for (int c = 0; c < _fields.Count; c++)
                {
                    if (c == label)
                    {
                        continue;
                    }

                    if (!TryInt(_fields[c], out int value) || (first < 0 ? value > 1 : value != expected))
                    {
                        return false;
                    }

                    first = first < 0 ? value : first;
                    expected = value + 1;
                    count++;
                }

                return count >= 2;
            }

            /// <summary>An empty label, or one pandas reads as NaN: a missing-value marker or <c>nan</c>.</summary>
            private static bool IsMissing(string text)
            {
                ReadOnlySpan<char> trimmed = text.AsSpan().Trim();
                return trimmed.IsEmpty || trimmed.Equals("nan", StringComparison.OrdinalIgnoreCase) || IsMissingMarker(trimmed);
            }

            /// <summary>Python's and pandas' spelling of infinity, which float.TryParse does not accept.</summary>
            private static bool IsInfToken(ReadOnlySpan<char> text)
                => text.Equals("inf", StringComparison.OrdinalIgnoreCase) || text.Equals("-inf", StringComparison.OrdinalIgnoreCase)
                   || text.Equals("+inf", StringComparison.OrdinalIgnoreCase);

            private bool TryInt(Field field, out int value)
                => int.TryParse(_line.AsSpan(field.Start, field.Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

            private string Text(Field field)
            {
                string text = _line.Substring(field.Start, field.Length);
                return field.Quoted ? text.Replace("\"\"", "\"", StringComparison.Ordinal) : text.Trim();
            }

            /// <summary>A field for a message, in quotes; a long one is cut to its start and its length.</summary>
            private string Quote(Field field) => Quote(Text(field));

            private static string Quote(string text) => text.Length <= MaxQuoted
                ? "'" + text + "'"
                : Format("'{0}...' ({1} characters)", text.Substring(0, char.IsHighSurrogate(text[MaxQuoted - 1]) ? MaxQuoted - 1 : MaxQuoted), text.Length);

            private const int MaxQuoted = 40;

            /// <summary>Reads the next non-blank line and splits it into <see cref="_fields"/>.</summary>
            private string? ReadLine(TextReader reader)
            {
                try
                {
                    return reader.ReadLine();
                }
                catch (DecoderFallbackException e)
                {
                    // The reader decodes kilobytes ahead: the bad bytes are after the last line returned, maybe not on the next.
                    throw Error(0, 0, Format("The text is not valid UTF-8 (bytes {0} {1}); expected a UTF-8 file: convert it (e.g. iconv -f latin1 -t utf-8, or pandas' to_csv(encoding='utf-8')).",
                        e.BytesUnknown is { Length: > 0 } bytes ? Convert.ToHexString(bytes) : "?",
                        _lineNumber == 0 ? "in the first kilobytes" : Format("in the kilobytes after line {0}", _lineNumber)));
                }
            }

            private bool NextLine(TextReader reader)
            {
                if (_pending is (string pendingLine, int pendingNumber))
                {
                    _pending = null;
                    _line = pendingLine;
                    _lineNumber = pendingNumber;
                    Split();
                    return true;
                }

                while (ReadLine(reader) is string line)
                {
                    _lineNumber++;
                    if (_lineNumber == 1 && line.StartsWith('\uFEFF'))
                    {
                        // A UTF-8 byte order mark that reached the text (Parse of a decoded string, a reader that kept it).
                        line = line.Substring(1);
                    }

                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    _line = line;
                    Split();
                    return true;
                }

                return false;
            }

            private void Split()
            {
                _fields.Clear();
                string line = _line;
                char separator = _options.Separator;
                int i = 0;
                while (true)
                {
                    int start = i;
                    while (i < line.Length && line[i] != separator && char.IsWhiteSpace(line[i]))
                    {
                        i++;
                    }

                    if (i < line.Length && line[i] == '"')
                    {
                        int open = i++;
                        int contentStart = i;
                        while (true)
                        {
                            if (i >= line.Length)
                            {
                                throw Error(_fields.Count + 1, Format("The quote opened at character {0} is not closed on this line.", open + 1));
                            }

                            if (line[i] == '"')
                            {
                                if (i + 1 < line.Length && line[i + 1] == '"')
                                {
                                    i += 2;
                                    continue;
                                }

                                break;
                            }

                            i++;
                        }

                        int contentEnd = i++;
                        while (i < line.Length && line[i] != separator)
                        {
                            if (!char.IsWhiteSpace(line[i]))
                            {
                                throw Error(_fields.Count + 1, "Unexpected text after a closing quote; expected a separator.");
                            }

                            i++;
                        }

                        _fields.Add(new Field(contentStart, contentEnd - contentStart, Quoted: true));
                    }
                    else
                    {
                        while (i < line.Length && line[i] != separator)
                        {
                            i++;
                        }

                        _fields.Add(new Field(start, i - start, Quoted: false));
                    }

                    if (i >= line.Length)
                    {
                        return;
                    }

                    i++; // the separator
                }
            }

            private CsvFormatException Error(int column, string message) => Error(_lineNumber, column, message);

            private CsvFormatException Error(int line, int column, string message)
            {
                string? name = column > 0 && _columnNames is not null && column <= _columnNames.Length && _columnNames[column - 1].Length > 0
                    ? _columnNames[column - 1]
                    : null;
                var where = new StringBuilder();
                if (_source is not null)
                {
                    where.Append(_source).Append(", ");
                }

                if (line > 0)
                {
                    where.Append("line ").Append(line.ToString(CultureInfo.InvariantCulture));
                    if (column > 0)
                    {
                        where.Append(", column ").Append(column.ToString(CultureInfo.InvariantCulture));
                        if (name is not null)
                        {
                            where.Append(" (").Append(name).Append(')');
                        }
                    }

                    where.Append(": ");
                }
                else if (_source is not null)
                {
                    where.Length -= 2;
                    where.Append(": ");
                }

                if (_source is null && where.Length > 0)
                {
                    where[0] = char.ToUpperInvariant(where[0]);
                }

                return new CsvFormatException(where.Append(message).ToString(), line, column, name);
            }

            private static string Format(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

            private readonly record struct Field(int Start, int Length, bool Quoted);
        }
    }
}
