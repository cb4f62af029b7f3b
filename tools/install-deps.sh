#!/usr/bin/env bash
# Installs the Debian packages pycore builds and tests with, if any is
# missing.  Run as root (CI is); otherwise prints the command and fails.
set -euo pipefail
pkgs=(
  gcc make pkg-config
  libelf-dev libdw-dev elfutils          # ELF, DWARF, CFI unwinding; eu-stack for the benchmark
  libcmocka-dev                          # unit tests
  binutils-dev                           # libbfd: independent core reader (test oracle)
  gdb                                    # gcore for snapshot cores
  time                                   # GNU time: peak RSS of a child in the benchmark
  python3 python3-pytest                 # integration-test driver
  python3.11 python3.11-dbg              # the interpreters under test (static LTO + Py_DEBUG)
  zlib1g-dev libzstd-dev liblz4-dev liblzma-dev  # compressed cores (triage)
  libdebuginfod-dev                      # triage/analyze: the core's files from debuginfod by build-id
  libsqlite3-dev sqlite3                 # triage --db: the history of signatures across runs
  debuginfod zstd lz4 xz-utils           # triage tests: a local debuginfod server, compressing cores
  clang libclang-rt-14-dev               # fuzz targets: libFuzzer, ASan and UBSan runtimes
  curl libffi-dev libbz2-dev             # make provision: free-threaded CPythons built from source
  parallel                               # triage tests: shards run side by side (docs/triage.md)
  python3-gevent python3-greenlet        # gevent scenarios (greenlets) on Debian's 3.11; greenlet's C++ headers for its layout
  qemu-user gdb-multiarch                # aarch64: Debian's arm64 CPythons run under qemu, gdb's view of their cores
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross  # aarch64: links the arm64 shared-libpython launcher (make provision; crt files and libc.so are only Recommended)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
