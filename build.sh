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

cmd_test() {
  ensure_prereqs
  build
  local total_passed=0 total_failed=0 counts passed failed skipped
  log "unit tests"
  counts=$(run_xunit NvmeNative.Tests)
  read -r passed failed skipped <<<"$counts"
  echo "unit tests: $passed passed, $failed failed, $skipped skipped"
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
  echo "$total_passed passed, $total_failed failed"
  ((total_failed == 0))
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
  test            build, run every test suite, end with "N passed, N failed"
  regen-headers   rewrite native-headers/layout_check.c from the interop declarations
USAGE
}

case "${1:-help}" in
  build) shift; ensure_prereqs; build "$@" ;;
  test) shift; cmd_test "$@" ;;
  regen-headers) cmd_regen_headers ;;
  help|-h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
