using Ptq.Data.Imaging;

namespace Ptq.Data.Readers;

/// <summary>Image files (jpg, jpeg, png, bmp) decoded and preprocessed into the input's element type.</summary>
internal sealed class ImageFileReader : FilePerSampleReader
{
    private readonly ImageTensorizer _tensorizer;
    private readonly long _maxPixels;

    public ImageFileReader(string specPath, ModelInputInfo input, IReadOnlyList<DataFile> files, ImagePreprocessing preprocessing,
        long maxPixels = ResourceLimits.MaxImagePixels)
        : base(specPath, input, files)
    {
        _maxPixels = maxPixels;
        if (input.Rank != 4)
            throw new DataSourceException($"Input '{input.Name}' has shape {input.ShapeText}, but images give rank-4 tensors ([1,C,H,W] or [1,H,W,C]); '{specPath}' cannot feed it.");
        _tensorizer = new ImageTensorizer(preprocessing);
        Preprocessing = preprocessing;
    }

    public ImagePreprocessing Preprocessing { get; }

    protected override InputTensor ReadFile(string path)
    {
        var (pixels, width, height) = ImageDecoder.Decode(path, _tensorizer.RowTransformFor, _maxPixels);
        (int[] dims, float[] values) = _tensorizer.Apply(pixels, width, height);
        ShapeResolver.EnsureMatches(Input, dims, path,
            $" Preprocessing produced {Preprocessing.Layout} with {Preprocessing.Channels} channel(s) from a {width}x{height} image; adjust --resize/--resize-short/--crop, --color or --layout.");
        return InputTensor.FromFloats(Input.Name, Input.ElementType, dims, values);
    }
}
