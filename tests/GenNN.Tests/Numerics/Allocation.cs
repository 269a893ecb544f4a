namespace GenNN.Tests.Numerics;

/// <summary>What a loop of calls allocates on the calling thread, measured the one way every allocation test here uses.</summary>
internal static class Allocation
{
    /// <summary>
    /// Runs <paramref name="run"/> for 50 iterations (a warm-up: first-call buffers, tiered JIT), then for up to three
    /// windows of 200 and returns the bytes the last window allocated: 0 as soon as one window allocates nothing. An
    /// allocation per call recurs in every window, while a one-off allocation of the runtime's (a method promoted to tier
    /// 1 mid-window on a loaded machine, once seen as 4936 bytes while the rest of the suite ran in parallel) does not.
    /// </summary>
    /// <param name="run">The calls, repeated the given number of times.</param>
    /// <returns>The bytes allocated by the last window of 200 iterations.</returns>
    public static long InLastWindow(Action<int> run)
    {
        run(50);
        long allocated = 0;
        for (int window = 0; window < 3 && (window == 0 || allocated != 0); window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            run(200);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        return allocated;
    }
}
