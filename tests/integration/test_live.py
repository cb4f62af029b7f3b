"""`pycore-analyze --pid`: the live-process target, on hung corpus processes
of every CPython version present.  The oracle is the same as for cores: the
faulthandler dump taken just before, and once more after, the analysis must
equal the Python frames read from the running process; the process must
run on afterwards.  Processes that are gone, zombies, exiting while being
attached, or whose main thread has ended get a line that says so."""
import json
import os
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
import compare  # noqa: E402
import make_core  # noqa: E402
import pythons  # noqa: E402


def interpreters():
    """One present interpreter per supported version, plus Debian's 3.11."""
    out = pythons.one_per_version()
    if os.path.exists("/usr/bin/python3.11") and "/usr/bin/python3.11" not in out:
        out.append("/usr/bin/python3.11")
    return out


def run_pid(analyzer, pid, *extra):
    res = subprocess.run([analyzer, "--pid", str(pid)] + list(extra), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=120)
    return res.returncode, res.stdout.decode(errors="replace"), res.stderr.decode(errors="replace")


def kernel_threads():
    """The pids of the kernel threads this pid namespace shows (PF_KTHREAD in the flags)."""
    out = []
    for name in sorted(os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError, ValueError):
            continue
        if int(fields[6]) & 0x00200000:
            out.append(int(name))
    return out


def one_line(err):
    lines = err.strip().splitlines()
    return lines[0] if len(lines) == 1 else None


def state_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


@pytest.mark.parametrize("python", interpreters())
@pytest.mark.parametrize("scenario", ["two_threads", "abba_lock"])
@pytest.mark.parametrize("mode", ["stop", "no-stop"])
def test_live_process_matches_oracle(analyzer, python, scenario, mode):
    """--no-stop leaves the threads in their futex waits: the same frames,
    names and diagnosis, read from a process none of whose threads stopped
    (2.7-3.7: threads found through glibc's pthread descriptor)."""
    out = tempfile.mkdtemp(prefix="pycore-live-")
    extra = ["--no-stop"] if mode == "no-stop" else []
    try:
        rec = make_core.make_core(python, scenario, "live", out,
                                  live=lambda pid: run_pid(analyzer, pid, "--format", "json", *extra))
        rc, stdout, stderr = rec["live"]
        where = "%s %s pid %d: %s" % (python, scenario, rec["pid"], stderr.strip())
        assert rc in (0, 1), where
        report = json.loads(stdout)
        assert report["process"]["pid"] == rec["pid"], where
        assert report["process"]["core_kind"] == "live" and report["process"]["signal"] == 0, where
        assert not compare.python_frames(rec["oracle"], report), \
            (where, compare.python_frames(rec["oracle"], report))
        assert not compare.thread_identity(scenario, rec["ready"], report), where
        info = make_core.scenario_info(scenario)
        assert report["diagnosis"]["pattern"] in [info["expect"]] + info["accept"], where
        assert rc == 1, where
        stopped = [(t["tid"], t["stopped"]) for t in report["threads"] if t["python"]]
        assert all(s is (mode == "stop") for _, s in stopped), (where, stopped)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_pid_errors(analyzer):
    """One line and a documented status for each misuse."""
    rc, out, err = run_pid(analyzer, 0x7ffffff0)           # no such process
    assert rc == 3 and out == "" and len(err.strip().splitlines()) == 1, (rc, err)
    assert "process %d does not exist" % 0x7ffffff0 in err, err
    rc, out, err = run_pid(analyzer, 1, "core")             # --pid with a CORE
    assert rc == 2 and len(err.strip().splitlines()) == 1, (rc, err)
    for kthread in kernel_threads()[:1]:                    # none is visible inside a pid namespace
        rc, out, err = run_pid(analyzer, kthread)
        assert rc == 5 and one_line(err) == ("pycore-analyze: process %d is a kernel thread, not a Python process: "
                                             "give another pid" % kthread), (rc, err)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        rc, out, err = run_pid(analyzer, sleeper.pid)       # not a Python process
        assert rc == 5 and len(err.strip().splitlines()) == 1, (rc, err)
        assert sleeper.poll() is None, "the process did not survive the analysis"
    finally:
        sleeper.kill()
        sleeper.wait()


def test_pid_of_exited_process(analyzer):
    """A pid that existed and was reaped: it does not exist, not a permission problem."""
    child = subprocess.Popen(["true"])
    child.wait()
    rc, out, err = run_pid(analyzer, child.pid)
    assert rc == 3 and out == "", (rc, err)
    assert one_line(err) == "pycore-analyze: process %d does not exist (it has exited?)" % child.pid, err


PARENT_OF_ZOMBIE = textwrap.dedent("""
    import os, sys
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    sys.stdout.write("%d\\n" % pid)
    sys.stdout.flush()
    sys.stdin.read()          # reaps the child only once the test is done
    os.waitpid(pid, 0)
""")


def test_zombie_process(analyzer):
    """A child that exited and whose parent has not waited for it yet."""
    parent = subprocess.Popen([sys.executable, "-S", "-c", PARENT_OF_ZOMBIE], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
    try:
        zombie = int(parent.stdout.readline())
        deadline = time.monotonic() + 60
        while state_of(zombie) != "Z":
            assert time.monotonic() < deadline, "the child never became a zombie"
            time.sleep(0.01)
        rc, out, err = run_pid(analyzer, zombie)
        assert rc == 3 and out == "", (rc, err)
        assert one_line(err) == ("pycore-analyze: process %d has exited and is a zombie waiting for its parent to "
                                 "reap it: there is nothing left to analyze" % zombie), err
        assert state_of(zombie) == "Z"
    finally:
        parent.communicate(b"", timeout=60)


# Exits while it may be being attached: short-lived threads come and go all
# the time, and the process ends (os._exit) a random few milliseconds after
# saying it is ready, from its main thread or from a thread just started.
EXITING = textwrap.dedent("""
    import os, sys, threading, time
    life, from_thread = float(sys.argv[1]), sys.argv[2] == "thread"
    def churn():
        while True:
            ts = [threading.Thread(target=time.sleep, args=(0.0005,)) for _ in range(4)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
    for _ in range(16):
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
    for _ in range(2):
        threading.Thread(target=churn, daemon=True).start()
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    time.sleep(life)
    if from_thread:
        threading.Thread(target=os._exit, args=(0,)).start()
        time.sleep(60)
    os._exit(0)
""")

# The messages that may say so, by outcome.
EXITED = {
    "gone": r"process (\d+) does not exist \(it has exited\?\)",
    "zombie": r"process (\d+) has exited and is a zombie waiting for its parent to reap it: there is nothing left "
              r"to analyze",
    "exited while attached": r"process (\d+) exited while being attached( \(it is a zombie now\))?: there is "
                             r"nothing left to analyze",
    "exiting": r"process (\d+) is exiting \([^()]*\): there is nothing left to analyze",
}


def exit_message(err):
    """The outcome and pid of a one-line "it exited" error, else (None, None)."""
    line = one_line(err) or ""
    for what, pattern in EXITED.items():
        m = re.fullmatch("pycore-analyze: " + pattern, line)
        if m:
            return what, int(m.group(1))
    return None, None


def test_process_exiting_while_attached(analyzer):
    """Whatever the timing: a report, or one line saying the process exited;
    never a permission error, never "no Python"."""
    rnd = random.Random(20240611)
    seen = {}
    for i in range(40):
        life = rnd.uniform(0, 0.03)
        how = "thread" if i % 2 else "main"
        child = subprocess.Popen([sys.executable, "-S", "-c", EXITING, "%.4f" % life, how], stdout=subprocess.PIPE)
        try:
            assert child.stdout.readline() == b"ready\n"
            rc, out, err = run_pid(analyzer, child.pid, "--no-source", "--format", "json")
        finally:
            child.kill()
            child.wait()
        where = "run %d (exit after %.4f s from the %s thread): rc %d, %s" % (i, life, how, rc, err.strip())
        if rc in (0, 1):
            report = json.loads(out)
            assert report["process"]["pid"] == child.pid and report["threads"], where
            seen["report"] = seen.get("report", 0) + 1
            continue
        what, pid = exit_message(err)
        assert rc == 3 and out == "" and pid == child.pid, where
        seen[what] = seen.get(what, 0) + 1
    print("outcomes:", seen)


PTHREAD_EXIT = textwrap.dedent("""
    import ctypes, sys, threading
    lock = threading.Lock()
    lock.acquire()
    def worker():
        sys.stdout.write("ready\\n")
        sys.stdout.flush()
        lock.acquire()
    threading.Thread(target=worker, name="worker-1").start()
    ctypes.CDLL(None).pthread_exit(None)
""")


def test_main_thread_exited(analyzer):
    """The main thread called pthread_exit and is a zombie, the process runs
    on: it is read through another thread, not called exited."""
    child = subprocess.Popen([sys.executable, "-S", "-c", PTHREAD_EXIT], stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"ready\n"
        deadline = time.monotonic() + 60
        while state_of(child.pid) != "Z":
            assert time.monotonic() < deadline, "the main thread never ended"
            time.sleep(0.01)
        rc, out, err = run_pid(analyzer, child.pid, "--format", "json")
        assert rc in (0, 1), (rc, err)
        report = json.loads(out)
        assert [t["name"] for t in report["threads"]] == ["worker-1"], report["threads"]
        assert [t["name"] for t in report["exited_threads"]] == ["MainThread"], report["exited_threads"]
        assert child.poll() is None, "the process did not survive the analysis"
    finally:
        child.kill()
        child.wait()


PIPE_PEER = textwrap.dedent("""\
    import json, os, sys
    size = int(sys.argv[1])
    payload = b"x" * size
    written, read = [], 0
    while True:
        written.append(os.write(1, payload))    # one raw call: a stop would cut it short
        want = size
        while want:
            b = os.read(0, want)                # raw reads of what the peer writes
            if not b:
                sys.stderr.write(json.dumps({"written": written, "read": read}))
                sys.exit(0)
            want -= len(b)
            read += len(b)
""")


def test_no_stop_keeps_raw_pipe_writes_whole(analyzer):
    """A process writing 4 MiB to a slowly read pipe in single raw write()
    calls (as unbuffered stdout does), reading 4 MiB back in raw read()s,
    analyzed 20 times with --no-stop while it does: every write returns its
    full count and every byte arrives both ways.  (Stopping a thread inside
    such a write makes it return a short count, which most code ignores.)"""
    size = 4 << 20
    child = subprocess.Popen(["/usr/bin/python3.11", "-S", "-u", "-c", PIPE_PEER, str(size)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done, stalled = threading.Event(), threading.Event()
    got = [0, 0]        # bytes received, bytes sent

    def peer():
        out_fd, in_fd = child.stdout.fileno(), child.stdin.fileno()
        while True:
            need = size
            while need:
                if not select.select([out_fd], [], [], 20)[0]:
                    stalled.set()       # a write cut short: the writer waits for our bytes
                    return
                b = os.read(out_fd, min(need, 64 << 10))
                if not b:
                    return
                need -= len(b)
                got[0] += len(b)
                time.sleep(0.002)       # a slow reader: the writer stays blocked in write()
            if done.is_set():
                child.stdin.close()
                return
            data = b"y" * size
            while data:
                data = data[os.write(in_fd, data):]
            got[1] += size

    reader = threading.Thread(target=peer, daemon=True)
    reader.start()
    try:
        seen_in_write = 0
        for _ in range(20):
            rc, out, err = run_pid(analyzer, child.pid, "--no-stop", "--format", "json")
            assert rc in (0, 1), (rc, err)
            main = json.loads(out)["threads"][0]
            seen_in_write += main["syscall"] == "write" and main["stopped"] is False
            time.sleep(0.05)
        done.set()
        reader.join(120)
        assert not stalled.is_set(), "no byte for 20 s: a write() returned a short count (%s)" % (got,)
        assert not reader.is_alive(), "the peer never finished"
        summary = json.loads(child.stderr.read().decode())
        assert child.wait(60) == 0
        assert all(n == size for n in summary["written"]), summary["written"]
        assert got[0] == size * len(summary["written"]), (got, len(summary["written"]))
        assert summary["read"] == got[1], (summary["read"], got)
        # most analyses caught it inside write(): the case this is about
        assert seen_in_write >= 10, seen_in_write
    finally:
        done.set()
        if child.poll() is None:
            child.kill()
        child.wait()
