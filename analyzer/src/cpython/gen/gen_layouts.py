#!/usr/bin/python3
"""Regenerate analyzer/src/cpython/layouts_generated.c.

Compiles layout_probe.c against every CPython whose headers are installed
(pyenv versions with internal headers, Debian's /usr/include/python3.*, the
free-threaded builds that `make provision` builds) and collects one struct
pc_py_layout entry per (version, debug build, free-threaded).  Headers
are only read and compiled; no interpreter is ever run, so the numbers
describe exactly the headers found (Debian's 3.11.2 is not pyenv's 3.11.7).

Entries already in the committed file whose headers are absent here are
kept, so a machine lacking some version does not silently drop it.

  gen_layouts.py [--out FILE] [--check] [--drop-absent]
"""
import argparse
import difflib
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, "layout_probe.c")
LAYOUT_H = os.path.join(os.path.dirname(HERE), "layout.h")
COMMITTED = os.path.join(os.path.dirname(HERE), "layouts_generated.c")

HEADER = """\
/* GENERATED FILE - DO NOT EDIT.
 * Produced by analyzer/src/cpython/gen/gen_layouts.py, which compiles
 * gen/layout_probe.c against each installed CPython's own headers.
 * Regenerate with gen_layouts.py; verify with gen_layouts.py --check. */
#include "layout.h"

const struct pc_py_layout pc_py_layouts[] = {
"""
FOOTER = """\
};
const size_t pc_py_layouts_count =
    sizeof pc_py_layouts / sizeof pc_py_layouts[0];
"""

ENTRY_RE = re.compile(r"^    \{ \.version_min = .*?^    \},\n", re.M | re.S)
KEY_RE = re.compile(r"\.version_min = 0x([0-9a-fA-F]+),.*?\.debug_build = (\d)"
                    r"(?:, \.free_threaded = (\d))?", re.S)


def warn(msg):
    print("gen_layouts: " + msg, file=sys.stderr)


def version_str(hexv, debug=0, free_threaded=0):
    level = {0xa: "a", 0xb: "b", 0xc: "rc", 0xf: ""}.get((hexv >> 4) & 0xf, "?")
    s = "%d.%d.%d" % (hexv >> 24, (hexv >> 16) & 0xff, (hexv >> 8) & 0xff)
    if level:
        s += "%s%d" % (level, hexv & 0xf)
    return s + ("t" if free_threaded else "") + (" (debug)" if debug else "")


def layout_fields():
    """Field names of struct pc_py_layout, to prove each entry complete."""
    with open(LAYOUT_H) as f:
        text = f.read()
    body = re.search(r"struct pc_py_layout \{(.*?)\n\};", text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return re.findall(r"(\w+)\s*;", body)


def patchlevel(inc):
    """PY_VERSION of a header directory, or None."""
    try:
        with open(os.path.join(inc, "patchlevel.h")) as f:
            m = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', f.read())
    except OSError:
        return None
    return m.group(1) if m else None


def pyenv_root():
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True,
                             text=True, timeout=30)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def discover():
    """(label, include dir, debug) for every usable set of headers."""
    found = []
    root = pyenv_root()
    for vdir in sorted(glob.glob(os.path.join(root, "versions", "*"))):
        for inc in sorted(glob.glob(os.path.join(vdir, "include", "python[23].*"))):
            label = "pyenv %s" % os.path.basename(vdir)
            # 2.7 and 3.6 declare their interpreter structs in public headers.
            if os.path.isdir(os.path.join(inc, "internal")) or re.search(r"python(2\.7|3\.6)", inc):
                found.append((label, inc))
            else:
                warn("%s: no internal headers; skipped" % label)
    for inc in sorted(glob.glob("/usr/include/python3.*")):
        if os.path.isfile(os.path.join(inc, "patchlevel.h")):
            found.append(("Debian %s (%s)" % (inc, patchlevel(inc)), inc))
    # free-threaded builds of corpus/provision/build-freethreaded-pythons.sh
    pythons = os.environ.get("PYCORE_DEBIAN_PYTHONS") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pycore", "pythons")
    for inc in sorted(glob.glob(os.path.join(pythons, "ft", "*", "include", "python3.*t*"))):
        if os.path.isdir(os.path.join(inc, "internal")):
            found.append(("free-threaded %s" % patchlevel(inc) + ("t debug" if inc.endswith("d") else "t"), inc))
    result = []
    for label, inc in found:
        # python3.11d, python3.7dm: the abiflags name a Py_DEBUG build.
        debug = "d" in os.path.basename(inc)[len("pythonX."):].lstrip("0123456789")
        result.append((label, inc, debug))
    return result


def probe(label, inc, debug, tmp):
    """The entry text for one header set, or None (reported on stderr)."""
    ver = patchlevel(inc)
    if ver is None:
        warn("%s: no PY_VERSION in %s/patchlevel.h" % (label, inc))
        return None
    xy = tuple(int(x) for x in re.findall(r"\d+", ver)[:2])
    if xy < (2, 7) or (3, 0) <= xy < (3, 6):
        warn("%s: %s is not supported; skipped" % (label, ver))
        return None
    exe = os.path.join(tmp, "probe")
    cmd = [os.environ.get("CC", "cc"), "-std=gnu11", "-w",
           "-I", inc, "-I", os.path.join(inc, "internal"), "-DPy_BUILD_CORE",
           '-DPC_SOURCE="%s"' % label, PROBE, "-o", exe]
    if debug:
        cmd.insert(1, "-DPy_DEBUG")
    try:
        cc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if cc.returncode != 0:
            warn("%s: probe does not compile:\n%s" % (label, cc.stderr[-3000:]))
            return None
        run = subprocess.run([exe], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        warn("%s: %s" % (label, e))
        return None
    finally:
        if os.path.exists(exe):
            os.unlink(exe)
    if run.returncode != 0 or not ENTRY_RE.fullmatch(run.stdout):
        warn("%s: unexpected probe output:\n%s" % (label, run.stdout))
        return None
    names = re.findall(r"\.(\w+) =", run.stdout)
    head = ("version_min", "version_max", "debug_build", "free_threaded", "source")
    want = list(head) + [f for f in layout_fields() if f not in head]
    if sorted(names) != sorted(want):
        missing = set(want) - set(names)
        extra = set(names) - set(want)
        warn("%s: probe fields out of step with layout.h: missing %s, "
             "unknown %s" % (label, sorted(missing), sorted(extra)))
        return None
    return run.stdout


def entry_key(text):
    m = KEY_RE.search(text)
    return int(m.group(1), 16), int(m.group(2)), int(m.group(3) or 0)


def read_entries(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return {}
    return {entry_key(e): e for e in ENTRY_RE.findall(text)}


def generate(drop_absent, checking):
    """The full file text, and whether any version compiled."""
    entries = {}
    with tempfile.TemporaryDirectory(prefix="pc_layouts_") as tmp:
        for label, inc, debug in discover():
            text = probe(label, inc, debug, tmp)
            if text is None:
                continue
            key = entry_key(text)
            if key in entries:
                same = (re.sub(r'\.source = "[^"]*"', "", entries[key])
                        == re.sub(r'\.source = "[^"]*"', "", text))
                warn("%s: %s already generated from other headers (%s); "
                     "kept the first" % (label, version_str(*key),
                                         "identical" if same else "DIFFERENT"))
                continue
            entries[key] = text
    compiled = bool(entries)
    for key, text in sorted(read_entries(COMMITTED).items()):
        if key not in entries and not drop_absent:
            print("%s: %s (headers absent)" % (
                "not re-checked" if checking else "kept from committed table",
                version_str(*key)))
            entries[key] = text
    body = "".join(entries[k] for k in sorted(entries))
    return HEADER + body + FOOTER, compiled


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=COMMITTED,
                    help="output file (default: the committed table)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate and diff against the committed table")
    ap.add_argument("--drop-absent", action="store_true",
                    help="do not keep committed entries whose headers are absent")
    args = ap.parse_args()

    text, compiled = generate(args.drop_absent, args.check)
    if not compiled:
        warn("no CPython headers compiled")
        return 1
    if args.check:
        try:
            with open(COMMITTED) as f:
                old = f.read()
        except OSError:
            old = ""
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True),
                COMMITTED, "regenerated"))
            return 1
        print("layouts up to date (%d entries)" % len(ENTRY_RE.findall(text)))
        return 0
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.out)),
                               prefix=".layouts_")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    shutil.move(tmp, args.out)
    print("wrote %s (%d entries)" % (args.out, len(ENTRY_RE.findall(text))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
