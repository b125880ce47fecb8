# Shared by scripts/test and scripts/bench: install what is missing, configure once, build.
# Sourced, not run. Debian bookworm; installing needs root (or passwordless sudo).

WQ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian packages the build, the tests and the benchmarks need (DESIGN.md's list, as far as the
# code uses it so far).
WQ_PACKAGES=(
  cmake ninja-build g++ pkg-config python3
  libgtest-dev libbenchmark-dev
  libtbb-dev libconcurrentqueue-dev liburing-dev
  libatomic-queue-dev libboost-dev
  python3-scipy libbenchmark-tools valgrind spin python3-hypothesis
  python3-matplotlib chromium
)

# The libFuzzer targets (the fuzz preset): clang and its runtimes (libFuzzer, ASan, UBSan).
WQ_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

# The Windows cross build and its tests under Wine.
WQ_WINDOWS_PACKAGES=(g++-mingw-w64-x86-64-posix wine64 googletest dpkg-dev)

wq_say() { printf '==> %s\n' "$*" >&2; }
# Bad input (or a run that cannot be made): one line naming it, exit 2 (README "Exit codes").
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

# True when every package given is installed.
wq_have_packages() {
  local package
  for package in "$@"; do
    [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true) == "install ok installed" ]] ||
      return 1
  done
}

# Installs the packages of WQ_PACKAGES (plus any given) that are not installed yet. A re-run with
# everything present costs one dpkg-query.
wq_ensure_packages() {
  local wanted=("${WQ_PACKAGES[@]}" "$@") missing=() package
  for package in "${wanted[@]}"; do
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

# Configures the preset once (or when its cache is gone), then builds incrementally.
wq_build() {
  local preset=$1; shift
  local dir="$WQ_ROOT/build/$preset"
  local extra=()
  # CI treats warnings as errors; a user's first run should not fail on a new compiler's warning.
  [[ ${CI:-} == true ]] && extra+=(-DWQ_WARNINGS_AS_ERRORS=ON)
  if [[ ! -f $dir/CMakeCache.txt ]] || ((${#extra[@]} + $# > 0)); then
    wq_say "configuring ($preset)"
    cmake --preset "$preset" -S "$WQ_ROOT" "${extra[@]}" "$@" >/dev/null
  fi
  wq_say "building ($preset)"
  cmake --build "$dir" --parallel "$(nproc)"
}
