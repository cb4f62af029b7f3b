#!/usr/bin/python3
"""Benchmark: `py-deadlock` against gdb's own `thread apply all py-bt`,
timed inside one gdb session (gdb's start-up and symbol loading excluded)
on a 50-thread, 20-deep CPython 3.11 process: its core, then the running
process (gdb -p).  Cold: the first run of a command in the session (gdb's
caches empty); warm: the best of the next N.

    bench_gdb.py [--python PATH] [--runs N]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "corpus"))
import make_core  # noqa: E402

TIMER = r'''
import time, gdb
def once(cmd):
    t0 = time.perf_counter()
    gdb.execute(cmd, to_string=True)
    return time.perf_counter() - t0
def timed(name, cmd, runs):
    cold = once(cmd)
    warm = min(once(cmd) for _ in range(runs))
    print("RESULT %s %.3f %.3f" % (name, cold, warm))
runs = int(gdb.parse_and_eval("$runs"))
timed("py-bt", "thread apply all py-bt", 1)
timed("py-deadlock", "py-deadlock", runs)
timed("py-deadlock-json", "py-deadlock --json", runs)
'''

LABELS = (("py-bt", "thread apply all py-bt"), ("py-deadlock", "py-deadlock"),
          ("py-deadlock-json", "py-deadlock --json"))


def session(args, script, target):
    env = dict(os.environ, PYCORE_LIB=os.path.join(ROOT, "build", "lib", "libpycore.so"))
    res = subprocess.run(["gdb", "-nx", "-batch", "-ex", "set $runs = %d" % args.runs,
                          "-ex", "source " + os.path.join(ROOT, "gdb-ext", "pycore-gdb.py"),
                          "-ex", "source " + script, args.python] + target,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=600)
    return dict((line.split()[1], line.split()[2:4]) for line in res.stdout.decode().splitlines()
                if line.startswith("RESULT"))


def show(title, results):
    print(title)
    print("  %-32s %8s %8s" % ("", "cold s", "warm s"))
    for key, label in LABELS:
        cold, warm = results.get(key, ("?", "?"))
        print("  %-32s %8s %8s" % (label, cold, warm))
    if "py-bt" in results and "py-deadlock" in results:
        bt, dl = results["py-bt"], results["py-deadlock"]
        print("  speed-up of py-deadlock over py-bt: %.1fx cold, %.1fx warm"
              % (float(bt[0]) / float(dl[0]), float(bt[1]) / float(dl[1])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default="/usr/bin/python3.11")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="pycore-bench-gdb-")
    try:
        script = os.path.join(out, "timer.py")
        with open(script, "w") as f:
            f.write(TIMER)
        rec = make_core.make_core(args.python, "fifty_threads", "kernel", out, verify=False)
        show("core: %s, 50 threads x 20 frames" % os.path.basename(args.python),
             session(args, script, [rec["core"]]))
        make_core.make_core(args.python, "fifty_threads", "live", out, verify=False,
                            live=lambda pid: show("live process (gdb -p): %s, 50 threads x 20 frames"
                                                  % os.path.basename(args.python),
                                                  session(args, script, ["-p", str(pid)])))
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
