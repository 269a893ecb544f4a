using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GenNN.Generator.Tests;

/// <summary>
/// Every generated method that loops over a call's data is compiled fully optimised on its first call
/// (<c>MethodImplOptions.AggressiveOptimization</c>), unless it is inlined into one that is. Without the attribute the
/// JIT starts it as tier-0 code and promotes it only after 30 calls and a delay that restarts at every newly compiled
/// method: a Fit's first epoch and a service's first second of Predicts ran unoptimised kernels.
/// </summary>
public class JitOptimizationTests
{
    public static TheoryData<string> Networks => new()
    {
        """
        using GenNN;
        namespace Tests;
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(256, Activation.ReLU)]
        [BatchNorm]
        [Dropout(0.2)]
        [Dense(10, Activation.Softmax)]
        public partial class WideNet { }
        """,
        """
        using GenNN;
        namespace Tests;
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(12, 12, 3)]
        [Conv2D(8, 3, Activation.ReLU, Padding = Padding.Same)]
        [BatchNorm]
        [MaxPool2D(2)]
        [Conv2D(16, 3, Activation.ReLU, Stride = 2)]
        [GlobalAvgPool2D]
        [Dense(3, Activation.Softmax)]
        public partial class ConvNet { }
        """,
        """
        using GenNN;
        namespace Tests;
        [Network(Loss = Loss.MeanSquaredError)]
        [Input(16, 2)]
        [Conv1D(4, 3, Activation.Tanh)]
        [AvgPool1D(2)]
        [Flatten]
        [Dense(7, Activation.GELU)]
        [Dense(1, Activation.Linear)]
        public partial class SignalNet { }
        """,
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void EveryMethodWithALoopIsFullyOptimizedOrInlined(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        SyntaxNode root = CSharpSyntaxTree.ParseText(run.SingleSourceText).GetRoot();
        var checkedMethods = new List<string>();
        var missing = new List<string>();
        foreach (MethodDeclarationSyntax method in root.DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            bool loops = method.DescendantNodes(node => node is not LocalFunctionStatementSyntax and not LambdaExpressionSyntax)
                .Any(node => node is ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForEachStatementSyntax);
            if (!loops)
            {
                continue;
            }

            string impl = string.Join(" ", method.AttributeLists.SelectMany(list => list.Attributes)
                .Where(attribute => attribute.Name.ToString().EndsWith("MethodImpl", StringComparison.Ordinal))
                .Select(attribute => attribute.ArgumentList?.ToString() ?? ""));
            checkedMethods.Add(method.Identifier.Text);
            if (!impl.Contains("AggressiveOptimization", StringComparison.Ordinal) && !impl.Contains("AggressiveInlining", StringComparison.Ordinal))
            {
                missing.Add(method.Identifier.Text);
            }
        }

        Assert.Contains(checkedMethods, name => name.EndsWith("256", StringComparison.Ordinal)); // the check saw the kernels
        Assert.True(missing.Count == 0, "Methods with loops neither AggressiveOptimization nor inlined: " + string.Join(", ", missing));
    }
}
