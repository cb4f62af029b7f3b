"""Shared by the benchmarks: best wall time and peak RSS of a command."""
import subprocess
import time


def measure(argv, runs, env=None):
    """Best wall time (s), peak RSS (MB) and the last exit status.  RSS
    comes from GNU time, whose own child is forked from a small process: a
    child forked from this Python would report this interpreter's pages as
    its own peak."""
    best, rss, code = None, 0, 0
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
        rss = max(rss, int(p.stderr.decode().strip().splitlines()[-1]))
        code = p.returncode
    return best, rss / 1024.0, code
