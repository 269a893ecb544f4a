using System.Collections.Generic;

namespace GenNN
{
    /// <summary>How <see cref="Csv"/> treats the first line of a file.</summary>
    public enum CsvHeader
    {
        /// <summary>
        /// Decide from the first line: it is data when every field except the label column is number-like; otherwise
        /// it is a <see cref="ScikitLearn"/> header when its first two fields are integers, and a
        /// <see cref="ColumnNames"/> header in all other cases. One exception: a first line whose only text is its label,
        /// followed by a line whose label is number-like, is a <see cref="ColumnNames"/> header of numbered columns
        /// (pandas writes <c>0,1,2,y</c> for a frame without column names), not a sample of a class named <c>y</c>.
        /// When the labels are class names, such a line cannot be told from a sample as it is read: if its features are
        /// the column numbers 0, 1, 2, ... (or 1, 2, 3, ...) and its label is on no other line while other labels repeat
        /// (<c>0,1,2,species</c> over rows labelled <c>setosa</c>, ...), the load throws a <see cref="CsvFormatException"/>
        /// asking for <see cref="ColumnNames"/> or <see cref="None"/>. With
        /// <see cref="CsvOptions.LabelColumnName"/> set, the first line is always a <see cref="ColumnNames"/> header.
        /// </summary>
        /// <remarks>
        /// Number-like means anything that stands for a number, valid or not: a number in the invariant culture
        /// (including <c>nan</c>, <c>inf</c>, <c>Infinity</c> and values beyond the float range such as <c>1e39</c>), an
        /// empty field, or a missing-value marker (<c>?</c>, <c>NA</c>, <c>N/A</c>, <c>#N/A</c>, <c>&lt;NA&gt;</c>,
        /// <c>null</c>, <c>None</c>, ignoring case). So a header needs at least one real name, and a first data row
        /// with a missing or non-finite value is read as data and rejected with a <see cref="CsvFormatException"/>
        /// that names its line and column, instead of silently becoming the header. The same rule decides
        /// <see cref="CsvLabels.Auto"/>: a number-like first label means numeric labels.
        /// </remarks>
        Auto = 0,

        /// <summary>No header: the first line is data.</summary>
        None = 1,

        /// <summary>The first line names the columns; the label column may be chosen by name.</summary>
        ColumnNames = 2,

        /// <summary>
        /// The format of the data sets scikit-learn bundles (iris, wine, breast cancer): the first line is
        /// <c>samples,features,class name 0,class name 1,...</c> and every following line is the features then the
        /// integer class index. The counts are checked and the names become <see cref="Dataset.ClassNames"/>.
        /// </summary>
        ScikitLearn = 3,
    }

    /// <summary>How <see cref="Csv"/> reads the label column.</summary>
    public enum CsvLabels
    {
        /// <summary><see cref="Numbers"/> if the first data row's label is number-like (see <see cref="CsvHeader.Auto"/>), otherwise <see cref="ClassNames"/>.</summary>
        Auto = 0,

        /// <summary>Labels are numbers: class indices or regression values, stored as they are.</summary>
        Numbers = 1,

        /// <summary>Labels are class names (even if they look like numbers), mapped to class indices 0, 1, ...</summary>
        ClassNames = 2,
    }

    /// <summary>The order in which <see cref="Csv"/> numbers class names it discovers.</summary>
    public enum CsvClassOrder
    {
        /// <summary>The names sorted by Unicode code point (culture-independent), as scikit-learn's <c>LabelEncoder</c> sorts them: the same names give the same indices in every file.</summary>
        Sorted = 0,

        /// <summary>The order in which the names first appear in the file, as pandas' <c>factorize</c>.</summary>
        FirstSeen = 1,
    }

    /// <summary>Options for <see cref="Csv.Load(string, CsvOptions?)"/> and <see cref="Csv.Parse(System.IO.TextReader, CsvOptions?)"/>.</summary>
    /// <remarks>
    /// Numbers are always parsed with the invariant culture (<c>.</c> as decimal separator). Fields may be enclosed in
    /// double quotes (<c>""</c> inside escapes a quote); blank lines are skipped; a field cannot span lines.
    /// </remarks>
    public sealed class CsvOptions
    {
        /// <summary>The field separator; a comma by default.</summary>
        public char Separator { get; init; } = ',';

        /// <summary>How to treat the first line; <see cref="CsvHeader.Auto"/> by default.</summary>
        public CsvHeader Header { get; init; } = CsvHeader.Auto;

        /// <summary>
        /// The 0-based index of the label column; negative values count from the end (-1 is the last column).
        /// <see langword="null"/> (the default) means the last column unless <see cref="LabelColumnName"/> is set.
        /// </summary>
        public int? LabelColumn { get; init; }

        /// <summary>The name of the label column in the header; requires a <see cref="CsvHeader.ColumnNames"/> header.</summary>
        public string? LabelColumnName { get; init; }

        /// <summary>How to read labels; <see cref="CsvLabels.Auto"/> by default.</summary>
        public CsvLabels Labels { get; init; } = CsvLabels.Auto;

        /// <summary>How to number class names found in the file; <see cref="CsvClassOrder.Sorted"/> by default. Ignored when <see cref="ClassNames"/> is set.</summary>
        public CsvClassOrder ClassOrder { get; init; } = CsvClassOrder.Sorted;

        /// <summary>
        /// The class names, in index order. When labels are names, set it to give a training and a test file the same
        /// numbering; a label that is not in the list is an error. When labels are numbers, they are indices into this
        /// list (an index outside it is an error) and it becomes <see cref="Dataset.ClassNames"/>. With
        /// <see cref="CsvLabels.Auto"/>, a first label found in the list means names, even a number-like one such as
        /// <c>None</c>. A <see cref="CsvHeader.ScikitLearn"/> header supplies its own names and ignores this.
        /// </summary>
        public IReadOnlyList<string>? ClassNames { get; init; }
    }
}
