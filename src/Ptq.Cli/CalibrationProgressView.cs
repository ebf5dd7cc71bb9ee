using Ptq.Calibration;
using Spectre.Console;

namespace Ptq.Cli;

/// <summary>
/// Shows calibration progress: a Spectre progress bar with samples/s on an interactive terminal, and one summary line on
/// standard error otherwise (logs and tests stay clean).
/// </summary>
internal static class CalibrationProgressView
{
    /// <summary>Runs <paramref name="work"/> with a progress sink and returns its result.</summary>
    public static T Run<T>(CliConsole console, string title, int? total, Func<IProgress<CalibrationProgress>, T> work)
    {
        var last = new LastProgress();
        T result = default!;
        if (console.Ansi.Profile.Capabilities.Interactive)
        {
            console.Ansi.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    var task = context.AddTask(title, maxValue: total ?? 1);
                    var sink = new Progress<CalibrationProgress>(p =>
                    {
                        last.Value = p;
                        task.Description = $"{title} ({p.SamplesPerSecond:F1} samples/s)";
                        if (p.SamplesTotal is int all)
                            task.MaxValue = all;
                        task.Value = p.SamplesDone;
                    });
                    result = work(new SynchronousProgress<CalibrationProgress>(p => { last.Value = p; ((IProgress<CalibrationProgress>)sink).Report(p); }));
                    task.Value = task.MaxValue;
                });
        }
        else
        {
            result = work(new SynchronousProgress<CalibrationProgress>(p => last.Value = p));
        }
        if (last.Value is { } done)
            console.Error.WriteLine($"{title}: {done.SamplesDone} samples, {done.SamplesPerSecond:F1} samples/s");
        return result;
    }

    private sealed class LastProgress
    {
        public CalibrationProgress? Value { get; set; }
    }
}
