using System.Runtime.CompilerServices;
using System.Text;

namespace GenNN.Generator.Tests;

/// <summary>
/// Approval ("snapshot") testing after Verify's convention, in one file and without the dependency.
/// </summary>
/// <remarks>
/// <para>The accepted text lives in <c>Snapshots/{TestClass}.{TestMethod}.verified.cs</c> next to the calling test's
/// source file. <c>{TestClass}</c> is the name of that source file (one test class per file, named after it).</para>
/// <para>When the actual text differs from the verified file, or there is no verified file yet, the actual text is
/// written to <c>.received.cs</c> beside it and the test fails. To accept a change, review the received file and
/// move it over the verified one, or run the tests once with <c>GENNN_ACCEPT_SNAPSHOTS=1</c>, which accepts every
/// snapshot it checks (then review the diff in git before committing).</para>
/// <para>Line endings are normalised to <c>\n</c> before comparing and writing, so snapshots do not depend on the
/// platform or on git's autocrlf.</para>
/// </remarks>
internal static class Snapshot
{
    /// <summary>The environment variable that accepts all received snapshots when set to <c>1</c>.</summary>
    public const string AcceptVariable = "GENNN_ACCEPT_SNAPSHOTS";

    /// <summary>Compares <paramref name="actual"/> with the verified snapshot of the calling test.</summary>
    /// <param name="actual">The text to check.</param>
    /// <param name="testFile">Filled in by the compiler: the calling source file.</param>
    /// <param name="testMethod">Filled in by the compiler: the calling test method.</param>
    public static void Verify(string actual, [CallerFilePath] string testFile = "", [CallerMemberName] string testMethod = "")
    {
        Assert.False(string.IsNullOrEmpty(testFile), "Snapshot.Verify needs the caller's file path.");
        string directory = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        string stem = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(testFile)}.{testMethod}");
        string verifiedPath = stem + ".verified.cs";
        string receivedPath = stem + ".received.cs";

        string normalized = Normalize(actual);
        string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;

        if (verified == normalized)
        {
            File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(directory);
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(verifiedPath, normalized, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, normalized, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        string what = verified is null
            ? $"No verified snapshot exists yet: {verifiedPath}"
            : $"The output differs from {verifiedPath}\n{FirstDifference(verified, normalized)}";
        Assert.Fail(
            $"{what}\nThe actual output was written to {receivedPath}.\n" +
            $"To accept it: review it, then move it over the verified file (mv \"{receivedPath}\" \"{verifiedPath}\"), " +
            $"or rerun the tests with {AcceptVariable}=1 to accept every snapshot, and review the diff before committing.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n');
        string[] a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string? el = i < e.Length ? e[i] : null;
            string? al = i < a.Length ? a[i] : null;
            if (el != al)
            {
                return $"First difference at line {i + 1}:\n  verified: {el ?? "<end of file>"}\n  received: {al ?? "<end of file>"}";
            }
        }

        return "The texts differ only in line endings.";
    }
}
