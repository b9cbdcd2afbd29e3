#!/bin/sh
# Inside the lab guest: the in-process replicated benchmark under runtime variants, each into its own directory.
out=$NVMENATIVE_LAB_OUT
uname -r > $out/release
for v in base tc0 avx0; do
  mkdir -p $out/$v
  case $v in
    base) env dotnet benchmarks/NvmeNative.Benchmarks/bin/Release/net10.0/NvmeNative.Benchmarks.dll --artifacts $out/$v "$@" ;;
    tc0) env DOTNET_TieredCompilation=0 dotnet benchmarks/NvmeNative.Benchmarks/bin/Release/net10.0/NvmeNative.Benchmarks.dll --artifacts $out/$v "$@" ;;
    avx0) env DOTNET_EnableAVX=0 dotnet benchmarks/NvmeNative.Benchmarks/bin/Release/net10.0/NvmeNative.Benchmarks.dll --artifacts $out/$v "$@" ;;
  esac > $out/$v/console.log 2>&1
  echo "$v exit $?"
done
