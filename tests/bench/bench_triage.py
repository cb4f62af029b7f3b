#!/usr/bin/python3
"""Benchmark: `pycore-analyze triage` throughput and peak RSS.

    bench_triage.py [--analyzer PATH] [--cores N] [--jobs N,...] [--runs N]

Makes kernel cores of 5 corpus scenarios under 2 interpreters (Debian's
python3.11 and a pyenv 3.12: ~15 MB each), copies them to N files (default
100; every other one zstd-compressed, as systemd-coredump stores them) in a
directory tree, then times `triage --format json` on the tree with each
--jobs value.  Prints cores/s (best of --runs) and the peak RSS, measured by
GNU time (the largest of the parent and its workers).  The same on a tenth
of the cores shows that the peak RSS does not grow with the number of cores.
A benchmark, not a test: it prints figures and asserts nothing.
Target (docs/triage.md): >= 20 cores/s on 2 CPUs.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "corpus"))
sys.path.insert(0, HERE)
import make_core  # noqa: E402
from timing import measure  # noqa: E402

SCENARIOS = ["two_threads", "shutdown_join", "gil_held", "idle_sleep", "import_lock"]


def interpreters():
    out = ["/usr/bin/python3.11"]
    out += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12.*/bin/python3.12")))[-1:]
    return [p for p in out if os.access(p, os.X_OK)]


def make_distinct(out):
    cores = []
    for py in interpreters():
        for scen in SCENARIOS:
            rec = make_core.make_core(py, scen, "kernel", os.path.join(out, "work"), verify=False)
            dst = os.path.join(out, "distinct", "%s-%s.core" % (scen, os.path.basename(py)))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.move(rec["core"], dst)
            shutil.rmtree(rec["workdir"], ignore_errors=True)
            cores.append(dst)
    return cores


def populate(tree, distinct, n):
    """n members: plain copies and zstd files, alternately, 10 per job dir."""
    zst = {}
    for c in distinct:
        zst[c] = c + ".zst"
        if not os.path.exists(zst[c]):
            subprocess.run(["zstd", "-q", "-3", "-f", c, "-o", zst[c]], check=True)
    sizes = 0
    for i in range(n):
        src = distinct[i % len(distinct)]
        d = os.path.join(tree, "job-%03d" % (i // 10))
        os.makedirs(d, exist_ok=True)
        if i % 2:
            dst = os.path.join(d, "core.python3.1000.%032x.%d.%d.zst" % (i, 1000 + i, 1700000000000000 + i))
            shutil.copyfile(zst[src], dst)
        else:
            dst = os.path.join(d, "core.%d" % (1000 + i))
            shutil.copyfile(src, dst)
        sizes += os.path.getsize(src)
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--analyzer", default=os.path.join(ROOT, "build", "bin", "pycore-analyze"))
    ap.add_argument("--cores", type=int, default=100)
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--source", action="store_true", help="also time --source (DWARF)")
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="pycore-bench-triage-")
    env = dict(os.environ, TMPDIR=os.path.join(out, "tmp"))
    env.pop("DEBUGINFOD_URLS", None)
    os.makedirs(env["TMPDIR"])
    try:
        distinct = make_distinct(out)
        small, big = os.path.join(out, "small"), os.path.join(out, "big")
        n_small = max(len(distinct), args.cores // 10)
        populate(small, distinct, n_small)
        total = populate(big, distinct, args.cores)
        print("%d distinct kernel cores (%s), %d members (half zstd), %.0f MB uncompressed; %d CPUs"
              % (len(distinct), ", ".join(os.path.basename(p) for p in interpreters()), args.cores,
                 total / 1e6, len(os.sched_getaffinity(0))))
        print("%-10s %-6s %-10s %8s %9s %9s" % ("cores", "jobs", "mode", "wall s", "cores/s", "RSS MB"))
        modes = [("no-source", [])] + ([("source", ["--source"])] if args.source else [])
        for jobs in [int(j) for j in args.jobs.split(",")]:
            for mode, extra in modes:
                for tree, n in ((small, n_small), (big, args.cores)):
                    argv = [args.analyzer, "triage", "--format", "json", "--jobs", str(jobs)] + extra + [tree]
                    wall, rss, code = measure(argv, args.runs, env)
                    print("%-10d %-6d %-10s %8.2f %9.1f %9.1f%s" % (n, jobs, mode, wall, n / wall, rss,
                                                                  "" if code in (0, 1) else "  (exit %d)" % code))
                    sys.stdout.flush()
        left = os.listdir(env["TMPDIR"])
        print("temporary files left in $TMPDIR: %d" % len(left))
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
