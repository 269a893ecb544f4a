using System;

namespace GenNN
{
    /// <summary>A CSV file could not be read as a data set; the message names the line and the column.</summary>
    public sealed class CsvFormatException : FormatException
    {
        /// <summary>Creates an exception without location.</summary>
        public CsvFormatException()
        {
        }

        /// <summary>Creates an exception without location.</summary>
        /// <param name="message">What is wrong.</param>
        public CsvFormatException(string message)
            : base(message)
        {
        }

        /// <summary>Creates an exception without location that wraps another.</summary>
        /// <param name="message">What is wrong.</param>
        /// <param name="innerException">The cause.</param>
        public CsvFormatException(string message, Exception innerException)
            : base(message, innerException)
        {
        }

        /// <summary>Creates an exception for a position in a file.</summary>
        /// <param name="message">The full message, including the position.</param>
        /// <param name="lineNumber">The 1-based line number, or 0 when not tied to a line.</param>
        /// <param name="column">The 1-based column number, or 0 when the problem concerns the whole line.</param>
        /// <param name="columnName">The column's header name, if known.</param>
        public CsvFormatException(string message, int lineNumber, int column, string? columnName)
            : base(message)
        {
            LineNumber = lineNumber;
            Column = column;
            ColumnName = columnName;
        }

        /// <summary>The 1-based line number of the problem, or 0 when not tied to a line.</summary>
        public int LineNumber { get; }

        /// <summary>The 1-based column number of the problem, or 0 when it concerns the whole line.</summary>
        public int Column { get; }

        /// <summary>The header name of <see cref="Column"/>, if the file has a header.</summary>
        public string? ColumnName { get; }
    }
}
