using Ptq.Data;
using Ptq.Evaluation;

namespace Ptq.Tests.Evaluation;

public class LabelSourceTests
{
    [Fact]
    public void Subfolders_are_classes_in_sorted_order()
    {
        using var dir = new TempDir();
        foreach (string c in new[] { "truck", "airplane", "cat", ".hidden" }) dir.Sub(c);
        var labels = new SubfolderLabels(dir.Path);
        Assert.Equal(["airplane", "cat", "truck"], labels.ClassNames);
        Assert.Equal(0, labels.LabelOf("airplane/0001.jpg", 7));
        Assert.Equal(2, labels.LabelOf("truck/x.png", 0));
        Assert.Contains("not inside a class folder", Assert.Throws<LabelException>(() => labels.LabelOf("loose.jpg", 0)).Message, StringComparison.Ordinal);
        Assert.Contains("'dog'", Assert.Throws<LabelException>(() => labels.LabelOf("dog/1.jpg", 0)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Subfolders_of_real_cifar10()
    {
        var labels = (SubfolderLabels)LabelSources.Parse("subdirs", Assets.Get("cifar10", "test"));
        Assert.Equal(10, labels.ClassNames.Count);
        Assert.Equal(0, labels.LabelOf("airplane/0000.jpg", 0));
        Assert.Equal(9, labels.LabelOf("truck/0000.jpg", 0));
        Assert.Equal(3, labels.LabelOf("cat/0000.jpg", 0));
    }

    [Fact]
    public void Labels_file_with_names_space_or_comma_separated()
    {
        using var dir = new TempDir();
        string path = dir.File("labels.txt");
        File.WriteAllLines(path, ["# comment", "filename,label", "cat/a.jpg,3", "", "my file.png 5", "b.jpg\t1"]);
        var labels = new LabelFile(path);
        Assert.True(labels.IsNamed);
        Assert.Equal(3, labels.Count);
        Assert.Equal(3, labels.LabelOf("cat/a.jpg", 0));
        Assert.Equal(5, labels.LabelOf("my file.png", 0));
        Assert.Equal(1, labels.LabelOf("sub/b.jpg", 0)); // bare file name fallback
        Assert.Equal(3, labels.LabelOf("other/a.jpg", 0)); // bare name of cat/a.jpg is unique
        var ex = Assert.Throws<LabelException>(() => labels.LabelOf("c.jpg", 0));
        Assert.Contains("no line for sample 'c.jpg'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_file_with_one_label_per_line()
    {
        using var dir = new TempDir();
        string path = dir.File("labels.txt");
        File.WriteAllLines(path, ["7", "2", "", "9"]);
        var labels = new LabelFile(path);
        Assert.False(labels.IsNamed);
        Assert.Equal(7, labels.LabelOf("a.png", 0));
        Assert.Equal(9, labels.LabelOf("c.png", 2));
        Assert.Equal(2, labels.LabelOf("data.npy[1]", 0)); // slice index wins over the enumeration position
        Assert.Contains("has 3 labels", Assert.Throws<LabelException>(() => labels.LabelOf("d.png", 3)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "a.jpg 1", "b.jpg x" }, "line 2 has label 'x'")]
    [InlineData(new[] { "a.jpg 1", "b.jpg" }, "line 2 has a single field")]
    [InlineData(new[] { "1", "b.jpg 2" }, "line 2 has two fields")]
    [InlineData(new[] { "a.jpg 1", "# x", "a.jpg 2" }, "line 3 repeats name 'a.jpg' (first on line 1)")]
    [InlineData(new[] { "3", "-1" }, "line 2 has label '-1'")]
    [InlineData(new[] { "# only comments" }, "has no labels")]
    public void Labels_file_errors_name_file_and_line(string[] lines, string expected)
    {
        using var dir = new TempDir();
        string path = dir.File("bad.txt");
        File.WriteAllLines(path, lines);
        var ex = Assert.Throws<LabelException>(() => new LabelFile(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_labels_file_is_named()
    {
        var ex = Assert.Throws<LabelException>(() => LabelSources.Parse("/no/such/labels.txt", null));
        Assert.Contains("/no/such/labels.txt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Imagenet_prefix_maps_through_the_wnid_list()
    {
        var labels = (PrefixLabels)LabelSources.Parse("prefix:" + Assets.Get("labels", "imagenet_wnids.txt"), null);
        Assert.Equal(1000, labels.ClassCount);
        // Real file names from imagenet/images; the first wnid is line 0, n01484850 (great white shark) is class 2.
        Assert.Equal(0, labels.LabelOf("n01440764_tench.JPEG", 0));
        Assert.Equal(2, labels.LabelOf("n01484850_great_white_shark.JPEG", 0));
        Assert.Equal("n01484850", PrefixLabels.PrefixOf("sub/n01484850_great_white_shark.JPEG"));
        Assert.Equal("cat", PrefixLabels.PrefixOf("cat.jpg"));
        var ex = Assert.Throws<LabelException>(() => labels.LabelOf("n99999999_x.JPEG", 0));
        Assert.Contains("prefix 'n99999999'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Class_list_with_a_repeated_class_names_both_lines()
    {
        using var dir = new TempDir();
        string path = dir.File("classes.txt");
        File.WriteAllLines(path, ["cat", "dog", "cat"]);
        var ex = Assert.Throws<LabelException>(() => new PrefixLabels(path));
        Assert.Contains("line 3 repeats class 'cat' (first on line 1)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mnist_idx_labels()
    {
        var labels = (IdxLabels)LabelSources.Parse(Assets.Get("mnist", "t10k-labels-idx1-ubyte.gz"), null);
        Assert.Equal(10000, labels.Count);
        Assert.Equal(7, labels.LabelOf("t10k-images-idx3-ubyte.gz[0]", 99));
        Assert.Equal(2, labels.LabelOf("t10k-images-idx3-ubyte.gz[1]", 0));
        Assert.Equal(1, labels.LabelOf("whatever", 2));
        Assert.Throws<LabelException>(() => labels.LabelOf("t10k-images-idx3-ubyte.gz[10000]", 0));
        Assert.Throws<CorruptFileException>(() => new IdxLabels(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")));
    }
}
