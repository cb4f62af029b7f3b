#!/usr/bin/python3
"""Benchmark: wall time and peak RSS of `pycore-analyze --format json`
next to `eu-stack --core` (native frames only) on the same kernel cores.

    bench_analyze.py [--analyzer PATH] [--python PATH] [--runs N] [--gdb]

The default run reads source lines from the debug cache (docs/cli.md; the
best of N runs is a warm cache), --no-debug-cache from the compressed -dbg
files as a first run does.  Cores (CPython 3.11): two_threads (2 threads), fifty_threads (50 threads,
20 Python frames deep each), ballast (1 thread, ~400 MiB heap: RSS must not
follow the core's size), thousand (fifty_threads with PYCORE_BENCH_THREADS=1000:
1,000 threads), tasks_10k (asyncio_many_waiters with PYCORE_BENCH_TASKS=10000:
10,000 pending asyncio tasks, each with its coroutine chain).  Then fifty_threads once more, running: --pid next
to eu-stack -p.  Prints one line per tool and core: best wall time
of N runs and peak RSS.  A benchmark, not a test: it prints figures and
asserts nothing.
"""
import argparse
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "corpus"))
sys.path.insert(0, HERE)
import make_core  # noqa: E402
from timing import measure  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--analyzer", default=os.path.join(ROOT, "build", "bin", "pycore-analyze"))
    ap.add_argument("--python", default="/usr/bin/python3.11")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gdb", action="store_true", help="also time gdb 'thread apply all py-bt'")
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="pycore-bench-")
    print("python: %s   runs: %d (best wall time, max peak RSS)" % (args.python, args.runs))
    print("%-14s %-9s %-42s %9s %9s" % ("core", "size MB", "tool", "wall s", "RSS MB"))
    try:
        for label, scen, env in (("two_threads", "two_threads", {}), ("fifty_threads", "fifty_threads", {}),
                                 ("ballast", "ballast", {}),
                                 ("thousand", "fifty_threads", {"PYCORE_BENCH_THREADS": "1000"}),
                                 ("tasks_10k", "asyncio_many_waiters", {"PYCORE_BENCH_TASKS": "10000"})):
            os.environ.update(env)          # inherited by the scenario
            try:
                rec = make_core.make_core(args.python, scen, "kernel", out, verify=False)
            finally:
                for k in env:
                    os.environ.pop(k, None)
            core = rec["core"]
            size = os.path.getsize(core) / 1e6
            tools = [
                ("pycore-analyze --format json", [args.analyzer, "--format", "json", core]),
                ("pycore-analyze --format json --no-debug-cache",
                 [args.analyzer, "--format", "json", "--no-debug-cache", core]),
                ("pycore-analyze --format json --no-source", [args.analyzer, "--format", "json", "--no-source", core]),
                ("eu-stack --core (native only)", ["eu-stack", "-e", args.python, "--core", core]),
            ]
            if args.gdb:
                tools.append(("gdb thread apply all py-bt",
                              ["gdb", "-nx", "-batch", "-ex", "thread apply all py-bt", args.python, core]))
            for name, argv in tools:
                if shutil.which(argv[0]) is None and not os.path.exists(argv[0]):
                    print("%-14s %-9.1f %-42s %9s" % (label, size, name, "absent"))
                    continue
                wall, rss, code = measure(argv, args.runs if "gdb" not in argv[0] else 1)
                print("%-14s %-9.1f %-42s %9.3f %9.1f%s" % (label, size, name, wall, rss,
                                                            "" if code in (0, 1) else "  (exit %d)" % code))
            sys.stdout.flush()
            shutil.rmtree(rec["workdir"], ignore_errors=True)
        live_bench(args, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def live_bench(args, out):
    """The same 50-thread process, running: --pid next to eu-stack -p."""
    def bench(pid):
        size = 0.0
        for name, argv in (("pycore-analyze --pid --format json", [args.analyzer, "--pid", str(pid), "--format", "json"]),
                           ("pycore-analyze --pid --format json --no-source",
                            [args.analyzer, "--pid", str(pid), "--format", "json", "--no-source"]),
                           ("pycore-analyze --pid --no-stop --format json",
                            [args.analyzer, "--pid", str(pid), "--no-stop", "--format", "json"]),
                           ("eu-stack -p (native only)", ["eu-stack", "-p", str(pid)])):
            if shutil.which(argv[0]) is None and not os.path.exists(argv[0]):
                print("%-14s %-9s %-42s %9s" % ("fifty (live)", "-", name, "absent"))
                continue
            wall, rss, code = measure(argv, args.runs)
            print("%-14s %-9s %-42s %9.3f %9.1f%s" % ("fifty (live)", "-", name, wall, rss,
                                                        "" if code in (0, 1) else "  (exit %d)" % code))
        return size
    rec = make_core.make_core(args.python, "fifty_threads", "live", out, verify=False, live=bench)
    shutil.rmtree(rec["workdir"], ignore_errors=True)


if __name__ == "__main__":
    main()
