"""Candidate CPython interpreters for the integration tests.

Candidates (present or not):
  debian-3.11      /usr/bin/python3.11   Debian's build: static libpython, LTO
  debian-3.11d     /usr/bin/python3.11d  Debian's Py_DEBUG build (if installed)
  debian-X.Y[d]    DIR/bin/pythonX.Y[d]  Debian's builds from other suites (3.9
                   bullseye, 3.13 trixie, 3.14 and 3.15 sid) that `make provision`
                   (corpus/provision/provision-debian-pythons.sh) puts into DIR =
                   $PYCORE_DEBIAN_PYTHONS, default ${XDG_CACHE_HOME:-~/.cache}/pycore/pythons
  pyenv-X.Y.Z      $(pyenv root)/versions/X.Y.Z/bin/python3.X (or python2.7)
  ft-X.Yt[d]       DIR/bin/pythonX.Yt[d] free-threaded (--disable-gil) release and
                   Py_DEBUG builds of 3.13 and 3.14 that `make provision`
                   (corpus/provision/build-freethreaded-pythons.sh) builds from
                   Debian's upstream source tarballs into DIR/ft

The provisioned ones run like any interpreter, `[path] + flags`, no wrapper:
DIR/bin/pythonX.Y[d] links to DIR/X.Y/native/usr/bin/pythonX.Y[d], a copy of
Debian's binary whose PT_INTERP and DT_RPATH name the suite's own ld.so and
libraries (DIR/X.Y/root), so the pid is python's and the core's AT_PHDR,
/proc/PID/exe and NT_FILE name that binary (same build-id and vaddrs as
Debian's file; patchelf added a PT_LOAD at 0x3ff000 and moved file offsets).

For each present interpreter: its version (asked from the interpreter with a
one-line `-E -S -c` that imports nothing but sys), whether it is a debug build,
and its build kind, "shared" when the executable's ELF DT_NEEDED names a
libpython, else "static" (read from the file with the small ELF reader below,
the interpreter is not involved).

REQUIRED lists, per version, the interpreters a run must have: tests
parametrize over required-but-absent interpreters too and fail for them.
Usable as a script: `/usr/bin/python3 tests/integration/pythons.py [3.11]`.
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys

DEBIAN = [("debian-3.11", "/usr/bin/python3.11"), ("debian-3.11d", "/usr/bin/python3.11d")]
# Scenarios that say `needs: MODULE` run on these interpreters only: the
# ones Debian packages the module for (python3-gevent, python3-greenlet:
# release 3.11; no greenlet module for the debug build).  The module
# missing there fails the scenario: tools/install-deps.sh installs it.
NEEDS = {"gevent": ("debian-3.11",)}

# What `make provision` provisions (release and d build of each).
PROVISIONED = ["3.9", "3.13", "3.14", "3.15"]
KINDS = ["gcore", "kernel"]

# What a run must have, per X.Y: (label regex, name) = "some present interpreter
# whose label matches the regex".  Absent -> the tests fail (never skip).
REQUIRED = {
    "3.11": [(r"^debian-3\.11$", "debian-3.11"), (r"^pyenv-3\.11\.\d+$", "pyenv-3.11.x")],
}
for _xy in PROVISIONED:     # absent until `make provision` ran: MISSING, with that hint
    REQUIRED.setdefault(_xy, []).extend(
        [(r"^debian-%s$" % re.escape(_xy), "debian-" + _xy),
         (r"^debian-%sd$" % re.escape(_xy), "debian-%sd" % _xy)])
# What `make provision` provisions of Debian's arm64 builds, run under
# qemu-user (their cores are qemu's): (X.Y, build suffix, scenarios).  The
# static release builds run every scenario; the shared-libpython one (a
# launcher of Debian's libpython3.X.so, provision-debian-pythons.sh) runs
# ARM64_SAMPLE, one scenario per kind of evidence, and the debug one (15 s
# to import threading emulated, minutes for asyncio: docs/versions.md) the
# part of it that needs no asyncio.
ARM64_SAMPLE = ["abba_lock", "gil_held", "import_lock", "shutdown_join", "asyncio_lock_order", "child_wait",
                "locals_values", "self_deadlock_nested"]
ARM64_DEBUG_SAMPLE = ["abba_lock", "gil_held", "import_lock", "shutdown_join", "locals_values"]
ARM64 = [("3.11", "", None), ("3.15", "", None), ("3.11", "-shared", ARM64_SAMPLE),
         ("3.15", "d", ARM64_DEBUG_SAMPLE)]
for _xy, _d, _ in ARM64:
    REQUIRED.setdefault(_xy, []).append(
        (r"^arm64-debian-%s%s$" % (re.escape(_xy), _d), "arm64-debian-%s%s" % (_xy, _d)))
# What `make provision` builds free-threaded (release and debug of each).
FREE_THREADED = ["3.13", "3.14"]
for _xy in FREE_THREADED:
    REQUIRED.setdefault(_xy, []).extend(
        [(r"^ft-%st$" % re.escape(_xy), "ft-%st" % _xy),
         (r"^ft-%std$" % re.escape(_xy), "ft-%std" % _xy)])

# Versions pycore-analyze supports, in the order the matrix lists them; the
# others must be refused with a one-line message.
SUPPORTED = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
UNSUPPORTED = []


class ElfError(Exception):
    pass


def elf_needed(path):
    """DT_NEEDED entries of an ELF executable/library (64- or 32-bit, LE/BE)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        raise ElfError("%s: not an ELF file" % path)
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        phoff, = struct.unpack_from(end + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 0x36)
        ph_fmt, dyn_fmt = end + "IIQQQQQQ", end + "qQ"
    else:
        phoff, = struct.unpack_from(end + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 0x2A)
        ph_fmt, dyn_fmt = end + "IIIIIIII", end + "iI"
    loads, dynamic = [], None
    for i in range(phnum):
        fields = struct.unpack_from(ph_fmt, data, phoff + i * phentsize)
        if is64:
            p_type, _flags, p_offset, p_vaddr, _pa, p_filesz, _memsz, _align = fields
        else:
            p_type, p_offset, p_vaddr, _pa, p_filesz, _memsz, _flags, _align = fields
        if p_type == 1:                     # PT_LOAD
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == 2:                   # PT_DYNAMIC
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return []                           # fully static executable
    entsize = struct.calcsize(dyn_fmt)
    needed, strtab = [], None
    off, size = dynamic
    for i in range(size // entsize):
        tag, val = struct.unpack_from(dyn_fmt, data, off + i * entsize)
        if tag == 0:                        # DT_NULL
            break
        if tag == 1:                        # DT_NEEDED
            needed.append(val)
        elif tag == 5:                      # DT_STRTAB (a virtual address)
            strtab = val
    if strtab is None:
        raise ElfError("%s: PT_DYNAMIC without DT_STRTAB" % path)
    for vaddr, foff, filesz in loads:
        if vaddr <= strtab < vaddr + filesz:
            strtab_off = foff + (strtab - vaddr)
            break
    else:
        raise ElfError("%s: DT_STRTAB 0x%x not in any PT_LOAD" % (path, strtab))
    out = []
    for n in needed:
        s = strtab_off + n
        out.append(data[s:data.index(b"\0", s)].decode("utf-8", "replace"))
    return out


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root and os.path.isdir(root):
        return root
    exe = shutil.which("pyenv")
    if exe:
        try:
            out = subprocess.run([exe, "root"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, timeout=30).stdout
            root = out.decode().strip()
            if root and os.path.isdir(root):
                return root
        except (OSError, subprocess.SubprocessError):
            pass
    root = os.path.expanduser("~/.pyenv")
    return root if os.path.isdir(root) else None


def _pyenv_candidates():
    root = pyenv_root()
    if not root:
        return []
    out = []
    for vdir in sorted(glob.glob(os.path.join(root, "versions", "*"))):
        name = os.path.basename(vdir)
        m = re.match(r"^(\d+)\.(\d+)\.\d+$", name)     # plain CPython X.Y.Z only
        if not m:
            continue
        path = os.path.join(vdir, "bin", "python%s.%s" % (m.group(1), m.group(2)))
        out.append(("pyenv-" + name, path))
    return out


def debian_pythons_dir():
    """Where `make provision` puts the Debian-suite interpreters."""
    return os.environ.get("PYCORE_DEBIAN_PYTHONS") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pycore", "pythons")


def _provisioned_candidates():
    """(label, path, extra) for PROVISIONED and any other X.Y in the dir."""
    target = debian_pythons_dir()
    versions = set(PROVISIONED)
    if os.path.isdir(target):
        versions |= set(d for d in os.listdir(target) if re.match(r"^\d+\.\d+$", d))
    host = set(label for label, _ in DEBIAN)
    out = []
    for xy in sorted(versions, key=lambda v: tuple(int(x) for x in v.split("."))):
        # the stamp: "recipe... suite=S", "interp pythonX.Y V" lines, "deb FILE" lines
        stamp = os.path.join(target, xy, "provisioned")
        extra = {"provisioned": True, "suite": None, "glibc": None, "kinds": list(KINDS)}
        try:
            with open(stamp) as f:
                text = f.read()
        except OSError:
            why = ("%s does not exist" % target if not os.path.isdir(target)
                   else "%s not provisioned in %s" % (xy, target))
            extra["missing_why"] = ("%s: run `make provision` (corpus/provision/"
                                    "provision-debian-pythons.sh; PYCORE_DEBIAN_PYTHONS=DIR "
                                    "for another place)" % why)
        else:
            m = re.search(r"suite=(\S+)", text)
            extra["suite"] = m and m.group(1)
            m = re.search(r"^deb libc6_(\d+)\.(\d+)", text, re.M)
            extra["glibc"] = m and "%s.%s" % m.group(1, 2)
            # glibc >= 2.42 (sid) guards thread stacks with MADV_GUARD_INSTALL
            # (kernel >= 6.13, smaps "gu"); gdb 13's gcore fails to read the
            # guard page, warns "Memory read failed for corefile section" and
            # leaves the rest of that stack mapping as zeros: every thread but
            # the main one has an empty stack in the core.  Kernel cores are
            # complete.  trixie's 2.41 uses mprotect guards: gcore is fine.
            if m and (int(m.group(1)), int(m.group(2))) >= (2, 42):
                extra["kinds"] = ["kernel"]
                extra["kinds_note"] = ("no gcore: gdb 13 writes zeroed thread stacks for "
                                       "glibc >= 2.42 (MADV_GUARD_INSTALL guards)")
        for suffix in ("", "d"):
            label = "debian-%s%s" % (xy, suffix)
            if label not in host:               # the host's own build wins
                out.append((label, os.path.join(target, "bin", "python%s%s" % (xy, suffix)),
                            extra))
    return out


def _arm64_candidates():
    """(label, path, extra) for ARM64: TARGET/arm64/bin/pythonX.Y[d|-shared]
    are scripts that exec qemu-aarch64 -L ROOT ROOT/usr/bin/pythonX.Y[...].
    extra["scenarios"]: the only scenarios run with it (None: all)."""
    target = os.path.join(debian_pythons_dir(), "arm64")
    out = []
    for xy, d, scenarios in ARM64:
        root = os.path.join(target, xy, "root")
        extra = {"provisioned": True, "arch": "aarch64", "kinds": ["qemu"],
                 "kinds_note": "qemu-user cores only (an arm64 process under qemu on this host)",
                 "sysroot": root, "elf": os.path.join(root, "usr", "bin", "python%s%s" % (xy, d)),
                 "scenarios": scenarios}
        if not os.path.isfile(os.path.join(target, xy, "provisioned")):
            extra["missing_why"] = ("%s/%s not provisioned: run `make provision` (corpus/provision/"
                                    "provision-debian-pythons.sh --arch arm64 %s; needs qemu-user)"
                                    % (target, xy, xy))
        out.append(("arm64-debian-%s%s" % (xy, d), os.path.join(target, "bin", "python%s%s" % (xy, d)), extra))
    return out


def _freethreaded_candidates():
    """(label, path, extra) for FREE_THREADED, built or not."""
    target = debian_pythons_dir()
    out = []
    for xy in FREE_THREADED:
        for suffix in ("", "d"):
            stamp = os.path.join(target, "ft", xy + suffix, "provisioned")
            extra = {"provisioned": True, "kinds": list(KINDS)}
            if suffix == "d":
                # gdb reads a free-threaded process's 1 GB of mimalloc
                # reservations into every gcore (1-3 s each); what gcore
                # changes does not depend on Py_DEBUG, the release build
                # covers it
                extra["kinds"] = ["kernel"]
                extra["kinds_note"] = "gcore on the release free-threaded build only (time)"
            if not os.path.isfile(stamp):
                extra["missing_why"] = ("%s not built: run `make provision` (corpus/provision/"
                                        "build-freethreaded-pythons.sh)" % stamp)
            out.append(("ft-%st%s" % (xy, suffix),
                        os.path.join(target, "bin", "python%st%s" % (xy, suffix)), extra))
    return out


_PROBE = ("import sys; sys.stdout.write('%d.%d.%d %d %d' % (sys.version_info[:3] + "
          "(int(hasattr(sys, 'gettotalrefcount')), int('t' in getattr(sys, 'abiflags', '')))))")


def describe(label, path, extra=None):
    """Dict describing one candidate; present=False if it cannot be used.

    "kinds": the core kinds (gcore, kernel) usable with it."""
    info = {"label": label, "path": path, "present": False, "version": None,
            "xy": None, "debug": None, "build": None, "gil_build": None, "needed": None, "error": None,
            "kinds": list(KINDS)}
    extra = dict(extra or {})
    missing_why = extra.pop("missing_why", None)
    elf = extra.get("elf") or path       # a wrapper script runs this ELF file
    info.update(extra)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        info["error"] = missing_why or "not found"
        return info
    try:
        res = subprocess.run([path, "-E", "-S", "-c", _PROBE], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=60, cwd="/")
    except (OSError, subprocess.SubprocessError) as e:
        info["error"] = "cannot run: %s" % e
        return info
    m = re.match(r"^(\d+)\.(\d+)\.(\d+) ([01]) ([01])$", res.stdout.decode(errors="replace"))
    if res.returncode != 0 or not m:
        info["error"] = "version probe failed: %s" % res.stderr.decode(errors="replace")[-500:]
        return info
    try:
        needed = elf_needed(os.path.realpath(elf))
    except (OSError, ElfError, struct.error, ValueError) as e:
        info["error"] = "ELF: %s" % e
        return info
    info.update(present=True, version="%s.%s.%s" % m.group(1, 2, 3),
                xy="%s.%s" % m.group(1, 2), debug=m.group(4) == "1", needed=needed,
                gil_build="free-threaded" if m.group(5) == "1" else "gil",
                build="shared" if any(n.startswith("libpython") for n in needed) else "static")
    return info


_cache = {}


def candidates():
    """Every candidate interpreter, present or not (cached)."""
    if "all" not in _cache:
        _cache["all"] = ([describe(label, path) for label, path in DEBIAN + _pyenv_candidates()] +
                         [describe(label, path, extra)
                          for label, path, extra in _provisioned_candidates() + _freethreaded_candidates() +
                          _arm64_candidates()])
    return _cache["all"]


def for_version(xy):
    """(present interpreters of version X.Y, list of missing requirements).

    A missing requirement is a dict {label, path, present: False, error} so the
    tests can parametrize over it and fail with an explicit message.
    """
    present = [c for c in candidates() if c["present"] and c["xy"] == xy]
    missing = []
    for pattern, name in REQUIRED.get(xy, []):
        if not any(re.search(pattern, c["label"]) for c in present):
            tried = [c for c in candidates() if re.search(pattern, c["label"])]
            why = "; ".join("%s: %s" % (c["path"], c["error"]) for c in tried) or \
                "no candidate interpreter matches"
            missing.append({"label": "MISSING-" + name,
                            "path": None, "present": False, "xy": xy,
                            "error": "required %s interpreter absent: %s" % (xy, why)})
    return present, missing


def one_per_version(versions=SUPPORTED):
    """The path of the first present interpreter of each X.Y (for tests that
    need one per version, not the matrix); the required ones are checked by
    test_harness.py.  Host processes only: those tests ptrace, gcore or
    kernel-core their process, which an arm64 one under qemu-user is not."""
    out = []
    for xy in versions:
        out += [p["path"] for p in selected(xy) if p["present"] and p.get("arch") != "aarch64"][:1]
    return out


def selected(xy):
    """Interpreters to test for version X.Y, missing requirements included.

    $PYCORE_PYTHONS (comma-separated labels) restricts the present ones."""
    present, missing = for_version(xy)
    only = os.environ.get("PYCORE_PYTHONS")
    if only:
        wanted = set(x.strip() for x in only.split(",") if x.strip())
        present = [c for c in present if c["label"] in wanted]
    return present + missing


if __name__ == "__main__":
    if len(sys.argv) > 1:
        json.dump(selected(sys.argv[1]), sys.stdout, indent=1)
    else:
        json.dump(candidates(), sys.stdout, indent=1)
    sys.stdout.write("\n")
