using System.Threading;
using GenNN.Serialization;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

/// <summary>A failed save never damages the previous file and never leaves a temporary file behind.</summary>
public sealed class SafeTensorsAtomicSaveTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gen-nn-st-").FullName;
    private readonly ModelLayout _layout = Small();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string[] Entries() => Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName).Order().ToArray()!;

    private (string Path, byte[] Bytes) Previous()
    {
        string path = Path.Combine(_directory, "model.safetensors");
        SafeTensors.WriteFile(path, _layout, Values(_layout.ParameterCount, seed: 1));
        return (path, File.ReadAllBytes(path));
    }

    [Fact]
    public void SaveReplacesThePreviousFile()
    {
        var (path, before) = Previous();
        float[] parameters = Values(_layout.ParameterCount, seed: 2);

        SafeTensors.WriteFile(path, _layout, parameters);

        Assert.NotEqual(before, File.ReadAllBytes(path));
        Assert.Equal(Write(_layout, parameters), File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, Entries());
    }

    [Fact]
    public void SaveKeepsTheModeOfTheFileItReplaces()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix mode
        }

        // A model kept private (0600) became world-readable (0644) after the next save.
        var (path, _) = Previous();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        SafeTensors.WriteFile(path, _layout, Values(_layout.ParameterCount, seed: 2));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_read_only_file_is_replaced_only_by_a_process_that_could_write_it_in_place()
    {
        // Renaming over a file needs only the directory's permission: a read-only model was replaced silently.
        var (path, before) = Previous();
        File.SetAttributes(path, FileAttributes.ReadOnly);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        bool writable; // root (as in CI containers) may write a read-only file; another user may not
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.Write))
            {
            }

            writable = true;
        }
        catch (UnauthorizedAccessException)
        {
            writable = false;
        }

        float[] parameters = Values(_layout.ParameterCount, seed: 2);
        try
        {
            if (writable)
            {
                SafeTensors.WriteFile(path, _layout, parameters);
                Assert.Equal(Write(_layout, parameters), File.ReadAllBytes(path));
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
                }
            }
            else
            {
                var e = Assert.Throws<UnauthorizedAccessException>(() => SafeTensors.WriteFile(path, _layout, parameters));
                Assert.StartsWith("Could not save '" + path + "': the file exists and is not writable", e.Message, StringComparison.Ordinal);
                Assert.Equal(before, File.ReadAllBytes(path));
            }

            Assert.Equal(new[] { "model.safetensors" }, Entries());
        }
        finally
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
    }

    [Fact]
    public void Saving_through_a_symbolic_link_replaces_its_target_and_keeps_the_link()
    {
        var (target, _) = Previous();
        string link = Path.Combine(_directory, "link.safetensors");
        File.CreateSymbolicLink(link, target);
        float[] parameters = Values(_layout.ParameterCount, seed: 2);

        SafeTensors.WriteFile(link, _layout, parameters);

        Assert.Equal(target, new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)!.FullName);
        Assert.Equal(Write(_layout, parameters), File.ReadAllBytes(target));
        Assert.Equal(new[] { "link.safetensors", "model.safetensors" }, Entries());
    }

    [Fact]
    public void Concurrent_saves_and_loads_of_one_path_never_fail_or_mix()
    {
        // Each save checks that it may write the existing file by opening it for writing: that must not collide with
        // the other saver or with a reader, and every load sees one whole file.
        var (path, _) = Previous();
        float[][] models = { Values(_layout.ParameterCount, seed: 3), Values(_layout.ParameterCount, seed: 4) };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        int loads = 0;
        using var done = new CancellationTokenSource();
        var savers = Enumerable.Range(0, 2).Select(id => new Thread(() =>
        {
            try
            {
                for (int i = 0; i < 100; i++)
                {
                    SafeTensors.WriteFile(path, _layout, models[id]);
                }
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        var reader = new Thread(() =>
        {
            var parameters = new float[_layout.ParameterCount];
            while (!done.IsCancellationRequested)
            {
                try
                {
                    SafeTensors.ReadFile(path, _layout, parameters);
                    Assert.True(parameters.SequenceEqual(models[0]) || parameters.SequenceEqual(models[1]) || parameters.SequenceEqual(Values(_layout.ParameterCount, seed: 1)));
                    loads++;
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                    return;
                }
            }
        });

        reader.Start();
        Array.ForEach(savers, t => t.Start());
        Array.ForEach(savers, t => t.Join());
        done.Cancel();
        reader.Join();

        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        Assert.True(loads > 0);
        Assert.Equal(new[] { "model.safetensors" }, Entries());
    }

    [Fact]
    public void WrongParameterLengthLeavesThePreviousFileIntact()
    {
        var (path, before) = Previous();

        var e = Assert.Throws<ArgumentException>(() => SafeTensors.WriteFile(path, _layout, new float[_layout.ParameterCount - 1]));

        Assert.Contains("ParameterCount", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, Entries());
    }

    [Fact]
    public void InconsistentLayoutLeavesThePreviousFileIntact()
    {
        var (path, before) = Previous();
        ModelLayout broken = _layout with { ParameterCount = _layout.ParameterCount + 1 };

        Assert.Throws<ArgumentException>(() => SafeTensors.WriteFile(path, broken, new float[broken.ParameterCount]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, Entries());
    }

    [Fact]
    public void FailedRenameDeletesTheTemporaryFile()
    {
        // The destination is a non-empty directory: the temporary file is written and flushed, then the rename fails.
        var (_, before) = Previous();
        string blocked = Path.Combine(_directory, "blocked.safetensors");
        Directory.CreateDirectory(blocked);
        File.WriteAllText(Path.Combine(blocked, "keep.txt"), "keep");

        Exception e = Assert.ThrowsAny<Exception>(() => SafeTensors.WriteFile(blocked, _layout, Values(_layout.ParameterCount)));

        Assert.True(e is IOException or UnauthorizedAccessException, e.ToString());
        Assert.StartsWith("Could not save '" + blocked + "' (written to a temporary file in '", e.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "blocked.safetensors", "model.safetensors" }, Entries());
        Assert.Equal("keep", File.ReadAllText(Path.Combine(blocked, "keep.txt")));
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(_directory, "model.safetensors")));
    }

    [Fact]
    public void MissingDirectoryFailsWithoutCreatingAnything()
    {
        string path = Path.Combine(_directory, "absent", "model.safetensors");

        var e = Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.WriteFile(path, _layout, Values(_layout.ParameterCount)));

        // The message names the path given and the missing directory, not the temporary file.
        Assert.StartsWith("Could not save '" + path + "': the directory '" + Path.GetDirectoryName(path) + "' does not exist", e.Message);
        Assert.DoesNotContain(".gennn-tmp", e.Message);
        Assert.Empty(Entries());
    }

    [Fact]
    public void A_path_that_ends_in_a_separator_is_rejected_as_a_directory()
    {
        string path = _directory + Path.DirectorySeparatorChar;

        var e = Assert.Throws<ArgumentException>(() => SafeTensors.WriteFile(path, _layout, Values(_layout.ParameterCount)));

        Assert.Contains("Expected a file path, got a directory", e.Message);
        Assert.Empty(Entries());
    }

    [Fact]
    public void FailingStreamPropagatesTheErrorAndWritesNothingOnBadArguments()
    {
        var stream = new ThrowingStream();
        Assert.Throws<IOException>(() => SafeTensors.Write(stream, _layout, Values(_layout.ParameterCount)));

        var untouched = new MemoryStream();
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(untouched, _layout, new float[3]));
        Assert.Equal(0, untouched.Length);
    }

    private sealed class ThrowingStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("Disk full.");

        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("Disk full.");
    }
}
