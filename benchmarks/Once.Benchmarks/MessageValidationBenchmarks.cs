using BenchmarkDotNet.Attributes;
using Once.Abstractions;
using Once.Core;

namespace Once.Benchmarks;

/// <summary>What every delivery pays before the entity looks at it: canonical JSON and the fingerprint.</summary>
public class MessageValidationBenchmarks
{
    private static readonly string Canonical = CanonicalJson.TryCanonicalize(Accounts.DepositData, out var canonical, out _)
        ? canonical
        : throw new InvalidOperationException("The deposit data is not valid JSON.");

    private Accounts _accounts = null!;
    private MessageEnvelope _envelope = null!;

    [GlobalSetup]
    public void Setup()
    {
        _accounts = new Accounts();
        _envelope = Accounts.Deposit(Accounts.NewId());
    }

    [Benchmark(Description = "CanonicalJson.TryCanonicalize (deposit data)")]
    public string Canonicalize()
    {
        CanonicalJson.TryCanonicalize(Accounts.DepositData, out var canonical, out _);
        return canonical;
    }

    [Benchmark(Description = "Fingerprint.Compute (deposit)")]
    public string ComputeFingerprint() => Fingerprint.Compute("deposit", Canonical, null);

    [Benchmark(Description = "EntityCatalog.Validate (deposit)")]
    public ValidatedMessage Validate() => _accounts.Validate(_envelope);
}
