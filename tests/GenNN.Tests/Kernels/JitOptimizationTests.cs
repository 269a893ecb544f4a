using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using GenNN.Kernels;

namespace GenNN.Tests.Kernels;

/// <summary>
/// The runtime's per-batch and per-call loops (the kernels, the optimizers' steps, the batch gather) are compiled fully
/// optimised on their first call (<c>MethodImplOptions.AggressiveOptimization</c>), as the generated kernels are. A method
/// with a loop otherwise starts as tier-0 code and waits for 30 calls and a call-counting delay that restarts at every
/// newly compiled method: a Fit's first epoch ran Adam's step and the panel copies unoptimised.
/// </summary>
public class JitOptimizationTests
{
    /// <summary>Loops that run once per run or guard thread hand-offs, not over a batch's data.</summary>
    private static readonly HashSet<string> Exempt = new(StringComparer.Ordinal)
    {
        "TrainingWorkspace.Run", "TrainingWorkspace.Grow",
    };

    [Fact]
    public void Every_runtime_loop_over_data_is_fully_optimized()
    {
        Assembly runtime = typeof(Adam).Assembly;
        Type[] types = runtime.GetTypes()
            .Where(t => (t.Namespace == "GenNN.Kernels" && t != typeof(WorkerPool) && t.DeclaringType != typeof(WorkerPool))
                || typeof(Optimizer).IsAssignableFrom(t)
                || t == typeof(BatchLoader.Enumerator))
            .ToArray();
        var checkedMethods = new List<string>();
        var missing = new List<string>();
        foreach (Type type in types)
        {
            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
            foreach (MethodInfo method in type.GetMethods(All))
            {
                string name = type.Name + "." + method.Name;
                if (method.Name.StartsWith("Throw", StringComparison.Ordinal) || method.Name.Contains('<') || Exempt.Contains(name) || !HasLoop(method))
                {
                    continue;
                }

                checkedMethods.Add(name);
                MethodImplAttributes flags = method.GetMethodImplementationFlags();
                if ((flags & (MethodImplAttributes.AggressiveOptimization | MethodImplAttributes.AggressiveInlining)) == 0)
                {
                    missing.Add(name);
                }
            }
        }

        Assert.Contains("Adam.Step256", checkedMethods); // the scan finds loops
        Assert.Contains("Panels.Pack", checkedMethods);
        Assert.Contains("Enumerator.MoveNext", checkedMethods);
        Assert.True(missing.Count == 0, "Loops neither AggressiveOptimization nor inlined: " + string.Join(", ", missing));
    }

    /// <summary>Whether the method's IL branches backwards: a loop, whatever C# statement wrote it.</summary>
    private static bool HasLoop(MethodInfo method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return false;
        }

        int offset = 0;
        while (offset < il.Length)
        {
            int start = offset;
            OpCode op = il[offset] == 0xFE ? TwoByte[il[offset + 1]] : OneByte[il[offset]];
            offset += op.Size;
            switch (op.OperandType)
            {
                case OperandType.ShortInlineBrTarget:
                    if (offset + 1 + (sbyte)il[offset] <= start) return true;
                    offset += 1;
                    break;
                case OperandType.InlineBrTarget:
                    if (offset + 4 + BitConverter.ToInt32(il, offset) <= start) return true;
                    offset += 4;
                    break;
                case OperandType.InlineSwitch:
                    offset += 4 + 4 * BitConverter.ToInt32(il, offset);
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    offset += 1;
                    break;
                case OperandType.InlineVar:
                    offset += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    offset += 8;
                    break;
                default:
                    offset += 4;
                    break;
            }
        }

        return false;
    }

    private static readonly OpCode[] OneByte = new OpCode[256], TwoByte = new OpCode[256];

    static JitOptimizationTests()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            if (op.Size == 1)
            {
                OneByte[op.Value & 0xFF] = op;
            }
            else
            {
                TwoByte[op.Value & 0xFF] = op;
            }
        }
    }
}
