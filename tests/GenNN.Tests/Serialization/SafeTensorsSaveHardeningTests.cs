using System.Security.Cryptography;
using System.Text;
using GenNN.Serialization;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

/// <summary>The atomic save's temporary file: its name fits any legal target, and orphans of killed saves are removed.</summary>
public sealed class SafeTensorsSaveHardeningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gen-nn-save-").FullName;
    private readonly ModelLayout _layout = Small();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string[] Entries() => Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Theory]
    [InlineData(230, 'm')]
    [InlineData(255, 'm')]
    [InlineData(120, 'é')] // 2 bytes each in UTF-8: 240 bytes of name before the extension
    public void A_long_legal_file_name_saves(int length, char letter)
    {
        const string extension = ".safetensors";
        int count = letter == 'é' ? length : length - extension.Length;
        string name = new string(letter, count) + (letter == 'é' ? string.Empty : extension);
        Assert.True(Encoding.UTF8.GetByteCount(name) <= 255);
        string path = Path.Combine(_directory, name);
        float[] parameters = Values(_layout.ParameterCount);

        // The temporary name used to be "." + name + "." + 32 hex digits + ".tmp": PathTooLongException from 218 characters.
        SafeTensors.WriteFile(path, _layout, parameters);

        AssertBitwiseEqual(parameters, Read(File.ReadAllBytes(path), _layout));
        Assert.Equal(new[] { name }, Entries());
    }

    /// <summary>The temporary name the documented scheme gives for <paramref name="target"/>.</summary>
    private static string TempName(string target, string random)
    {
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(target.ToUpperInvariant())).AsSpan(0, 8)).ToLowerInvariant();
        return "." + target[..Math.Min(32, target.Length)] + "." + hash + "." + random + ".gennn-tmp";
    }

    private string Orphan(string target, string random, TimeSpan age)
    {
        string path = Path.Combine(_directory, TempName(target, random));
        File.WriteAllBytes(path, new byte[4096]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return Path.GetFileName(path);
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("a rather long model name that is cut in the temporary name.safetensors")]
    public void The_next_save_removes_orphans_of_killed_saves_to_the_same_path(string target)
    {
        TimeSpan old = TimeSpan.FromHours(1);
        string[] orphans = { Orphan(target, "0badc0de", old), Orphan(target, "12345678", old), Orphan(target, "ffffffff", TimeSpan.FromSeconds(30)) };

        // Kept: a fresh one (a concurrent save may be between closing and renaming it), one a running save holds
        // open, another target's, and files that merely look alike.
        string fresh = Orphan(target, "aaaaaaaa", TimeSpan.Zero);
        string held = Orphan(target, "bbbbbbbb", old);
        string otherTarget = Orphan("other.safetensors", "cccccccc", old);
        string unrelated = "." + target + ".0123456789abcdef0123456789abcdef.tmp";
        File.WriteAllText(Path.Combine(_directory, unrelated), "not ours");
        File.SetLastWriteTimeUtc(Path.Combine(_directory, unrelated), DateTime.UtcNow - old);

        using (new FileStream(Path.Combine(_directory, held), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            SafeTensors.WriteFile(Path.Combine(_directory, target), _layout, Values(_layout.ParameterCount));
        }

        string[] entries = Entries();
        Assert.All(orphans, o => Assert.DoesNotContain(o, entries));
        Assert.Equal(new[] { fresh, held, otherTarget, unrelated, target }.Order(StringComparer.Ordinal), entries);
    }
}
