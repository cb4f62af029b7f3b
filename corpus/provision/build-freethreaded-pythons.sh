#!/usr/bin/env bash
# build-freethreaded-pythons.sh - free-threaded CPythons (--disable-gil,
# release and Py_DEBUG) for pycore's integration tests, built from the
# upstream source tarball that Debian's archive carries, into a private
# prefix; nothing is installed system-wide.
#
# Usage: build-freethreaded-pythons.sh [--target DIR] [--cache DIR] [--force] [X.Y ...]
#                                                     (default: 3.13 3.14)
#   --target DIR  where the interpreters go   (env PYCORE_DEBIAN_PYTHONS,
#                 default ${XDG_CACHE_HOME:-~/.cache}/pycore/pythons)
#   --cache DIR   apt source lists, tarballs  (env PYCORE_DEBIAN_CACHE,
#                 default ${XDG_CACHE_HOME:-~/.cache}/pycore/debian-pythons)
#   --force       rebuild even if built
# Env: PYCORE_DEBIAN_MIRROR (default: the Debian URI of the host's apt sources),
#      PYCORE_BUILD_JOBS (default: nproc).
#
# Debian packages no free-threaded build.  Per X.Y, the .orig tarball of
# Debian's source package pythonX.Y (upstream CPython; a pinned file and
# sha256, see PIN below) is fetched from the host's Debian mirror and
# configured twice, `--disable-gil` and `--disable-gil
# --with-pydebug` (no PGO/LTO, no test modules, no ensurepip), and installed
# into TARGET/ft/X.Y and TARGET/ft/X.Yd; TARGET/bin/pythonX.Yt and
# pythonX.Ytd link to them, and the headers (include/pythonX.Yt[d]/internal)
# serve gen_layouts.py.  TARGET/ft/X.Y[d]/provisioned is the stamp: a build
# whose stamp names the same tarball is not redone (about 4 minutes each on
# 2 cores).  Exit 0 ok, 1 some build failed, 2 usage.
set -Eeuo pipefail

PROG=build-freethreaded-pythons
RECIPE="pycore-freethreaded-pythons 1"
# shellcheck source=lib-apt.sh
. "$(dirname "$0")/lib-apt.sh"
FORCE=0 VERSIONS=()
while [ $# -gt 0 ]; do
  case $1 in
    --target|--cache) [ $# -ge 2 ] || die "$1 needs a directory" 2
      if [ "$1" = --target ]; then TARGET=$2; else CACHE=$2; fi; shift ;;
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    3.1[3-9]) VERSIONS+=("$1") ;;
    *) die "unknown argument '$1' (see --help; free-threading exists from 3.13)" 2 ;;
  esac
  shift
done
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(3.13 3.14)
JOBS=${PYCORE_BUILD_JOBS:-$(nproc)}
for tool in cc make pkg-config curl sha256sum; do
  command -v $tool >/dev/null || die "$tool is missing (tools/install-deps.sh installs the build dependencies)"
done
mkdir -p "$TARGET/bin" "$TARGET/ft" "$CACHE/src"
TARGET=$(cd "$TARGET" && pwd -P) CACHE=$(cd "$CACHE" && pwd -P)
exec 8>"$TARGET/.ft-lock"
if ! flock -n 8; then echo "$PROG: waiting for another run" >&2; flock 8; fi

# The newest upstream tarballs this machine's Debian mirror serves: it does
# not carry every source file the Sources indexes list (3.13.18, 3.14.8-10
# and 3.15.x answer 404 here).  The hashes are those of Debian's signed
# Sources index (3.13.15, forky and sid) and of the package's .dsc (3.14.7).
# PYCORE_FT_TARBALL_3_14=FILE (and so on) builds from a local tarball instead.
declare -A PIN=(
  [3.13]="python3.13_3.13.15.orig.tar.xz 1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76"
  [3.14]="python3.14_3.14.7.orig.tar.xz 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81"
)

tarball() {  # $1 X.Y -> prints the path of the upstream tarball (downloaded once, hash checked)
  local v=$1 var="PYCORE_FT_TARBALL_${1//./_}" f sum
  if [ -n "${!var:-}" ]; then
    [ -r "${!var}" ] || die "$var=${!var}: not a readable file"
    echo "${!var}"; return
  fi
  [ -n "${PIN[$v]:-}" ] || die "no pinned source for python$v: set $var=FILE (an upstream Python-$v.x tarball)"
  read -r f sum <<<"${PIN[$v]}"
  if [ "$(sha256sum 2>/dev/null < "$CACHE/src/$f" | cut -d' ' -f1)" != "$sum" ]; then
    mirrors
    curl -fsS --retry 3 -o "$CACHE/src/$f.part" "$MIRROR/pool/main/p/python$v/$f" ||
      die "cannot download $MIRROR/pool/main/p/python$v/$f"
    [ "$(sha256sum < "$CACHE/src/$f.part" | cut -d' ' -f1)" = "$sum" ] ||
      die "$f from $MIRROR does not have the pinned sha256 $sum"
    mv "$CACHE/src/$f.part" "$CACHE/src/$f"
  fi
  echo "$CACHE/src/$f"
}

smoke() {  # $1 interpreter: free-threaded, and has what the scenarios import
  "$1" -I -c '
import sys, sysconfig, threading, socket, select, ctypes, multiprocessing, asyncio, faulthandler, _interpreters
import concurrent.futures, subprocess, logging, queue
if not sysconfig.get_config_var("Py_GIL_DISABLED") or sys._is_gil_enabled():
    sys.exit("not a free-threaded build, or the GIL is enabled")
print(sys.version.split()[0])'
}

build() {  # $1 X.Y  $2 "" or d
  local v=$1 d=$2 t0=$SECONDS src prefix=$TARGET/ft/$1$2 bin=python$1t$2 b out
  src=$(tarball "$v")
  local want="$RECIPE $(basename "$src")"
  if [ "$FORCE" = 0 ] && [ "$(head -1 "$prefix/provisioned" 2>/dev/null)" = "$want" ] &&
     [ -x "$prefix/bin/$bin" ]; then
    ln -sfn "../ft/$v$d/bin/$bin" "$TARGET/bin/$bin"
    echo "ft-$v$d $(sed -n 's/^interp //p' "$prefix/provisioned")  $TARGET/bin/$bin  (already built)"; return
  fi
  b=$CACHE/build/$bin
  rm -rf "$b" "$prefix" "$TARGET/bin/$bin"; mkdir -p "$b"
  tar -xf "$src" -C "$b" --strip-components=1
  local flags=(--prefix="$prefix" --disable-gil --without-ensurepip --disable-test-modules)
  [ "$d" = d ] && flags+=(--with-pydebug)
  (cd "$b" && ./configure -q "${flags[@]}" > "$b.log" 2>&1 && make -j"$JOBS" >> "$b.log" 2>&1 &&
   make altinstall >> "$b.log" 2>&1) ||
    { tail -20 "$b.log" >&2; die "building $bin failed (log: $b.log)"; }
  [ -x "$prefix/bin/$bin" ] || die "$bin was not installed into $prefix/bin (log: $b.log)"
  out=$(smoke "$prefix/bin/$bin" 2>"$b.err") || die "$bin does not work: $(tail -5 "$b.err")"
  rm -rf "$b" "$b.err"
  { echo "$want"; echo "interp $out"; } > "$prefix/provisioned"
  ln -sfn "../ft/$v$d/bin/$bin" "$TARGET/bin/$bin"
  echo "ft-$v$d $out  $TARGET/bin/$bin  (built in $((SECONDS - t0)) s)"
}

rc=0
for v in "${VERSIONS[@]}"; do
  for d in "" d; do
    set +e; ( set -e; trap 'onerr $LINENO "$BASH_COMMAND"' ERR; build "$v" "$d" ); r=$?; set -e
    [ $r = 0 ] || { rc=1; echo "$PROG: python${v}t$d FAILED" >&2; }
  done
done
exit $rc
