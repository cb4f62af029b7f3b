"""`pycore-analyze --pid PID --tree`: a process and its descendants as one
report, with the waits that cross processes.  Three two-process hangs that
no single process shows whole (a parent waiting for a child that writes a
pipe the parent never reads; a multiprocessing child whose queue feeder
writes to a parent that joins it first; a parent waiting for a child that
is itself deadlocked) and a healthy pair; each is read while running,
without stopping the threads blocked in system calls."""
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

PYTHON = "/usr/bin/python3.11"

PIPE_CYCLE = textwrap.dedent("""\
    import subprocess, sys
    child = subprocess.Popen([sys.executable, "-S", "-c",
                              "import os; os.write(1, b'x' * (1 << 20))"], stdout=subprocess.PIPE)
    child.wait()        # never reads the child's stdout
""")

MP_QUEUE_JOIN = textwrap.dedent("""\
    import multiprocessing as mp

    def work(q):
        q.put(b"x" * (1 << 20))     # the feeder thread writes it into the queue's pipe

    if __name__ == "__main__":
        mp.set_start_method("fork")
        q = mp.Queue()
        p = mp.Process(target=work, args=(q,), name="producer")
        p.start()
        p.join()        # before q.get(): the child cannot exit until its item is read
        q.get()
""")

CHILD_DEADLOCK = textwrap.dedent("""\
    import subprocess, sys
    ABBA = '''
    import threading
    a, b = threading.Lock(), threading.Lock()
    def one():
        with a:
            ready.wait()
            with b:
                pass
    def two():
        with b:
            ready.wait()
            with a:
                pass
    ready = threading.Barrier(2)
    t1 = threading.Thread(target=one, name="one"); t2 = threading.Thread(target=two, name="two")
    t1.start(); t2.start(); t1.join()
    '''
    subprocess.run([sys.executable, "-S", "-c", ABBA])
""")

HEALTHY = textwrap.dedent("""\
    import subprocess, sys
    subprocess.run([sys.executable, "-S", "-c", "import time; time.sleep(600)"])
""")


def syscalls(pid):
    """{tid: syscall number or None (running)} of a process."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/syscall" % (pid, tid)) as f:
                first = f.read().split()[0]
        except (OSError, IndexError):
            continue
        out[int(tid)] = None if first == "running" else int(first)
    return out


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def start(script, want):
    """Run script; wait until the process tree shows every syscall number
    of want (a list of sets: root's, then its first child's) in some thread."""
    proc = subprocess.Popen([PYTHON, "-S", "-c", script], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
        pids = [proc.pid] + children(proc.pid)[:1]
        if len(pids) == len(want) and all(w <= set(syscalls(p).values()) for p, w in zip(pids, want)):
            time.sleep(0.3)
            return proc, pids
        assert time.monotonic() < deadline, "never settled: %s" % [(p, syscalls(p)) for p in pids]
        time.sleep(0.05)


def stop(proc):
    for pid in children(proc.pid):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    proc.kill()
    proc.wait()


def tree(analyzer, pid, *extra):
    res = subprocess.run([analyzer, "--pid", str(pid), "--tree"] + list(extra), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=120)
    return res.returncode, res.stdout.decode(errors="replace"), res.stderr.decode(errors="replace")


def links(report):
    return sorted((l["from"]["pid"], l["to"]["pid"], l["kind"], l["cycle"]) for l in report["tree"]["links"])


WAIT4, WRITE, FUTEX, SLEEP = 61, 1, 202, 230


def test_pipe_cycle(analyzer):
    proc, (parent, child) = start(PIPE_CYCLE, [{WAIT4}, {WRITE}])
    try:
        rc, out, err = tree(analyzer, parent, "--format", "json")
        assert rc == 1, err
        rep = json.loads(out)
        assert links(rep) == [(parent, child, "child-exit", True), (child, parent, "pipe-write", True)], links(rep)
        assert rep["tree"]["cycle"] == [parent, child] and rep["tree"]["hang"] is True
        procs = {p["pid"]: p for p in rep["tree"]["processes"]}
        assert procs[child]["ppid"] == parent and procs[child]["depth"] == 1
        assert all(t["stopped"] is False for p in procs.values() for t in p["report"]["threads"])
        rc, text, err = tree(analyzer, parent)
        assert rc == 1, err
        assert ("Cross-process deadlock (every thread of these processes waits): %d -> %d -> %d"
                % (parent, child, parent)) in text, text
        assert "writes a full pipe whose read end is held by %d" % parent in text, text
        rc, dot, err = tree(analyzer, parent, "--format", "dot")
        assert rc == 1 and dot.startswith("digraph") and "color=red" in dot, dot
        assert proc.poll() is None and all(os.path.exists("/proc/%d" % p) for p in (parent, child))
    finally:
        stop(proc)


def test_multiprocessing_queue_join(analyzer):
    proc, (parent, child) = start(MP_QUEUE_JOIN, [{WAIT4}, {WRITE, FUTEX}])
    try:
        rc, out, err = tree(analyzer, parent, "--format", "json")
        assert rc == 1, err
        rep = json.loads(out)
        got = links(rep)
        assert (parent, child, "child-exit", True) in got and (child, parent, "pipe-write", True) in got, got
        assert rep["tree"]["cycle"] == [parent, child]
        feeder = [l for l in rep["tree"]["links"] if l["kind"] == "pipe-write"][0]["from"]
        assert feeder["thread"] == "QueueFeederThread", feeder
    finally:
        stop(proc)


def test_child_itself_deadlocked(analyzer):
    proc, (parent, child) = start(CHILD_DEADLOCK, [{WAIT4}, {FUTEX}])
    try:
        rc, out, err = tree(analyzer, parent, "--format", "json")
        assert rc == 1, err
        rep = json.loads(out)
        assert links(rep) == [(parent, child, "child-exit", False)], links(rep)
        assert rep["tree"]["cycle"] is None
        procs = {p["pid"]: p for p in rep["tree"]["processes"]}
        assert procs[child]["report"]["diagnosis"]["pattern"] == "lock-order-deadlock", procs[child]["report"]["diagnosis"]
    finally:
        stop(proc)


def test_healthy_pair_has_no_cycle(analyzer):
    proc, (parent, child) = start(HEALTHY, [{WAIT4}, {SLEEP}])
    try:
        rc, out, err = tree(analyzer, parent, "--format", "json")
        assert rc in (0, 1), err
        rep = json.loads(out)
        assert links(rep) == [(parent, child, "child-exit", False)], links(rep)
        assert rep["tree"]["cycle"] is None
    finally:
        stop(proc)


def test_tree_usage(analyzer):
    for argv, want in ((["--tree", "core"], "--no-stop and --tree go with --pid"),
                       (["--pid", "0", "--tree"], "--pid takes a process id")):
        res = subprocess.run([analyzer] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert res.returncode == 2 and want in res.stderr.decode(), (argv, res.stderr)
    free = 4194000
    while os.path.exists("/proc/%d" % free):
        free -= 1
    res = subprocess.run([analyzer, "--pid", str(free), "--tree"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert res.returncode == 3 and res.stderr.decode().count("\n") == 1, res.stderr
