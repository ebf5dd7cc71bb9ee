namespace Ptq.Data.Imaging;

/// <summary>
/// The row-local steps of preprocessing, applied by <see cref="ImageDecoder"/> to each decoded row: grayscale conversion
/// and the horizontal resize pass. Both are exactly what <see cref="PixelImage.ToGray"/> and <see cref="Resampler.Resize"/>
/// compute on a whole image, so the result is the same pixels while the decoder holds one full-size row instead of the
/// full-size image (a 2.5 MP photo: 7 KB instead of 17 MB of transient buffers per sample).
/// </summary>
internal sealed class RowTransform
{
    private readonly bool _gray;
    private readonly Resampler.HorizontalPass? _horizontal;
    private readonly byte[]? _grayRow;

    public RowTransform(int sourceWidth, bool gray, Resampler.HorizontalPass? horizontal)
    {
        _gray = gray;
        _horizontal = horizontal;
        OutChannels = gray ? 1 : 3;
        OutWidth = horizontal?.OutWidth ?? sourceWidth;
        if (gray && horizontal is not null)
            _grayRow = new byte[sourceWidth];
    }

    /// <summary>Pixels per transformed row.</summary>
    public int OutWidth { get; }

    /// <summary>Channels per transformed pixel: 1 for grayscale, else 3 (RGB).</summary>
    public int OutChannels { get; }

    /// <summary>Transforms one RGB row into <paramref name="destination"/> (<see cref="OutWidth"/> × <see cref="OutChannels"/> bytes).</summary>
    public void Apply(ReadOnlySpan<byte> rgb, Span<byte> destination)
    {
        if (_horizontal is null)
        {
            if (_gray) PixelImage.GrayRow(rgb, destination);
            else rgb.CopyTo(destination);
            return;
        }
        if (_gray)
        {
            PixelImage.GrayRow(rgb, _grayRow);
            _horizontal.Apply(_grayRow, destination, 1);
        }
        else
        {
            _horizontal.Apply(rgb, destination, 3);
        }
    }
}
