using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("GenNN.Generator.Tests")]
