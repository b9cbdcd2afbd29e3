#!/bin/sh
# Runs inside the lab guest: perf-samples a BenchmarkDotNet run of the in-process replicated attach, with the JIT's perf map.
set -x
out=$NVMENATIVE_LAB_OUT
uname -r > $out/release
cat /proc/kallsyms > $out/kallsyms
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
perf record -e cpu-clock -F 1000 -g -o $out/perf.data -- dotnet benchmarks/NvmeNative.Benchmarks/bin/Release/net10.0/NvmeNative.Benchmarks.dll --artifacts $out "$@"
rc=$?
cp /tmp/perf-*.map $out/ 2>/dev/null
ls -la $out
exit $rc
