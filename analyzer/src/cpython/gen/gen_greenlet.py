#!/usr/bin/python3
"""Regenerate analyzer/src/cpython/greenlets_generated.c.

greenlet keeps a greenlet's frames, stack and parent in private C++
classes (PyGreenlet.pimpl -> greenlet::Greenlet).  Their offsets are
derived from greenlet's own headers, installed beside the module (Debian's
python3-greenlet ships them): greenlet_probe.cpp is compiled to assembly
against those headers and the CPython headers of the module's ABI; nothing
is linked or run.  One entry per (greenlet version, CPython minor).

Entries already committed whose headers are absent here are kept.

  gen_greenlet.py [--out FILE] [--check]
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, "greenlet_probe.cpp")
COMMITTED = os.path.join(os.path.dirname(HERE), "greenlets_generated.c")
FIELDS = ["pimpl", "stack_start", "stack_stop", "top_frame", "current_frame", "cframe",
          "main_greenlet", "parent", "run_callable", "thread_state", "ts_current"]

HEADER = """\
/* GENERATED FILE - DO NOT EDIT.
 * Produced by analyzer/src/cpython/gen/gen_greenlet.py, which compiles
 * gen/greenlet_probe.cpp against greenlet's installed headers.
 * Regenerate with gen_greenlet.py; verify with gen_greenlet.py --check. */
#include "layout.h"

const struct pc_greenlet_layout pc_greenlet_layouts[] = {
"""
FOOTER = """\
};
const size_t pc_greenlet_layouts_count =
    sizeof pc_greenlet_layouts / sizeof pc_greenlet_layouts[0];
"""
ENTRY_RE = re.compile(r"^    \{ \.py_minor = .*?^    \},\n", re.M | re.S)


def warn(msg):
    print("gen_greenlet: " + msg, file=sys.stderr)


def discover():
    """(greenlet dir, version, CPython include dir) for each installed greenlet with headers."""
    found = []
    for d in sorted(glob.glob("/usr/lib/python3/dist-packages/greenlet")):
        if not os.path.exists(os.path.join(d, "greenlet_greenlet.hpp")):
            continue
        meta = glob.glob(os.path.join(os.path.dirname(d), "greenlet-*.*-info"))
        m = re.search(r"greenlet-([0-9][0-9.]*[0-9])", meta[0]) if meta else None
        if not m:
            warn("%s: no greenlet-*.egg-info or .dist-info beside it; skipped" % d)
            continue
        for so in sorted(glob.glob(os.path.join(d, "_greenlet.cpython-3*-*.so"))):
            abi = re.search(r"cpython-3(\d+)(d?)-", so)
            if not abi or abi.group(2):
                continue
            inc = "/usr/include/python3.%s" % abi.group(1)
            if os.path.exists(os.path.join(inc, "Python.h")):
                found.append((d, m.group(1), inc))
            else:
                warn("%s: no %s (python3.%s-dev); skipped" % (so, inc, abi.group(1)))
    return found


def probe(gdir, version, inc):
    cmd = [os.environ.get("CXX", "c++"), "-std=gnu++11", "-w", "-Wno-invalid-offsetof", "-S", "-o", "-",
           "-I", inc, "-I", os.path.join(inc, "internal"), "-I", gdir, "-DPy_BUILD_CORE", PROBE]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        warn("%s: probe does not compile:\n%s" % (gdir, r.stderr[-3000:]))
        return None
    vals = dict((k, int(v)) for k, v in re.findall(r"#PCOFF (\w+) \$?(-?\d+)", r.stdout))
    if sorted(vals) != sorted(FIELDS + ["py_version"]):
        warn("%s: probe output out of step with FIELDS: %s" % (gdir, sorted(vals)))
        return None
    minor = vals["py_version"] >> 16
    body = ", ".join(".%s = %s" % (f, vals[f] if vals[f] >= 0 else "PC_NO_FIELD") for f in FIELDS)
    return ("    { .py_minor = 0x%04x, .greenlet_version = \"%s\",\n"
            "      .source = \"greenlet %s headers, CPython %d.%d\",\n      %s,\n    },\n"
            % (minor, version, version, minor >> 8, minor & 0xff, body))


def key(entry):
    return re.search(r'\.py_minor = (0x[0-9a-f]+), \.greenlet_version = "([^"]+)"', entry).groups()


def generate():
    entries = {}
    if os.path.exists(COMMITTED):
        for e in ENTRY_RE.findall(open(COMMITTED).read()):
            entries[key(e)] = e
    for gdir, version, inc in discover():
        e = probe(gdir, version, inc)
        if e:
            entries[key(e)] = e
    return HEADER + "".join(entries[k] for k in sorted(entries)) + FOOTER


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=COMMITTED)
    ap.add_argument("--check", action="store_true",
                    help="fail if the committed file differs from what the installed headers give")
    a = ap.parse_args()
    text = generate()
    if a.check:
        old = open(COMMITTED).read() if os.path.exists(COMMITTED) else ""
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                       COMMITTED, "generated"))
            warn("the committed table differs from the installed headers: run gen_greenlet.py")
            return 1
        print("gen_greenlet: %s matches the installed headers" % os.path.relpath(COMMITTED))
        return 0
    with open(a.out, "w") as f:
        f.write(text)
    print("gen_greenlet: wrote %s" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
