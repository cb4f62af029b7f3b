#!/usr/bin/env bash
# provision-debian-pythons.sh - Debian-suite CPythons (release + Py_DEBUG
# builds) for pycore's integration tests, beside a Debian 12 x86_64 host,
# without installing anything system-wide.
#
# Usage: provision-debian-pythons.sh [--target DIR] [--cache DIR] [--refresh]
#                                    [--force] [X.Y ...]     (default: 3.9 3.13 3.14 3.15)
#   --target DIR  where the interpreters go   (env PYCORE_DEBIAN_PYTHONS,
#                 default ${XDG_CACHE_HOME:-~/.cache}/pycore/pythons)
#   --cache DIR   apt lists and .debs          (env PYCORE_DEBIAN_CACHE,
#                 default ${XDG_CACHE_HOME:-~/.cache}/pycore/debian-pythons)
#   --refresh     ask the mirror again for the newest packages (otherwise
#                 the package set resolved the first time is reused: a
#                 re-run downloads nothing)
#   --force       rebuild the trees even if they are complete
#   --arch arm64  Debian's arm64 builds instead, into TARGET/arm64: they run
#                 under qemu-user (TARGET/arm64/bin/python3.X[d] are scripts
#                 that exec qemu-aarch64 -L ROOT), whose cores are aarch64;
#                 python3.X-shared is Debian's libpython3.X.so.1.0 run by a
#                 launcher built here (shared.c, aarch64-linux-gnu-gcc)
# Env: PYCORE_DEBIAN_MIRROR (default: the Debian URI of the host's apt
#      sources), PYCORE_PATCHELF (default: bookworm's patchelf 0.14.3, fetched).
#
# Per version X.Y, from one suite (3.9 bullseye, 3.11 bookworm, 3.13 trixie,
# others sid), apt with a private config/state under CACHE/apt/SUITE (the
# host's sources, status and hooks are not used) resolves pythonX.Y-minimal,
# libpythonX.Y-{minimal,stdlib}, pythonX.Y, pythonX.Y-dbg, libpythonX.Y-dbg
# against a fake dpkg status that claims the data/tooling packages (tzdata,
# perl-base, ...) are installed, downloads the .debs (signatures and hashes
# checked) and they are `dpkg -x`ed into TARGET/X.Y/root.  TARGET/X.Y/native
# holds copies of python3.X and python3.Xd whose PT_INTERP / DT_RPATH point at
# the extracted loader and libraries (patchelf), so they run as ordinary
# processes (the core's AT_PHDR / /proc/PID/exe are python's, not ld.so's);
# TARGET/bin/python3.X[d] link to them.  TARGET/X.Y/provisioned is the stamp.
# Prints one line per interpreter.  Exit 0 ok, 1 some version failed, 2 usage.
set -Eeuo pipefail

RECIPE="pycore-debian-pythons 2"   # 2: the stdlib byte-compiled
# claimed installed: data under host paths or maintainer tooling (Python reads
# /etc/mime.types, /usr/share/zoneinfo ... from the host anyway); tcl/tk only
# serve the debug build's _tkinter and pull in X11
FAKE="tzdata netbase media-types mime-support debconf cdebconf perl-base dpkg tar
  readline-common libtirpc-common sensible-utils ucf install-info libtcl8.6 libtk8.6"

PROG=provision-debian-pythons
# shellcheck source=lib-apt.sh
. "$(dirname "$0")/lib-apt.sh"
REFRESH=0 FORCE=0 VERSIONS=()
while [ $# -gt 0 ]; do
  case $1 in
    --target|--cache) [ $# -ge 2 ] || die "$1 needs a directory" 2
      if [ "$1" = --target ]; then TARGET=$2; else CACHE=$2; fi; shift ;;
    --arch) [ $# -ge 2 ] || die "$1 needs amd64 or arm64" 2
      case $2 in amd64|arm64) DEBARCH=$2 ;; *) die "--arch: amd64 or arm64, not '$2'" 2 ;; esac; shift ;;
    --refresh) REFRESH=1 ;;
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    3.[0-9]*) VERSIONS+=("$1") ;;
    *) die "unknown argument '$1' (see --help)" 2 ;;
  esac
  shift
done
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(3.9 3.13 3.14 3.15)
[ "$(uname -m)" = x86_64 ] || die "only x86_64 hosts are supported" 2
MA=x86_64-linux-gnu LDSO=ld-linux-x86-64.so.2 QEMU= ARCHSFX=
if [ "$DEBARCH" = arm64 ]; then
  MA=aarch64-linux-gnu LDSO=ld-linux-aarch64.so.1 TARGET=$TARGET/arm64 ARCHSFX=-arm64
  RECIPE="pycore-debian-pythons-arm64 3"   # 2: the wrapper sets the guest's argv[0]; 3: python3.X-shared, .pyc
  QEMU=$(command -v qemu-aarch64) || die "--arch arm64 needs qemu-aarch64 (apt-get install qemu-user)" 2
  XCC=$(command -v aarch64-linux-gnu-gcc) ||
    die "--arch arm64 needs aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu)" 2
fi
mkdir -p "$TARGET/bin" "$CACHE/manifests"
TARGET=$(cd "$TARGET" && pwd -P) CACHE=$(cd "$CACHE" && pwd -P)
exec 8>"$TARGET/.lock" 9>"$CACHE/.lock"   # apt runs with Debug::NoLocking
if ! flock -n 8 || ! flock -n 9; then
  echo "provision-debian-pythons: waiting for another run" >&2; flock 8; flock 9
fi

PATCHELF=${PYCORE_PATCHELF:-}
get_patchelf() {  # bookworm's 0.14.3 is tested; trixie's 0.18 made broken binaries
  [ -n "$PATCHELF" ] && return
  local t=$CACHE/tools
  if [ ! -x "$t/usr/bin/patchelf" ]; then
    apt_suite bookworm
    rm -rf "$t"; mkdir -p "$t/deb"
    (cd "$t/deb" && APT bookworm download patchelf >/dev/null) || die "cannot download patchelf from bookworm"
    dpkg -x "$t"/deb/patchelf_*.deb "$t"
  fi
  PATCHELF=$t/usr/bin/patchelf
}

roots_of() {  # $1 X.Y: the packages asked for (apt adds what they depend on)
  echo "python$1-minimal libpython$1-minimal libpython$1-stdlib python$1 python$1-dbg libpython$1-dbg" \
    "${QEMU:+libpython$1}"    # arm64: python$1-shared's library
}

has_roots() {  # $1 X.Y $2 manifest: resolved with today's roots (a manifest of an older recipe lacks some)
  local r
  for r in $(roots_of "$1"); do grep -q "^${r}_" "$2" || return 1; done
}

resolve() {   # $1 X.Y $2 suite -> manifest (one .deb file name per line)
  local v=$1 s=$2 m=$CACHE/manifests/python$1-$2$ARCHSFX out
  apt_suite "$s"
  # exact names: apt takes "python3.10-minimal" as a regex when there is no such package
  [ "$(apt-cache -c "$(aptdir "$s")/apt.conf" pkgnames "python$v-" | grep -cxE "python$v-(minimal|dbg)")" = 2 ] ||
    die "python$v-minimal / python$v-dbg are not in Debian $s ($MIRROR)"
  local roots; read -ra roots <<<"$(roots_of "$v")"
  out=$(APT "$s" -s --no-install-recommends install "${roots[@]}" 2>&1) ||
    { echo "$out" | tail -15 >&2; die "apt cannot resolve python$v in $s"; }
  awk '/^Inst /{ v=$3; sub(/^\(/,"",v); gsub(/:/,"%3a",v)
                 a=$0; sub(/\]\).*/,"",a); sub(/.*\[/,"",a); print $2 "_" v "_" a ".deb" }' \
    <<<"$out" > "$m.new"
  grep -q "^python$v-dbg_" "$m.new" || die "no python$v-dbg in the resolution for $s"
  if ! (cd "$(aptdir "$s")/archives" && xargs -a "$m.new" -I{} test -s {}) 2>/dev/null; then
    out=$(APT "$s" -y -d --no-install-recommends install "${roots[@]}" 2>&1) ||
      { echo "$out" | grep -E '^(E:|Err:|W:)' >&2 || echo "$out" | tail -5 >&2
        die "downloading python$v from $s ($MIRROR) failed"; }
  fi
  mv "$m.new" "$m"
}

smoke() {  # $1 interpreter, $2 root: must run and map no library from the host
  "$1" -I -c '
import sys, threading, socket, ssl, ctypes, sqlite3, lzma, bz2, zlib, decimal, json
root = sys.argv[1]
with open("/proc/self/maps") as f:
    libs = set(l.split()[-1] for l in f if ".so" in l)
host = sorted(p for p in libs if not p.startswith(root) and "/gconv/" not in p)
if host:
    sys.exit("host libraries mapped: %s" % host)
print(sys.version.split()[0])' "$2"
}

bytecompile() {  # $1 X.Y, $2 the tree's release interpreter, $3 the tree
  # The stdlib's .pyc, as Debian's py3compile writes them on install: the
  # scenarios run with -B, and without them each run compiles what it
  # imports (asyncio: 41 s for an arm64 3.15 under qemu, 8 s with them).
  # .pyc files are the same on every machine: an arm64 tree's are written
  # by a host interpreter of the same version and magic if there is one.
  local v=$1 py=$2 h magic q='import importlib.util as u; print(u.MAGIC_NUMBER.hex())'
  if [ -n "$QEMU" ]; then
    magic=$("$py" -S -c "$q")
    # the x86_64 tree of the same suite first (same Debian version), then the host's own
    for h in "$TARGET/../bin/python$v" "/usr/bin/python$v" "$(command -v "python$v" || true)"; do
      if [ -x "$h" ] && [ "$("$h" -S -c "$q" 2>/dev/null)" = "$magic" ]; then py=$h; break; fi
    done
  fi
  # a file that does not compile is left to the interpreter, as py3compile does
  "$py" -S -m compileall -q -j 0 -x '/(test|tests|idlelib|tkinter|turtledemo)/' "$3/usr/lib/python$v" \
    >/dev/null 2>&1 || true
}

report() {  # $1 stamp, $2 suite, $3 what: one line per interpreter
  awk -v t="$TARGET/bin" -v s="$2" -v what="$3" '$1=="interp" { sub(/^python/,"",$2)
    printf "debian-%-6s %-8s %-9s %s/python%s  (%s)\n", $2, $3, s, t, $2, what }' "$1"
}

provision() {  # $1 X.Y
  local v=$1 s vd=$TARGET/$1 t0=$SECONDS m b out ld
  s=$(suite_of "$v"); m=$CACHE/manifests/python$v-$s$ARCHSFX
  local bins=("python$v" "python${v}d") stamp=$vd/provisioned
  [ -z "$QEMU" ] || bins+=("python$v-shared")
  if [ "$FORCE$REFRESH" = 00 ] && [ "$(head -1 "$stamp" 2>/dev/null)" = "$RECIPE suite=$s" ] &&
     [ -x "$TARGET/bin/python$v" ] && [ -x "$TARGET/bin/${bins[-1]}" ]; then
    report "$stamp" "$s" "already provisioned"; return
  fi
  if [ "$REFRESH" = 1 ] || [ ! -s "$m" ] || ! has_roots "$v" "$m" ||
     ! (cd "$(aptdir "$s")/archives" 2>/dev/null && xargs -a "$m" -I{} test -s {}) 2>/dev/null; then
    resolve "$v" "$s"
  fi
  if [ "$FORCE" = 0 ] && [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$RECIPE suite=$s" ] &&
     diff -q <(sed -n 's/^deb //p' "$stamp") "$m" >/dev/null && [ -x "$TARGET/bin/python${v}d" ]; then
    report "$stamp" "$s" "already provisioned, nothing newer in $s"; return
  fi
  [ -n "$QEMU" ] || get_patchelf
  for b in "${bins[@]}"; do rm -f "$TARGET/bin/$b"; done
  rm -rf "$vd"; mkdir -p "$vd/root" "$vd/native/usr/bin"
  while read -r deb; do dpkg -x "$(aptdir "$s")/archives/$deb" "$vd/root"; done < "$m"
  # libpythonX.Yd.a / .so (140 MB from 3.13 on) are for embedding: the binaries are static
  # (arm64 keeps the release build's libpythonX.Y.so.1.0 for python$v-shared)
  find "$vd/root/usr/lib" \( -name 'libpython*.a' -o -name 'libpython*.so*' \) \
    ! -name "libpython$v.so.1*" -delete
  [ -n "$QEMU" ] || find "$vd/root/usr/lib" -name 'libpython*.so*' -delete
  # absolute symlinks (bullseye's lib64/ld-linux-x86-64.so.2, sitecustomize.py)
  # would point into the host: make them relative, inside the tree
  find "$vd/root" -type l -lname '/*' -print0 | while IFS= read -r -d '' l; do
    ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$vd/root$(readlink "$l")")" "$l"
  done
  # merged /usr (trixie on): the debs hold usr/lib only, base-files makes
  # the /lib link; the guest's PT_INTERP is /lib/ld-linux-aarch64.so.1
  if [ -n "$QEMU" ]; then
    for d in lib bin sbin; do [ -e "$vd/root/$d" ] || ln -s "usr/$d" "$vd/root/$d"; done
  fi
  for ld in "$vd"/root/{usr/,}lib/$MA/$LDSO "$vd"/root/usr/lib/$LDSO ""; do [ -e "$ld" ] && break; done
  [ -n "$ld" ] || die "no $LDSO in the extracted libc6 of python$v"
  ld=$(readlink -f "$ld")
  # the stdlib is found from the binary's location: native/usr/lib/python3.X/os.py
  ln -s ../../root/usr/lib "$vd/native/usr/lib"
  if [ -n "$QEMU" ]; then
    # Debian ships no shared-libpython interpreter, only the library for
    # embedding: this launcher is CPython's own Programs/python.c.  Linked
    # with the cross toolchain's (bookworm's) libc, which may be older than
    # the tree's: libpython's own references are the tree's libc's business
    "$XCC" -O2 -o "$vd/root/usr/bin/python$v-shared" "$(dirname "$0")/shared.c" \
      "$vd/root/usr/lib/$MA/libpython$v.so.1.0" -Wl,--allow-shlib-undefined || die "cannot link python$v-shared"
  fi
  for b in "${bins[@]}"; do
    if [ -n "$QEMU" ]; then
      # -L: the guest's loader and libraries come from the tree; exec keeps
      # one process, which takes the signals and writes the guest's core;
      # -0: the guest's argv[0] is this script, so sys.executable is too and
      # a child Python (subprocess, multiprocessing) runs under qemu as well
      # (no binfmt_misc needed), its stdlib found beside it (native/usr/lib)
      printf '#!/bin/sh\nexec %s -L %s -0 "$0" %s "$@"\n' "$QEMU" "$vd/root" "$vd/root/usr/bin/$b" \
        > "$vd/native/usr/bin/$b"
      chmod +x "$vd/native/usr/bin/$b"
      continue
    fi
    cp "$vd/root/usr/bin/$b" "$vd/native/usr/bin/$b"
    "$PATCHELF" --set-interpreter "$ld" --force-rpath \
      --set-rpath "$vd/root/lib/$MA:$vd/root/usr/lib/$MA" "$vd/native/usr/bin/$b"
  done
  bytecompile "$v" "$vd/native/usr/bin/python$v" "$vd/root"
  echo "$RECIPE suite=$s" > "$stamp.new"
  for b in "${bins[@]}"; do
    out=$(smoke "$vd/native/usr/bin/$b" "$vd/root" 2>"$vd/smoke.err") ||
      die "$b from $s does not work: $(tail -5 "$vd/smoke.err")"
    echo "interp $b $out" >> "$stamp.new"
    ln -s "../$v/native/usr/bin/$b" "$TARGET/bin/$b"
  done
  rm -f "$vd/smoke.err"
  sed 's/^/deb /' "$m" >> "$stamp.new"
  mv "$stamp.new" "$stamp"
  report "$stamp" "$s" "provisioned: $(wc -l < "$m") debs, $((SECONDS - t0)) s"
}

# one subshell per version: a failure (set -e, die) ends that version only;
# not `( ... ) || ...`, which would switch set -e off inside
rc=0
for v in "${VERSIONS[@]}"; do
  set +e; ( set -e; trap 'onerr $LINENO "$BASH_COMMAND"' ERR; provision "$v" ); r=$?; set -e
  [ $r = 0 ] || { rc=1; echo "provision-debian-pythons: python$v FAILED" >&2; }
done
exit $rc
