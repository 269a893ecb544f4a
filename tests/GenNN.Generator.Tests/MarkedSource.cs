using Microsoft.CodeAnalysis.Text;

namespace GenNN.Generator.Tests;

/// <summary>
/// Test source with the expected diagnostic location marked as <c>[|...|]</c> (Roslyn's test convention).
/// <see cref="Text"/> is the source with the markers removed; <see cref="Span"/> is where the marked text is in it.
/// </summary>
internal sealed record MarkedSource(string Text, TextSpan Span)
{
    public static MarkedSource Parse(string marked)
    {
        int start = marked.IndexOf("[|", StringComparison.Ordinal);
        int end = marked.IndexOf("|]", StringComparison.Ordinal);
        if (start < 0 || end < start || marked.IndexOf("[|", start + 2, StringComparison.Ordinal) >= 0)
        {
            throw new ArgumentException("The source must contain exactly one [|...|] marker.", nameof(marked));
        }

        string text = marked.Remove(end, 2).Remove(start, 2);
        return new MarkedSource(text, TextSpan.FromBounds(start, end - 2));
    }

    /// <summary>The marked text itself.</summary>
    public string MarkedText => Text.Substring(Span.Start, Span.Length);

    /// <summary>The marked span as 0-based line positions.</summary>
    public LinePositionSpan LineSpan => SourceText.From(Text).Lines.GetLinePositionSpan(Span);
}
