using System.Text;

namespace Ptq.Tests.Data;

/// <summary>Writes .npy bytes by hand so that tests do not depend on the reader they check.</summary>
internal static class NpyWriter
{
    public static byte[] Bytes(string descr, int[] shape, byte[] data, int version = 1, bool fortran = false)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int prefix = version == 1 ? 10 : 12;
        int total = prefix + dict.Length + 1;
        int pad = (64 - (total % 64)) % 64;
        string header = dict + new string(' ', pad) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        if (version == 1) ms.Write(BitConverter.GetBytes((ushort)header.Length));
        else ms.Write(BitConverter.GetBytes((uint)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header));
        ms.Write(data);
        return ms.ToArray();
    }

    public static byte[] Floats(params float[] v)
    {
        var b = new byte[v.Length * 4];
        Buffer.BlockCopy(v, 0, b, 0, b.Length);
        return b;
    }

    public static byte[] Doubles(params double[] v)
    {
        var b = new byte[v.Length * 8];
        Buffer.BlockCopy(v, 0, b, 0, b.Length);
        return b;
    }

    public static byte[] Longs(params long[] v)
    {
        var b = new byte[v.Length * 8];
        Buffer.BlockCopy(v, 0, b, 0, b.Length);
        return b;
    }
}
