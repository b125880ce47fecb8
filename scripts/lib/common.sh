# Shared by the commands in scripts/: install what is missing, configure once, build, and parse
# a command line before any of it. Sourced, not run. Debian bookworm; installing needs root (or
# passwordless sudo).

WQ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian packages, by what uses them: each command installs the groups it needs and nothing else
# (running the benchmarks installs no browser and no model checker).
# The build (engine, tests, benchmarks) and its libraries.
WQ_BUILD_PACKAGES=(
  cmake ninja-build g++ pkg-config python3
  libgtest-dev libbenchmark-dev
  libtbb-dev libconcurrentqueue-dev liburing-dev
  libatomic-queue-dev libboost-dev
)
# The statistics of compare, regress and choose: scipy, and Google Benchmark's U-test (gbench).
WQ_STATS_PACKAGES=(python3-scipy libbenchmark-tools)
# The report's and the history's plots.
WQ_PLOT_PACKAGES=(python3-matplotlib)
# What only the tests use on top of all the above: the instruction counter, the model checker,
# the property tests and the browser that opens the report.
WQ_TEST_PACKAGES=(
  "${WQ_BUILD_PACKAGES[@]}" "${WQ_STATS_PACKAGES[@]}" "${WQ_PLOT_PACKAGES[@]}"
  valgrind spin python3-hypothesis chromium
)

# The libFuzzer targets (the fuzz preset): clang and its runtimes (libFuzzer, ASan, UBSan).
WQ_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

# The Windows cross build and its tests under Wine (on top of the build's packages: cmake, the
# header-only peers).
WQ_WINDOWS_PACKAGES=(g++-mingw-w64-x86-64-posix wine64 googletest dpkg-dev)

wq_say() { printf '==> %s\n' "$*" >&2; }
# Bad input (or a run that cannot be made): one line naming it, exit 2 (docs/cli.md).
wq_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Prints the calling script's leading comment block (its --help), from line 2 to the first line
# that is not a comment.
wq_help() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

# Runs a verb of the Python package scripts/wqbench (python3 -m wqbench VERB) with Debian's
# python3 (scipy, matplotlib) and compare.py's gbench module on the path.
wq_python() {
  PYTHONPATH="$WQ_ROOT/scripts:/usr/share/benchmark${PYTHONPATH:+:$PYTHONPATH}" \
    /usr/bin/python3 -m wqbench "$@"
}

# For a command whose arguments Python parses (python3 -m wqbench VERB): answers --help and refuses
# a bad argument (exit 2, one line naming it) before anything is installed or built. Python's
# standard library is all this needs; returns when the arguments hold.
wq_check_args() {
  local verb=$1 arg
  shift
  [[ -x /usr/bin/python3 ]] || wq_ensure_packages python3
  WQ_ARGS_ONLY=1 wq_python "$verb" "$@" || exit $?
  for arg in "$@"; do
    [[ $arg == -h || $arg == --help ]] && exit 0
  done
  return 0
}

# True when every package given is installed.
wq_have_packages() {
  local package
  for package in "$@"; do
    [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true) == "install ok installed" ]] ||
      return 1
  done
}

# Installs the packages given that are not installed yet. A re-run with everything present costs
# one dpkg-query per package.
wq_ensure_packages() {
  local missing=() package
  for package in "$@"; do
    wq_have_packages "$package" || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null || wq_die "missing packages (${missing[*]}) and no apt-get: install them by hand"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || wq_die "missing packages (${missing[*]}); run as root or install them"
    sudo=(sudo)
  fi
  wq_say "installing: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Configures the preset once (or when its cache is gone), then builds incrementally. A build that
# fails is a run that could not be made: exit 2, after the compiler's own messages.
wq_build() {
  local preset=$1; shift
  local dir="$WQ_ROOT/build/$preset"
  local extra=()
  # CI treats warnings as errors; a user's first run should not fail on a new compiler's warning.
  [[ ${CI:-} == true ]] && extra+=(-DWQ_WARNINGS_AS_ERRORS=ON)
  if [[ ! -f $dir/CMakeCache.txt ]] || ((${#extra[@]} + $# > 0)); then
    wq_say "configuring ($preset)"
    cmake --preset "$preset" -S "$WQ_ROOT" "${extra[@]}" "$@" >/dev/null ||
      wq_die "configuring the $preset build failed (cmake's messages above)"
  fi
  wq_say "building ($preset)"
  cmake --build "$dir" --parallel "$(nproc)" || wq_die "the $preset build failed (the messages above)"
}
