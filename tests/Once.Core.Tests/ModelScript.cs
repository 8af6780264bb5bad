using CsCheck;

namespace Once.Core.Tests;

internal enum StepKind
{
    /// <summary>A new message id with new content.</summary>
    Fresh,

    /// <summary>An earlier message delivered again, same content (maybe spelled differently).</summary>
    Redeliver,

    /// <summary>An earlier message id reused for other content.</summary>
    Reuse,
}

internal enum VersionMode
{
    None,
    Current,
    Stale,
    Random,
}

/// <summary>One generated step. Pick chooses an earlier message (modulo how many there are); Number
/// feeds stale and random expected versions; Spelling chooses how the JSON is written.</summary>
internal sealed record Step(StepKind Kind, int Pick, ModelOp Op, VersionMode Mode, int Number, int Spelling);

/// <summary>A generated delivery script: the steps, then a shuffled redelivery of the first messages
/// (message i goes out in the order of TailKeys[i]).</summary>
internal sealed record Script(Step[] Steps, int[] TailKeys)
{
    public static Gen<Script> Generator(Gen<ModelOp> op)
    {
        var kind = Gen.Frequency((5, StepKind.Fresh), (3, StepKind.Redeliver), (1, StepKind.Reuse));
        var mode = Gen.Frequency((6, VersionMode.None), (2, VersionMode.Current), (1, VersionMode.Stale), (1, VersionMode.Random));
        var step = Gen.Select(kind, Gen.Int[0, 1000], op, mode, Gen.Int[0, 100], Gen.Int[0, 11], (k, p, o, m, n, s) => new Step(k, p, o, m, n, s));
        return Gen.Select(step.Array[1, 60], Gen.Int[0, 1000].Array[0, 60], (steps, tail) => new Script(steps, tail));
    }
}
