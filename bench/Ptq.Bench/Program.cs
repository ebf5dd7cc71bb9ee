using BenchmarkDotNet.Running;
using Ptq.Bench;

// Whole-pipeline measurements (one run, printed as Markdown rows for bench/README.md):
//   dotnet run -c Release --project bench/Ptq.Bench -- calibration
//   dotnet run -c Release --project bench/Ptq.Bench -- latency
//   dotnet run -c Release --project bench/Ptq.Bench -- reconstruction method=gptq,wbits=4 ...
//   dotnet run -c Release --project bench/Ptq.Bench -- transformers [runs]
// Micro-benchmarks (BenchmarkDotNet):
//   dotnet run -c Release --project bench/Ptq.Bench -- --filter '*' [--job short]
return args.FirstOrDefault() switch
{
    "calibration" or "calibration-memory" => CalibrationRun.Run(args),
    "latency" => LatencyRun.Run(),
    "reconstruction" => ReconstructionRun.Run(args),
    "transformers" => TransformerRun.Run(args),
    _ => RunBenchmarks(args),
};

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(CalibrationRun).Assembly).Run(args);
    return 0;
}
