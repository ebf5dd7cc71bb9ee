namespace Ptq.Tests.Onnx.Fuzz;

/// <summary>The ways <see cref="ByteMutator"/> damages a model file.</summary>
internal enum MutationKind
{
    /// <summary>Flips 1–8 random bits.</summary>
    BitFlip,
    /// <summary>Cuts the file at a random length.</summary>
    Truncate,
    /// <summary>Inserts 1–16 random bytes at a random position.</summary>
    Insert,
    /// <summary>Overwrites a varint byte (high bit set) with a huge varint: lengths, dims and counts go wild.</summary>
    VarintCorrupt,
    /// <summary>Overwrites 1–32 bytes with random values.</summary>
    Overwrite,
}

/// <summary>Deterministic, seeded byte-level damage to protobuf files; each case is reproducible from its seed alone.</summary>
internal static class ByteMutator
{
    private static readonly ulong[] HugeValues = [ulong.MaxValue, long.MaxValue, uint.MaxValue, 1UL << 31, 1UL << 40, 0x7FFF_FFFF_FFFF_FFF0];

    public static (byte[] Bytes, string Description) Mutate(byte[] original, int seed)
    {
        var random = new Random(seed);
        var kind = (MutationKind)random.Next(Enum.GetValues<MutationKind>().Length);
        var bytes = (byte[])original.Clone();
        switch (kind)
        {
            case MutationKind.BitFlip:
            {
                int flips = random.Next(1, 9);
                var positions = new List<int>();
                for (int i = 0; i < flips; i++)
                {
                    int at = random.Next(bytes.Length);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    positions.Add(at);
                }
                return (bytes, $"bit flips at {string.Join(",", positions)}");
            }
            case MutationKind.Truncate:
            {
                int length = random.Next(bytes.Length);
                return (bytes[..length], $"truncated to {length} bytes");
            }
            case MutationKind.Insert:
            {
                int at = random.Next(bytes.Length + 1);
                var extra = new byte[random.Next(1, 17)];
                random.NextBytes(extra);
                return ([.. bytes[..at], .. extra, .. bytes[at..]], $"{extra.Length} bytes inserted at {at}");
            }
            case MutationKind.VarintCorrupt:
            {
                int at = FindVarintByte(bytes, random);
                ulong value = HugeValues[random.Next(HugeValues.Length)];
                int end = WriteVarint(bytes, at, value);
                return (bytes, $"varint {value} written at {at}..{end}");
            }
            default:
            {
                int at = random.Next(bytes.Length);
                int count = Math.Min(random.Next(1, 33), bytes.Length - at);
                random.NextBytes(bytes.AsSpan(at, count));
                return (bytes, $"{count} bytes overwritten at {at}");
            }
        }
    }

    private static int FindVarintByte(byte[] bytes, Random random)
    {
        for (int attempt = 0; attempt < 64; attempt++)
        {
            int at = random.Next(bytes.Length);
            if ((bytes[at] & 0x80) != 0)
                return at;
        }
        return random.Next(bytes.Length);
    }

    /// <summary>Writes <paramref name="value"/> as a varint over the bytes at <paramref name="at"/> (clipped to the end); returns the end.</summary>
    private static int WriteVarint(byte[] bytes, int at, ulong value)
    {
        int i = at;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0)
                b |= 0x80;
            if (i < bytes.Length)
                bytes[i] = b;
            i++;
        }
        while (value != 0);
        return Math.Min(i, bytes.Length);
    }
}
