#!/usr/bin/env bash
# NvmeNative build entry point. `./build.sh help` lists the commands.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
CONFIG=Release
ARTIFACTS="$ROOT/artifacts"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# Installs what the build and the unit tests need on a fresh machine (idempotent, no apt work when present).
ensure_prereqs() {
  command -v dotnet >/dev/null || die "the .NET 10 SDK is required (dotnet not on PATH)"
  local missing=()
  command -v gcc >/dev/null || missing+=(gcc)
  dpkg -s linux-libc-dev >/dev/null 2>&1 || missing+=(linux-libc-dev)
  command -v python3 >/dev/null || missing+=(python3)
  # The replica-state etcd store's integration tests start a real etcd on loopback (Debian's etcd-server).
  command -v etcd >/dev/null || missing+=(etcd-server)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    [[ $(id -u) == 0 ]] || die "need root to install: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

build() {
  log "dotnet build ($CONFIG)"
  dotnet build "$ROOT/NvmeNative.sln" -c "$CONFIG" -warnaserror -nologo -v quiet -clp:NoSummary "$@"
}

# Runs one xunit v3 test executable; prints "passed failed skipped" on stdout, the runner's output on stderr.
run_xunit() {
  local project=$1; shift
  local dll="$ROOT/tests/$project/bin/$CONFIG/net10.0/$project.dll"
  local xml="$ARTIFACTS/results/$project.xml"
  mkdir -p "$ARTIFACTS/results"
  rm -f "$xml"
  local rc=0
  dotnet "$dll" -noLogo -noColor -result-xml "$xml" "$@" >&2 || rc=$?
  [[ -f $xml ]] || die "$project produced no result file (runner exit $rc)"
  python3 "$ROOT/.ci/xunit_counts.py" "$xml"
}

LAB="$ROOT/tests/lab/lab.sh"
# The lab's kernels (tests/lab/README.md): bullseye's 5.10, bookworm's 6.1 and 6.12, and the newest in unstable.
# NVMENATIVE_LAB_KERNELS="6.12" narrows a run to some of them (a local check; CI runs every one).
read -r -a KERNELS <<<"${NVMENATIVE_LAB_KERNELS:-5.10 6.1 6.12 unstable}"

# Runs the kernel test suite inside the lab on one kernel; prints "passed failed skipped release seconds".
# The lab's output goes to stderr and to $out/lab.log; the guest kernel's console to $out/console.log.
run_kernel_tests() {
  local kernel=$1; shift
  local out="$ARTIFACTS/lab/$kernel"
  local dll="tests/NvmeNative.KernelTests/bin/$CONFIG/net10.0/NvmeNative.KernelTests.dll"
  rm -rf "$out"; mkdir -p "$out"
  local rc=0 start=$SECONDS
  # A generous bound per kernel: a suite normally takes 8 to 15 minutes under emulation, and a host busy with other
  # work can double that; the bound is there to end a hung guest, not to time the suite.
  "$LAB" run --kernel "$kernel" --timeout "${NVMENATIVE_KERNEL_TESTS_TIMEOUT:-2400}" --out "$out" -- sh -c \
    'uname -r > "$NVMENATIVE_LAB_OUT/release"; exec dotnet "$0" -noLogo -noColor -result-xml "$NVMENATIVE_LAB_OUT/kernel-tests.xml" "$@"' \
    "$dll" "$@" 2>&1 | tee "$out/lab.log" >&2 || rc=$?
  local seconds=$((SECONDS - start))
  if [[ ! -f $out/kernel-tests.xml ]]; then
    # Say why in the CI log: the end of what the lab and the test runner printed, and of the guest kernel's log
    # (a panic, an OOM kill or a crashed test host shows there).
    {
      log "kernel $kernel: no test results (lab exit $rc after ${seconds}s)"
      echo "===== build.sh: lab output, last 60 lines ($out/lab.log) ====="
      tail -60 "$out/lab.log"
      if [[ -s $out/console.log ]]; then
        echo "===== build.sh: guest kernel console, last 60 lines ($out/console.log) ====="
        tail -60 "$out/console.log"
      fi
      echo "===== build.sh: end ====="
    } >&2
    echo "0 1 0 $kernel $seconds"; return
  fi
  echo "$(python3 "$ROOT/.ci/xunit_counts.py" "$out/kernel-tests.xml") $(cat "$out/release" 2>/dev/null || echo "$kernel") $seconds"
}

# Names every failed test (and the start of its message) from the result files of this run, at the end of the log.
print_failures() {
  local xml kernel
  [[ -f $ARTIFACTS/results/NvmeNative.Tests.xml ]] &&
    python3 "$ROOT/.ci/xunit_failures.py" unit "$ARTIFACTS/results/NvmeNative.Tests.xml"
  for kernel in "${KERNELS[@]}"; do
    xml="$ARTIFACTS/lab/$kernel/kernel-tests.xml"
    if [[ -f $xml ]]; then python3 "$ROOT/.ci/xunit_failures.py" "$kernel" "$xml"
    else echo "FAILED [$kernel] no test results (see 'kernel $kernel: no test results' above)"; fi
  done
}

cmd_test() {
  ensure_prereqs
  build
  local total_passed=0 total_failed=0 counts passed failed skipped release seconds
  log "unit tests"
  counts=$(run_xunit NvmeNative.Tests)
  read -r passed failed skipped <<<"$counts"
  echo "unit tests: $passed passed, $failed failed, $skipped skipped"
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))

  cmd_package_consumer

  # Kernel tests: every kernel must run tests, and none may skip (a skip in the lab means the lab lost a
  # capability, which must fail loudly rather than pass green).
  log "lab setup"
  "$LAB" setup --kernel all >&2
  local lab_start=$SECONDS
  for kernel in "${KERNELS[@]}"; do
    log "kernel tests on $kernel"
    counts=$(run_kernel_tests "$kernel" "$@")
    read -r passed failed skipped release seconds <<<"$counts"
    echo "kernel $release: $passed passed, $failed failed, $skipped skipped ($((seconds / 60))m$((seconds % 60))s)"
    if ((passed + failed == 0)); then
      echo "kernel $release: no kernel test ran" >&2; failed=$((failed + 1))
    fi
    if ((skipped > 0)); then
      echo "kernel $release: $skipped kernel tests skipped in the lab" >&2; failed=$((failed + skipped))
    fi
    total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
  done
  local lab_seconds=$((SECONDS - lab_start))
  echo "kernel tests: ${#KERNELS[@]} kernels in $((lab_seconds / 60))m$((lab_seconds % 60))s"
  print_failures
  echo "$total_passed passed, $total_failed failed"
  ((total_failed == 0))
}

# Runs the kernel tests natively on this host (which must have the modules loaded and be root).
cmd_kernel_tests_native() {
  ensure_prereqs
  build
  cmd_package_consumer
  counts=$(run_xunit NvmeNative.KernelTests "$@")
  read -r passed failed skipped <<<"$counts"
  echo "kernel $(uname -r): $passed passed, $failed failed, $skipped skipped"
  ((failed == 0))
}

# The demo: a loopback NVMe/TCP target on two portals, attached from os-brick properties, used, detached.
# Runs in the lab VM (6.12 by default); --native runs it on this host (root, modules loaded).
cmd_demo() {
  ensure_prereqs
  build
  local dll="src/NvmeNative.Demo/bin/$CONFIG/net10.0/NvmeNative.Demo.dll"
  if [[ ${1:-} == --native ]]; then
    exec dotnet "$dll"
  fi
  "$LAB" setup --kernel "${1:-6.12}" >&2
  exec "$LAB" run --kernel "${1:-6.12}" -- dotnet "$dll"
}

cmd_lab() {
  local args=()
  while (($#)) && [[ $1 != -- ]]; do args+=("$1"); shift; done
  [[ ${1:-} == -- ]] && shift
  (($#)) || die "usage: ./build.sh lab [--kernel 5.10|6.1|6.12|unstable] -- CMD [ARGS...]"
  exec "$LAB" run "${args[@]}" -- "$@"
}

PACKAGES="$ARTIFACTS/packages"

pack_libraries() {
  log "dotnet pack: NvmeNative, NvmeNative.ReplicaState.Etcd"
  local project
  for project in NvmeNative NvmeNative.ReplicaState.Etcd; do
    dotnet pack "$ROOT/src/$project/$project.csproj" -c "$CONFIG" --no-build -warnaserror -nologo -v quiet -o "$PACKAGES"
  done
}

# Every package: the two libraries (with .snupkg symbols) and the nvmenative tool, a RID-specific one: the pointer
# package NvmeNative.Cli, its Native AOT build for linux-x64 and a framework-dependent build (any) for other RIDs.
cmd_pack() {
  ensure_prereqs
  build
  rm -rf "$PACKAGES"
  pack_libraries
  log "dotnet pack: the nvmenative tool (pointer, linux-x64 Native AOT, any)"
  local cli="$ROOT/src/NvmeNative.Cli/NvmeNative.Cli.csproj"
  # A tool package takes everything in its publish directory: start from empty ones (no leftovers of older publishes).
  rm -rf "$ROOT/src/NvmeNative.Cli/bin/$CONFIG/net10.0/"*/publish
  dotnet pack "$cli" -c "$CONFIG" -warnaserror -nologo -v quiet -o "$PACKAGES"
  dotnet pack "$cli" -c "$CONFIG" -r linux-x64 -warnaserror -nologo -v quiet -o "$PACKAGES"
  dotnet pack "$cli" -c "$CONFIG" -r any -warnaserror -nologo -v quiet -o "$PACKAGES"
  # The tool as a user gets it: installed from the feed into a scratch tool path, and run.
  local tools; tools=$(mktemp -d)
  dotnet tool install NvmeNative.Cli --version "$(package_version)" --tool-path "$tools" --add-source "$PACKAGES" >/dev/null
  "$tools/nvmenative" --version >/dev/null || die "the installed nvmenative tool does not run"
  rm -rf "$tools"
  ls -1 "$PACKAGES" >&2
}

package_version() {
  sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$ROOT/Directory.Build.props"
}

# The NvmeNative package as a user gets it: packed, put in a local feed, and referenced from a fresh console
# project in a temporary directory (outside this repository's Directory.Build.* files) restored offline from that
# feed and this machine's NuGet cache. Its build goes to artifacts/package-consumer, where
# PackageConsumerKernelTests runs it in the lab (the guest has no network and builds 40x slower).
cmd_package_consumer() {
  pack_libraries
  local version dir out="$ARTIFACTS/package-consumer"
  version=$(package_version)
  dir=$(mktemp -d)
  cp "$ROOT/tests/PackageConsumer/Program.cs" "$dir/"
  cat >"$dir/PackageConsumer.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="NvmeNative" Version="$version" />
  </ItemGroup>
</Project>
CSPROJ
  cat >"$dir/NuGet.config" <<NUGET
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$PACKAGES" />
    <add key="machine-cache" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" />
  </packageSources>
</configuration>
NUGET
  log "package consumer: a fresh console project on NvmeNative $version from the local feed"
  # A private packages folder, so that the package comes from the feed and not from a cached copy of the same version.
  NUGET_PACKAGES="$dir/packages" dotnet build "$dir/PackageConsumer.csproj" -c "$CONFIG" -nologo -v quiet -clp:NoSummary -o "$dir/out" >&2
  rm -rf "$out"; mkdir -p "$out"
  cp -r "$dir/out/." "$out/"
  rm -rf "$dir"
}

# After an intended public API change: adds the new API's lines to each library's PublicAPI.Unshipped.txt (the
# build fails with RS0016 until they are there; a removed API's lines are deleted by hand, RS0017 names them).
cmd_api_baseline() {
  local project
  for project in NvmeNative NvmeNative.ReplicaState.Etcd; do
    log "public API baseline: $project"
    dotnet format analyzers "$ROOT/src/$project/$project.csproj" --diagnostics RS0016 --severity error -v quiet
  done
}

cmd_regen_readme() {
  build
  NVMENATIVE_REGEN=1 dotnet "$ROOT/tests/NvmeNative.Tests/bin/$CONFIG/net10.0/NvmeNative.Tests.dll" -noLogo \
    -class NvmeNative.Tests.Cli.CliReferenceTests >/dev/null
  log "README.md CLI reference regenerated"
}

cmd_regen_headers() {
  build
  NVMENATIVE_REGEN=1 dotnet "$ROOT/tests/NvmeNative.Tests/bin/$CONFIG/net10.0/NvmeNative.Tests.dll" -noLogo \
    -class NvmeNative.Tests.InteropTests.NativeHeaderTests >/dev/null
  log "native-headers/layout_check.c regenerated"
}

usage() {
  cat <<'USAGE'
usage: ./build.sh COMMAND
  build           build the solution (Release, warnings are errors)
  test            build, run the unit tests, then the kernel tests in the lab on 6.1, 6.12 and unstable;
                  ends with "N passed, N failed" (fails if a kernel ran no test or any skipped)
  kernel-tests    run the kernel tests natively on this host (root, nvme-tcp/nvmet/raid1 loaded)
  lab [--kernel 5.10|6.1|6.12|unstable] -- CMD...   run CMD as root in the lab VM (see tests/lab/README.md)
  demo [5.10|6.1|6.12|unstable|--native]   attach a volume from a loopback NVMe/TCP target in the lab and detach it
  regen-headers   rewrite native-headers/layout_check.c from the interop declarations
  regen-readme    rewrite the README's CLI reference from the commands' help
  api-baseline    add a new public API's lines to PublicAPI.Unshipped.txt (after an intended API change)
  pack            the NuGet packages (NvmeNative, NvmeNative.ReplicaState.Etcd, the NvmeNative.Cli tool) in artifacts/packages
  package-consumer   pack NvmeNative and build a fresh console project on it from the local feed (the kernel test runs it)
  bench [5.10|6.1|6.12|unstable|all] [BenchmarkDotNet args]   attach-latency benchmarks in the lab (benchmarks/README.md)
USAGE
}

case "${1:-help}" in
  build) shift; ensure_prereqs; build "$@" ;;
  test) shift; cmd_test "$@" ;;
  regen-headers) cmd_regen_headers ;;
  regen-readme) cmd_regen_readme ;;
  api-baseline) cmd_api_baseline ;;
  pack) shift; cmd_pack ;;
  package-consumer) ensure_prereqs; build; cmd_package_consumer ;;
  kernel-tests) shift; cmd_kernel_tests_native "$@" ;;
  lab) shift; cmd_lab "$@" ;;
  demo) shift; cmd_demo "$@" ;;
  bench) shift; ensure_prereqs; exec "$ROOT/benchmarks/run.sh" "$@" ;;
  help|-h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
