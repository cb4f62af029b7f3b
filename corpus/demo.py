#!/usr/bin/python3
"""The built-in demo: start a hung corpus scenario, core it, analyze it.

    demo.py [--analyzer PATH] [--python PATH] [--scenario NAME] [--kind kernel|gcore]

Runs the scenario under the interpreter (default: Debian's python3.11, else
the first CPython 3.11 found), takes a core, prints what the scenario's own
faulthandler said, then what pycore-analyze says.  The core is deleted.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_core  # noqa: E402


def default_python():
    cands = ["/usr/bin/python3.11"]
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    vers = os.path.join(root, "versions")
    if os.path.isdir(vers):
        cands += [os.path.join(vers, v, "bin", "python3.11")
                  for v in sorted(os.listdir(vers)) if v.startswith("3.11")]
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    sys.exit("demo: no CPython 3.11 found: apt-get install python3.11")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--analyzer", default=os.path.join(HERE, "..", "build", "bin", "pycore-analyze"))
    ap.add_argument("--python", default=None)
    ap.add_argument("--scenario", default="two_threads")
    ap.add_argument("--kind", default="kernel", choices=["kernel", "gcore"])
    args = ap.parse_args()
    python = args.python or default_python()
    out = tempfile.mkdtemp(prefix="pycore-demo-")
    try:
        rec = make_core.make_core(python, args.scenario, args.kind, out)
        print("== %s %s, %s core (%d bytes)" % (python, args.scenario, args.kind,
                                                  os.path.getsize(rec["core"])))
        print("== faulthandler, inside the process, before the core:")
        for t in rec["oracle"]["threads"]:
            print("  thread 0x%x" % t["ident"])
            for f in t["frames"]:
                print('    File "%s", line %d in %s' % (f["file"], f["line"], f["name"]))
        print("== pycore-analyze %s" % os.path.basename(rec["core"]))
        sys.stdout.flush()
        rc = subprocess.call([args.analyzer, rec["core"]])
        return 0 if rc in (0, 1) else rc
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
