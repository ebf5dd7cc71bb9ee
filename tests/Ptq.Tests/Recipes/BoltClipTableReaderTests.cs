using Ptq.Recipes;

namespace Ptq.Tests.Recipes;

public sealed class BoltClipTableReaderTests
{
    [Fact]
    public void Reads_layers_and_roles_in_file_order()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("clip.json"), """
            {
              "conv1": {"inputs": {"data": 2.5}, "weights": {"conv1_w": 0.75}, "outputs": {"conv1_out": 6}},
              "fc": {"inputs": {"pool": 10}}
            }
            """);

        var table = BoltClipTableReader.Load(temp.File("clip.json"));

        Assert.Equal(["conv1", "fc"], table.Layers.Select(l => l.Key));
        Assert.Equal(2.5, table.Layers[0].Value.Inputs["data"]);
        Assert.Equal(0.75, table.Layers[0].Value.Weights["conv1_w"]);
        Assert.Equal(6, table.Layers[0].Value.Outputs["conv1_out"]);
        Assert.Empty(table.Layers[1].Value.Weights);
        Assert.Equal(10, table.ClipOf("pool"));
        Assert.Null(table.ClipOf("nothing"));
    }

    [Theory]
    [InlineData("""{"conv1": {"input": {}}}""", "c.json: $['conv1'].input: unknown key; expected inputs, weights or outputs.")]
    [InlineData("""{"conv1": {"inputs": {"x": 0}}}""", "c.json: $['conv1'].inputs['x']: 0 is not a positive clip value.")]
    [InlineData("""{"conv1": {"inputs": {"x": "1"}}}""", "c.json: $['conv1'].inputs['x']: \"1\" is not a positive clip value.")]
    [InlineData("""[1]""", "c.json: $: must be an object of layer names to {inputs, weights, outputs}.")]
    public void Errors_name_the_json_path(string json, string message)
    {
        var e = Assert.Throws<RecipeException>(() => BoltClipTableReader.Parse(json, "c.json"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Recipe_maps_the_table_onto_per_tensor_clips()
    {
        using var temp = new TempDirectory();
        string path = temp.File("clip.json");
        File.WriteAllText(path, """{"conv1": {"inputs": {"x": 2.5}, "weights": {"w1": 0.5}, "outputs": {"y": 6}}, "conv2": {"inputs": {"y": 5}}}""");
        var settings = (Ptq.Recipes.QuantizationRecipe.Default with { ClipTable = path }).ToStaticSettings();
        Assert.Equal(new Dictionary<string, double> { ["x"] = 2.5, ["w1"] = 0.5, ["y"] = 5 }, settings.TensorClips);
    }

    [Fact]
    public void Reads_the_older_text_tables_as_a_file_or_a_folder()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("scales"));
        File.WriteAllText(temp.File(Path.Combine("scales", "b.txt")), "conv2_out 4.5\n");
        File.WriteAllText(temp.File(Path.Combine("scales", "a.txt")), "# first block\ndata 2.5\n\nconv1_out   6\n");
        File.WriteAllText(temp.File(Path.Combine("scales", "notes.md")), "not a table");

        var folder = BoltClipTableReader.Load(temp.File("scales"));
        var file = BoltClipTableReader.Load(temp.File(Path.Combine("scales", "a.txt")));

        Assert.Equal(["a", "b"], folder.Layers.Select(l => l.Key)); // files in name order; .txt only
        Assert.Equal(2.5, folder.ClipOf("data"));
        Assert.Equal(6, folder.ClipOf("conv1_out"));
        Assert.Equal(4.5, folder.ClipOf("conv2_out"));
        Assert.Equal(2.5, file.ClipOf("data"));
        Assert.Null(file.ClipOf("conv2_out"));
    }

    [Theory]
    [InlineData("data\n", "t.txt: line 1: expected 'tensor_name clipvalue', got 'data'.")]
    [InlineData("data 1\nconv -2\n", "t.txt: line 2: '-2' is not a positive clip value.")]
    [InlineData("data 1\ndata 2\n", "t.txt: line 2: tensor 'data' is listed twice; keep one.")]
    public void Text_table_errors_name_the_line(string text, string message) =>
        Assert.Equal(message, Assert.Throws<RecipeException>(() => BoltClipTableReader.ParseText(text, "t.txt")).Message);

    [Fact]
    public void An_empty_folder_says_what_it_expects()
    {
        using var temp = new TempDirectory();
        Assert.Contains("the folder has no .txt clip tables", Assert.Throws<RecipeException>(() => BoltClipTableReader.Load(temp.Path)).Message, StringComparison.Ordinal);
    }
}
