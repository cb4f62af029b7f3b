"""pycore_hang: a pytest plugin that turns a hanging test into a failed test
whose failure text is pycore-analyze's diagnosis of the hang.

    PYTHONPATH=/usr/local/share/pycore/pytest pytest -p pycore_hang --hang-timeout 60

A test phase (setup, call or teardown) that runs past --hang-timeout is
analyzed while it hangs: `pycore-analyze --pid PYTEST --tree`, the pytest
process and every process it started, read without stopping the threads
blocked in system calls.  Then the processes the test started are killed,
the main thread is interrupted (SIGALRM) and the phase fails with the
report as its text, so that --junitxml carries it, and the run goes on.
The exit of pytest is watched too: when the interpreter still runs
--hang-timeout after it began to exit (a non-daemon thread it waits for),
the report goes to standard error and the process exits with status 1.

Where pytest-timeout prints stacks, this names the hang and its fix
(docs/pytest-plugin.md).
"""
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

if __name__ == "__main__":      # the watcher: it needs no pytest
    pytest = None
    hookimpl = lambda **kw: (lambda f: f)   # noqa: E731
else:
    import pytest
    hookimpl = pytest.hookimpl

PR_SET_PTRACER = 0x59616D61
PR_SET_PTRACER_ANY = ctypes.c_ulong(-1).value
SIGNAL = signal.SIGALRM
ANALYZE_TIMEOUT = 300


def pytest_addoption(parser):
    group = parser.getgroup("pycore_hang", "hang diagnosis by pycore-analyze")
    group.addoption("--hang-timeout", type=float, default=None, metavar="SEC",
                    help="analyze a test phase (setup, call, teardown) running longer than SEC with "
                         "pycore-analyze (pytest and its child processes), fail it with the diagnosis and go "
                         "on; also watch pytest's exit for as long")
    group.addoption("--hang-analyzer", default=None, metavar="PATH",
                    help="the pycore-analyze to run (default: $PYCORE_ANALYZE, else the one installed beside "
                         "this plugin, else on PATH)")
    group.addoption("--hang-grace", type=float, default=10.0, metavar="SEC",
                    help="how long the interrupted test may take to fail before the process is ended with "
                         "the report on standard error (default 10)")
    parser.addini("hang_timeout", "default for --hang-timeout (seconds)", default=None)


def _timeout(config):
    value = config.getoption("hang_timeout")
    if value is None and config.getini("hang_timeout"):
        value = float(config.getini("hang_timeout"))
    return value if value and value > 0 else None


def find_analyzer(config):
    explicit = config.getoption("hang_analyzer") or os.environ.get("PYCORE_ANALYZE")
    if explicit:
        return explicit
    here = os.path.dirname(os.path.abspath(__file__))      # PREFIX/share/pycore/pytest
    installed = os.path.join(here, "..", "..", "..", "bin", "pycore-analyze")
    if os.access(installed, os.X_OK):
        return os.path.normpath(installed)
    return shutil.which("pycore-analyze")


def allow_ptrace():
    """Yama's ptrace_scope 1 lets a process be read only by its ancestors;
    the analyzer is our child: allow it (no effect without Yama)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PTRACER, ctypes.c_ulong(PR_SET_PTRACER_ANY), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def analyze(analyzer, pid):
    """The tree report of pid, and the hang patterns it names."""
    if not analyzer:
        return "pycore-analyze not found: give --hang-analyzer or set PYCORE_ANALYZE", []
    try:
        res = subprocess.run([analyzer, "--pid", str(pid), "--tree", "--color=never"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=ANALYZE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "pycore-analyze could not run: %s" % e, []
    text = res.stdout.decode("utf-8", "replace")
    patterns = []
    for line in text.splitlines()[1:]:
        m = re.match(r"\s+(\d+)\s+(\S+)\s", line)
        if not m:
            break
        if m.group(2) not in ("none", "io-wait", "cpu-busy", "unreadable", "native-only"):
            patterns.append(m.group(2))
    if "\nCross-process deadlock" in text:
        patterns.append("cross-process-deadlock")
    return text, patterns


def descendants(pid):
    found, todo = [], [pid]
    while todo and len(found) < 10000:
        p = todo.pop()
        try:
            tasks = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for tid in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (p, tid)) as f:
                    kids = [int(k) for k in f.read().split()]
            except (OSError, ValueError):
                continue
            for k in kids:
                if k not in found:
                    found.append(k)
                    todo.append(k)
    return found


def headline(what, timeout, patterns):
    named = ", ".join(dict.fromkeys(patterns)) if patterns else "no hang pattern named"
    return "pycore: %s ran past %g s: %s (pycore-analyze's report follows)" % (what, timeout, named)


def tgkill(pid, tid, sig):
    """A signal to the main thread itself: only there does it interrupt the
    wait and run Python's handler at once."""
    try:
        ctypes.CDLL(None, use_errno=True).tgkill(pid, tid, sig)
    except (OSError, AttributeError):
        os.kill(pid, sig)


# ------------------------------------------------------------ the watcher
#
# The timing and the analysis happen in a watcher process, not in a thread
# of pytest: a thread of ours waiting for the analyzer would be part of the
# very process being diagnosed (a thread in a system call is evidence that
# the process may still make progress).  The watcher is started twice
# forked, so that it is no descendant of pytest either and stays out of the
# process tree that is analyzed.  pytest tells it, over a pipe, when a
# phase starts ("start SEC WHAT") and stops ("stop"), and when the
# interpreter starts to exit ("exit SEC"); pytest's death closes the pipe
# and ends the watcher.

def watcher(ctl, out, pytest_pid, analyzer, grace):
    import select
    buf, deadline, what, timeout, exiting = b"", None, None, 0, False
    while True:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([ctl], [], [], wait)
        if ready:
            data = os.read(ctl, 4096)
            if not data:
                return      # pytest is gone
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                words = line.decode().split(" ", 2)
                if words[0] == "start":
                    timeout, what, exiting = float(words[1]), words[2], False
                    deadline = time.monotonic() + timeout
                elif words[0] == "exit":
                    timeout, what, exiting = float(words[1]), "pytest's exit", True
                    deadline = time.monotonic() + timeout
                else:
                    deadline = None
            continue
        if deadline is None or time.monotonic() < deadline:
            continue
        deadline = None
        text, patterns = analyze(analyzer, pytest_pid)
        message = (headline(what, timeout, patterns) + "\n\n" + text).encode("utf-8", "replace")
        os.write(out, b"%d\n" % len(message))
        for off in range(0, len(message), 65536):
            os.write(out, message[off:off + 65536])
        for k in descendants(pytest_pid):   # what the test started and left hanging
            try:
                os.kill(k, signal.SIGKILL)
            except OSError:
                pass
        tgkill(pytest_pid, pytest_pid, SIGNAL)
        # the test fails (a "stop" comes) or pytest exits; else it waits
        # where no signal reaches Python code: end it
        ready, _, _ = select.select([ctl], [], [], grace)
        if not ready:
            os.write(2, message + b"\npycore: the hung process could not be interrupted: killing it\n")
            os.kill(pytest_pid, signal.SIGKILL)
            return
        if exiting:
            return


class Watch:
    """pytest's side: the pipes to the watcher and the SIGALRM handler that
    turns the watcher's report into the phase's failure."""

    def __init__(self, config, timeout):
        self.config, self.timeout = config, timeout
        ctl_r, self.ctl = os.pipe()
        self.inbox, out_w = os.pipe()
        os.set_blocking(self.inbox, False)
        allow_ptrace()
        args = [sys.executable, "-S", os.path.abspath(__file__), str(ctl_r), str(out_w), str(os.getpid()),
                find_analyzer(config) or "", str(config.getoption("hang_grace"))]
        starter = subprocess.Popen(args, pass_fds=(ctl_r, out_w), stdin=subprocess.DEVNULL)
        status = starter.wait()     # the watcher is its child, now orphaned
        os.close(ctl_r)
        os.close(out_w)
        self.pending = b""
        if status != 0:
            raise pytest.UsageError("pycore_hang: the hang watcher could not start (%s exited %d)"
                                    % (sys.executable, status))

    def send(self, line):
        try:
            os.write(self.ctl, line.encode() + b"\n")
        except OSError:
            pass

    def take_message(self):
        """The watcher's report: written whole before it signals us."""
        data = self.pending
        while True:
            try:
                chunk = os.read(self.inbox, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        if b"\n" not in data:
            self.pending = data
            return None
        size, rest = data.split(b"\n", 1)
        size = int(size)
        if len(rest) < size:
            self.pending = data
            return None
        self.pending = rest[size:]
        return rest[:size].decode("utf-8", "replace")

    def phase(self, what):
        return Phase(self, what)

    def at_exit(self):
        def handler(signum, frame):
            message = self.take_message()
            if message:
                sys.__stderr__.write(message + "\n")
                sys.__stderr__.flush()
                os._exit(1)
        if threading.current_thread() is threading.main_thread():
            signal.signal(SIGNAL, handler)
        self.send("exit %g" % self.timeout)


class Phase:
    def __init__(self, watch, what):
        self.watch, self.what = watch, what

    def _handler(self, signum, frame):
        message = self.watch.take_message()
        if message:
            pytest.fail(message, pytrace=False)

    def __enter__(self):
        self.old = signal.signal(SIGNAL, self._handler)
        self.watch.send("start %g %s" % (self.watch.timeout, self.what))
        return self

    def __exit__(self, *exc):
        self.watch.send("stop")
        signal.signal(SIGNAL, self.old)
        return False


def _watch_of(config):
    return getattr(config, "_pycore_hang_watch", None)


def _phase(item, phase):
    watch = _watch_of(item.config)
    if watch is None or threading.current_thread() is not threading.main_thread():
        return None
    return watch.phase("%s of %s" % (phase, item.nodeid))


def _watched(item, phase):
    p = _phase(item, phase)
    if p is None:
        yield
        return
    with p:
        yield


@hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield from _watched(item, "setup")


@hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield from _watched(item, "call")


@hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    yield from _watched(item, "teardown")


def pytest_configure(config):
    timeout = _timeout(config)
    if timeout is None or hasattr(config, "workerinput"):
        return
    watch = Watch(config, timeout)
    config._pycore_hang_watch = watch
    register = getattr(threading, "_register_atexit", None)   # 3.9+: as the interpreter starts to exit
    if register is not None:
        register(watch.at_exit)


@hookimpl(trylast=True)
def pytest_unconfigure(config):
    watch = _watch_of(config)
    if watch is not None and getattr(threading, "_register_atexit", None) is None:
        watch.at_exit()


def _start_watcher(argv):
    ctl, out, pid, analyzer, grace = int(argv[0]), int(argv[1]), int(argv[2]), argv[3], float(argv[4])
    if os.fork():
        os._exit(0)     # the starter: pytest reaps it; the watcher is orphaned
    os.setsid()
    watcher(ctl, out, pid, analyzer or None, grace)
    os._exit(0)


if __name__ == "__main__":
    _start_watcher(sys.argv[1:])
