namespace Once.Benchmarks; internal static class Program { private static void Main() { } }
