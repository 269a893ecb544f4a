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

    /// <summary>
    /// The <c>MethodImpl</c> attributes of generated methods that loop over a call's data (kernel bodies and the passes that
    /// run them). <c>AggressiveOptimization</c> has the JIT compile such a method fully optimised on its first call. Without
    /// it a method with a loop starts as tier-0 code, reached through on-stack replacement, and is promoted only after 30
    /// calls and a call-counting delay that restarts at every newly compiled method (ten times longer on one CPU). On one
    /// Zen 3 core the first 100,000 Predicts of 784-64-64-10 then took 2.2 s instead of 0.4, and a first Fit epoch of
    /// 784-256-128-10 2.2-2.5 s instead of 1.1-1.3 (bench/RESULTS.md). Native AOT ignores the attribute: it compiles ahead.
    /// </summary>
    internal static class Jit
    {
        public const string Optimized = "[MethodImpl(MethodImplOptions.AggressiveOptimization)]";

        public const string OptimizedNoInlining = "[MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]";

        /// <summary><see cref="Optimized"/> for the network class, which names every type from <c>global::</c>.</summary>
        public const string OptimizedQualified = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";
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
