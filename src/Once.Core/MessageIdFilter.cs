namespace Once.Core;

/// <summary>
/// A set of message ids that answers "certainly not seen" or "maybe seen" in about 1.7 bytes per id when sized
/// for them, about 3.5 when grown from empty:
/// a scalable Bloom filter. The first layer is sized for the ids known when it is made (an entity
/// builds its filter from its ledger table on activation) with room to grow by a quarter; each later
/// layer holds as many ids as were added before it, with half the false-positive rate of the one
/// before, so all layers together stay under <see cref="TargetFalsePositiveRate"/>. An entity
/// keeps one over the ids its ledger table holds, so a new message, nearly every message, needs no
/// read. It has no false negatives; ids are never removed (a forgotten id stays "maybe", and the read
/// that follows finds it gone).
/// </summary>
/// <param name="expected">How many ids are about to be added (the first layer is sized for them).</param>
public sealed class MessageIdFilter(int expected = 0)
{
    /// <summary>The false-positive rate the layers add up to at most.</summary>
    public const double TargetFalsePositiveRate = 0.01;

    private const int SmallestLayer = 256;
    private readonly List<Layer> _layers = [];

    /// <summary>How many ids were added.</summary>
    public long Count { get; private set; }

    /// <summary>The memory the bit arrays take, in bytes.</summary>
    public long SizeInBytes => _layers.Sum(l => (long)l.Bits.Length * sizeof(ulong));

    public void Add(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var (h1, h2) = Hash(messageId);
        if (_layers.Count == 0 || _layers[^1].IsFull)
        {
            var capacity = _layers.Count == 0
                ? Math.Max(SmallestLayer, expected + (expected / 4))
                : (int)Math.Min(int.MaxValue / 2, Math.Max(SmallestLayer, Count));
            // Layer i gets rate p/2^(i+1): the sum over all layers stays below p.
            _layers.Add(new Layer(capacity, TargetFalsePositiveRate / Math.Pow(2, _layers.Count + 1)));
        }

        _layers[^1].Add(h1, h2);
        Count++;
    }

    /// <summary>False: the id was certainly never added. True: it may have been.</summary>
    public bool MightContain(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var (h1, h2) = Hash(messageId);
        foreach (var layer in _layers)
        {
            if (layer.MightContain(h1, h2))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>FNV-1a over the UTF-16 code units, then two differently mixed 64-bit values for double hashing.</summary>
    private static (ulong H1, ulong H2) Hash(string value)
    {
        var h = 14695981039346656037UL;
        foreach (var c in value)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return (Mix(h), Mix(h ^ 0x9E3779B97F4A7C15UL) | 1);
    }

    /// <summary>The splitmix64 finaliser: spreads every input bit over the output.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private sealed class Layer
    {
        private readonly ulong _bitCount;
        private readonly int _hashes;
        private int _count;

        public Layer(int capacity, double falsePositiveRate)
        {
            Capacity = capacity;
            var bits = Math.Ceiling(-capacity * Math.Log(falsePositiveRate) / (Math.Log(2) * Math.Log(2)));
            Bits = new ulong[(long)Math.Ceiling(bits / 64)];
            _bitCount = (ulong)Bits.Length * 64;
            _hashes = Math.Max(1, (int)Math.Round(bits / capacity * Math.Log(2)));
        }

        public int Capacity { get; }

        public ulong[] Bits { get; }

        public bool IsFull => _count >= Capacity;

        public void Add(ulong h1, ulong h2)
        {
            for (var i = 0UL; i < (ulong)_hashes; i++)
            {
                var bit = (h1 + (i * h2)) % _bitCount;
                Bits[bit >> 6] |= 1UL << (int)(bit & 63);
            }

            _count++;
        }

        public bool MightContain(ulong h1, ulong h2)
        {
            for (var i = 0UL; i < (ulong)_hashes; i++)
            {
                var bit = (h1 + (i * h2)) % _bitCount;
                if ((Bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
