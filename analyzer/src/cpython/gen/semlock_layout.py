#!/usr/bin/python3
"""Offsets of SemLockObject (private to Modules/_multiprocessing/semaphore.c)
in every installed interpreter, read from the DWARF of its _multiprocessing
module with gdb's `ptype /o SemLockObject`.

  semlock_layout.py            print one line per module
  semlock_layout.py --check    also fail unless every module agrees with the
                               SEMLOCK_* constants of ../sync.c

Modules without DWARF (stripped Debian release builds) are listed as such;
their debug twin (python3.Xd) is built from the same source.
"""
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SYNC_C = os.path.join(os.path.dirname(HERE), "sync.c")
FIELDS = ("handle", "last_tid", "count", "maxvalue", "kind", "name")
PATTERNS = [
    "/usr/lib/python3*/lib-dynload/_multiprocessing*.so",
    os.path.expanduser("~/.pyenv/versions/*/lib/python*/lib-dynload/_multiprocessing*.so"),
    os.path.expanduser("~/.cache/pycore/pythons/*/native/usr/lib/python3*/lib-dynload/_multiprocessing*.so"),
]


def offsets(path):
    out = subprocess.run(["gdb", "-batch", "-nx", "-ex", "ptype /o SemLockObject", path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True).stdout
    found = {}
    for line in out.splitlines():
        m = re.match(r"/\*\s+(\d+)\s+\|\s+\d+ \*/\s+.*?\**(\w+);$", line.strip())
        if m and m.group(2) in FIELDS:
            found[m.group(2)] = int(m.group(1))
    return found


def constants():
    src = open(SYNC_C).read()
    return dict((f, int(re.search(r"#define SEMLOCK_%s (\d+)" % f.upper(), src).group(1))) for f in FIELDS)


def main():
    want = constants()
    bad = seen = 0
    for path in sorted(set(p for pat in PATTERNS for p in glob.glob(pat))):
        got = offsets(path)
        if not got:
            print("%s: no DWARF" % path)
            continue
        seen += 1
        diff = [f for f in got if got[f] != want[f]]
        bad += bool(diff)
        print("%s: %s%s" % (path, " ".join("%s=%d" % (f, got[f]) for f in FIELDS if f in got),
                            "  MISMATCH: " + ",".join(diff) if diff else ""))
    if "--check" in sys.argv and (bad or not seen):
        sys.exit("semlock_layout: %s" % ("%d module(s) disagree with sync.c" % bad if bad else "no module with DWARF"))


if __name__ == "__main__":
    main()
