#!/usr/bin/python3
"""Benchmark: `py-deadlock` against gdb's own `thread apply all py-bt`,
timed inside one gdb session (gdb's start-up and symbol loading excluded)
on a 50-thread, 20-deep CPython 3.11 core.

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
def timed(cmd, runs):
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        gdb.execute(cmd, to_string=True)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best
runs = int(gdb.parse_and_eval("$runs"))
print("RESULT py-bt %.3f" % timed("thread apply all py-bt", 1))
print("RESULT py-deadlock %.3f" % timed("py-deadlock", runs))
print("RESULT py-deadlock-json %.3f" % timed("py-deadlock --json", runs))
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default="/usr/bin/python3.11")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="pycore-bench-gdb-")
    try:
        rec = make_core.make_core(args.python, "fifty_threads", "kernel", out, verify=False)
        script = os.path.join(out, "timer.py")
        with open(script, "w") as f:
            f.write(TIMER)
        env = dict(os.environ, PYCORE_LIB=os.path.join(ROOT, "build", "lib", "libpycore.so"))
        res = subprocess.run(["gdb", "-nx", "-batch", "-ex", "set $runs = %d" % args.runs,
                              "-ex", "source " + os.path.join(ROOT, "gdb-ext", "pycore-gdb.py"),
                              "-ex", "source " + script, args.python, rec["core"]],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        results = dict(line.split()[1:3] for line in res.stdout.decode().splitlines()
                       if line.startswith("RESULT"))
        print("core: %s, 50 threads x 20 frames, %s" % (os.path.basename(args.python), rec["core"]))
        for k in ("py-bt", "py-deadlock", "py-deadlock-json"):
            print("%-34s %8s s" % ("thread apply all py-bt" if k == "py-bt" else k, results.get(k, "?")))
        if "py-bt" in results and "py-deadlock" in results:
            print("speed-up of py-deadlock over py-bt: %.1fx"
                  % (float(results["py-bt"]) / float(results["py-deadlock"])))
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
