#!/usr/bin/env bash
# Attach-latency benchmarks in the lab VM: builds Release on the host, runs BenchmarkDotNet (in-process)
# as root on the guest kernel against loopback NVMe/TCP targets, and leaves BenchmarkDotNet's markdown
# reports plus a run.md (date, machine, kernel, settings) in benchmarks/results/<kernel>/.
#
#   benchmarks/run.sh [5.10|6.1|6.12|unstable|all] [BenchmarkDotNet args, e.g. --filter '*AttachDetach*']
#
# Lab runs are serialised through the shared lock (NVMENATIVE_LAB_LOCK, default /tmp/nvmenative-lab-slot.lock, the one every lab user takes):
# a lab VM takes both cores of the machine, and benchmarks sharing them would measure each other.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
LAB="$ROOT/tests/lab/lab.sh"
LOCK="${NVMENATIVE_LAB_LOCK:-/tmp/nvmenative-lab-slot.lock}"
PROJECT=benchmarks/NvmeNative.Benchmarks
DLL="$PROJECT/bin/Release/net10.0/NvmeNative.Benchmarks.dll"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'benchmarks/run.sh: %s\n' "$*" >&2; exit 1; }

case "${1:-6.12}" in
  5.10|6.1|6.12|unstable) KERNELS=("${1:-6.12}") ;;
  all) KERNELS=(5.10 6.1 6.12 unstable) ;;
  -*) KERNELS=(6.12); set -- 6.12 "$@" ;;
  *) die "usage: benchmarks/run.sh [5.10|6.1|6.12|unstable|all] [BenchmarkDotNet args]" ;;
esac
shift || true

# os-brick itself (the Replicated and TopologyLookup baselines) runs from Debian's package; the lab guest sees the
# host's root, so installing it here is installing it there.
if ! dpkg -s python3-os-brick >/dev/null 2>&1; then
  log "installing python3-os-brick (os-brick itself, the baseline)"
  [[ $(id -u) == 0 ]] || die "need root to install python3-os-brick"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-os-brick >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-os-brick >/dev/null; } ||
    die "cannot install python3-os-brick"
fi

log "dotnet build $PROJECT (Release)"
dotnet build "$PROJECT" -c Release -warnaserror -nologo -v quiet -clp:NoSummary

# The nvmenative command as users run it: the Native AOT binary (published again only when src/ changed since).
CLI_DIR="$ROOT/artifacts/nvmenative-aot"
cli_bin() { local f; for f in "$CLI_DIR/nvmenative" "$CLI_DIR/NvmeNative.Cli"; do [[ -x $f ]] && { echo "$f"; return; }; done; }
# NVMENATIVE_BENCH_PUBLISH=0 skips it (a run filtered to classes that do not start the binary need not wait for AOT).
if [[ ${NVMENATIVE_BENCH_PUBLISH:-1} != 0 ]] && [[ -z "$(cli_bin)" || -n "$(find src -newer "$(cli_bin)" -type f \( -name '*.cs' -o -name '*.csproj' \) -print -quit)" ]]; then
  log "dotnet publish src/NvmeNative.Cli (Native AOT) -> $CLI_DIR"
  rm -rf "$CLI_DIR"
  dotnet publish src/NvmeNative.Cli -c Release -r linux-x64 -o "$CLI_DIR" -nologo -v quiet -clp:NoSummary >&2 ||
    log "Native AOT publish failed: the benchmarks fall back to dotnet NvmeNative.Cli.dll (and say so)"
fi
CLI="$(cli_bin || true)"

# The floor under the binary's start-up (ProcessStartup's NativeAotFloor): a Native AOT program printing one line.
FLOOR_DIR="$ROOT/artifacts/aot-floor"
FLOOR_SRC=benchmarks/NvmeNative.AotFloor
if [[ ${NVMENATIVE_BENCH_PUBLISH:-1} != 0 ]] && [[ ! -x $FLOOR_DIR/NvmeNative.AotFloor || -n "$(find "$FLOOR_SRC" -newer "$FLOOR_DIR/NvmeNative.AotFloor" -type f \( -name '*.cs' -o -name '*.csproj' \) -not -path '*/obj/*' -print -quit)" ]]; then
  log "dotnet publish $FLOOR_SRC (Native AOT) -> $FLOOR_DIR"
  rm -rf "$FLOOR_DIR"
  dotnet publish "$FLOOR_SRC" -c Release -r linux-x64 -o "$FLOOR_DIR" -nologo -v quiet -clp:NoSummary >&2 ||
    log "Native AOT publish of the floor program failed: ProcessStartup's NativeAotFloor will fail"
fi

host_cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
host_machine="${host_cpu:-unknown CPU}, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, host kernel $(uname -r)"
qemu_version="$(qemu-system-x86_64 --version 2>/dev/null | head -1 || true)"

# Microseconds host tasks spent waiting for a CPU (PSI): other work on this shared 2-core machine slows
# the emulated guest, so each run.md says how contended the host was.
cpu_stall_us() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null; }

rc=0
for kernel in "${KERNELS[@]}"; do
  out="$ROOT/artifacts/bench/$kernel"
  rm -rf "$out"; mkdir -p "$out"
  "$LAB" setup --kernel "$kernel" >&2
  log "benchmarks on $kernel (waiting for the lab lock $LOCK)"
  exec {lock_fd}>>"$LOCK"
  flock "$lock_fd"
  started="$(date -u '+%Y-%m-%d %H:%M UTC')"; t0=$(date +%s); psi0=$(cpu_stall_us)
  run_rc=0
  "$LAB" run --kernel "$kernel" --timeout 3600 --out "$out" ${CLI:+--env "NVMENATIVE_BENCH_CLI=$CLI"} \
    --env NVMENATIVE_BENCH_REPLICAS --env NVMENATIVE_BENCH_ITERATIONS --env NVMENATIVE_BENCH_CONTROLLERS -- sh -c \
    'uname -r > "$NVMENATIVE_LAB_OUT/release"; exec dotnet "$0" --artifacts "$NVMENATIVE_LAB_OUT" "$@"' \
    "$DLL" "$@" || run_rc=$?
  finished="$(date -u '+%Y-%m-%d %H:%M UTC')"; t1=$(date +%s); psi1=$(cpu_stall_us)
  flock -u "$lock_fd"; exec {lock_fd}>&-
  if [[ -n $psi0 && -n $psi1 ]] && ((t1 > t0)); then
    stall="$(( (psi1 - psi0) / 10000 / (t1 - t0) ))% of the run (host PSI cpu \"some\"; the VM's own threads contribute too)"
  else
    stall="not available (no /proc/pressure/cpu)"
  fi
  reports=("$out"/results/*-report-github.md)
  if [[ ! -f ${reports[0]} ]]; then
    log "kernel $kernel: no BenchmarkDotNet report (lab exit $run_rc)"; rc=1; continue
  fi
  dest="$ROOT/benchmarks/results/$kernel"
  mkdir -p "$dest"
  # A run replaces the reports of the classes it ran and keeps the others' (a filtered run measures one class).
  cp "${reports[@]}" "$dest/"
  # BenchmarkDotNet's log has every iteration's time: the evidence behind each mean (one log per class run).
  classes="$(for r in "${reports[@]}"; do basename "$r" -report-github.md; done | sed 's/^NvmeNative\.Benchmarks\.//' | sort -u | paste -sd+ -)"
  # (Not the guest's console.log, which lab.sh leaves beside it: copied last, it used to replace the real one.)
  for f in "$out"/*.log; do if [[ -f $f && $(basename "$f") != console.log ]]; then cp "$f" "$dest/benchmarkdotnet-$classes.log"; fi; done
  # The per-operation samples (attach/detach apart, os-brick's own time, NvmeNative's phases) and the charts.
  if [[ -f $out/timings.json ]]; then
    dotnet "$DLL" charts "$dest" "$out/timings.json" >&2 || log "charts failed"
  fi
  release="$(cat "$out/release" 2>/dev/null || echo "$kernel")"
  {
    echo
    echo "# Benchmark run on Linux $release: $classes"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date | $started to $finished |"
    echo "| guest kernel | $release (Debian), 2 vCPUs, 3 GiB, QEMU TCG software emulation: no KVM |"
    echo "| host machine | $host_machine |"
    echo "| emulator | ${qemu_version:-unknown} |"
    echo "| host CPU contention | some task waited for a CPU during $stall |"
    echo "| command | \`benchmarks/run.sh $kernel${*:+ $*}\` (exit $run_rc) |"
    echo "| commit | $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src benchmarks/NvmeNative.Benchmarks || echo ' + uncommitted changes') |"
    echo "| nvmenative process | ${CLI:-none published: dotnet NvmeNative.Cli.dll}$([[ ${NVMENATIVE_BENCH_PUBLISH:-1} == 0 ]] && echo ' (not republished for this run: NVMENATIVE_BENCH_PUBLISH=0)') |"
    echo
    echo "Other work on the shared host slows the emulated guest for stretches of time; such a stretch shows"
    echo "as a run of slow iterations in one case (every iteration is in benchmarkdotnet.log)."
    echo
    echo "Absolute times are under full-system emulation (every guest instruction is translated; .NET's JIT and"
    echo "the kernel run many times slower than on hardware): compare the rows, not the numbers, with bare metal."
    echo "Job settings are in each report's header (see benchmarks/README.md): in-process; attach rows are"
    echo "single operations per iteration with no outlier removed."
    echo
    for r in "${reports[@]}"; do echo "- [$(basename "$r")]($(basename "$r"))"; done
    echo "- [benchmarkdotnet-$classes.log](benchmarkdotnet-$classes.log), [timings.json](timings.json) (every measured operation's parts)"
  } >> "$dest/run.md"
  log "kernel $release: reports in benchmarks/results/$kernel (lab exit $run_rc)"
  ((run_rc == 0)) || rc=1
done
exit "$rc"
