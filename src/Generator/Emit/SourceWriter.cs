using System;
using System.Globalization;
using System.Text;

namespace GenNN.Generator.Emit
{
    /// <summary>Writes indented C# text; <see cref="Block"/> opens a brace block closed by disposing it (after STJ's SourceWriter).</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _text = new();
        private int _indent;

        public void Line(string line)
        {
            if (line.Length > 0)
            {
                _text.Append(' ', _indent * 4).Append(line);
            }

            _text.Append('\n');
        }

        public void Line() => _text.Append('\n');

        /// <summary>Writes <paramref name="header"/> (if any) and <c>{</c>; disposing writes <c>}</c> plus <paramref name="closingSuffix"/>.</summary>
        public BlockScope Block(string? header = null, string closingSuffix = "")
        {
            if (header is not null) Line(header);
            Line("{");
            _indent++;
            return new BlockScope(this, closingSuffix);
        }

        public override string ToString() => _text.ToString();

        public readonly struct BlockScope : IDisposable
        {
            private readonly SourceWriter _writer;
            private readonly string _suffix;

            public BlockScope(SourceWriter writer, string suffix)
            {
                _writer = writer;
                _suffix = suffix;
            }

            public void Dispose()
            {
                _writer._indent--;
                _writer.Line("}" + _suffix);
            }
        }
    }

    /// <summary>Invariant-culture formatting for everything the emitter writes.</summary>
    internal static class Invariant
    {
        public static string S(int value) => value.ToString(CultureInfo.InvariantCulture);

        public static string S(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static string F(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

        /// <summary>A float that round-trips, as messages and comments print it (<c>0.2</c>).</summary>
        public static string R(float value) => value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>A float as a C# literal that round-trips (<c>0.2f</c>).</summary>
        public static string Literal(float value) => R(value) + "f";
    }
}
