#!/usr/bin/python3
"""Make an ELF core of a hung corpus scenario, together with its oracle.

    make_core.py --python PATH --scenario NAME --kind gcore|kernel --out DIR

1. runs corpus/scenarios/NAME.py (or NAME if it is a path) with PATH (flags -S
   -B: no site, no .pyc written into the corpus; no PYTHON* variables passed
   on) in a fresh directory under DIR, with
   PYCORE_ORACLE / PYCORE_READY naming files in that directory; --kind kernel
   also sets RLIMIT_CORE to unlimited in the child (preexec_fn);
2. waits for the ready file (20 s; then kills the scenario and fails with its
   stderr), sleeps 0.3 s, sends SIGUSR1 and waits until the oracle dump is
   complete (size stable, process alive);
3. takes the core:
     gcore:  `gcore -o RUNDIR/core PID` (gdb writes core.PID), then SIGKILL;
     kernel: SIGABRT, wait; the kernel writes the core into the cwd, named
             after /proc/sys/kernel/core_pattern (+ core_uses_pid): `core`
             here.  A pipe pattern (systemd-coredump, apport) or one with a
             directory is an error, never a skip;
4. sends SIGUSR1 again until two dumps in a row are identical, over the same
   LWPs (at most SETTLE_TRIES more, SETTLE apart; a loaded machine may need more than one
   settle), and for gcore once more after the core, which must match too: the
   scenario is quiescent and the core shows the state the oracle printed
   (2.7: one dump only, see _oracle.py); on failure the core is deleted, the
   run directory kept;
5. kills the process group and prints a JSON record:
     {core, oracle, pid, python, scenario, kind, expect, ...}
   where oracle = {"threads": [{"ident": int, "current": bool,
                                 "frames": [{"name","file","line"}] innermost first,
                                 "truncated": bool}]}.

Importable: make_core(), parse_oracle(), parse_oracle_dumps(), scenarios(),
scenario_info().  Standard library only; needs Python 3.6+ (the harness runs
under Debian's /usr/bin/python3).
"""
import argparse
import ast
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO_DIR = os.path.join(HERE, "scenarios")

READY_TIMEOUT = 20.0
SETTLE = 0.3
ORACLE_TIMEOUT = 10.0
# qemu-user emulates the interpreter: 3.15 takes 5-15 s to start a scenario
# on a loaded machine; the time limits of a qemu run are this many times
# the native ones
QEMU_SLOWDOWN = 6
ORACLE_STABLE = 0.1
SETTLE_TRIES = 5
GCORE_TIMEOUT = 180.0
KERNEL_TIMEOUT = 180.0
INTERPRETER_FLAGS = ["-S", "-B"]   # no site (no .pth side effects), no .pyc in the corpus


class MakeCoreError(RuntimeError):
    pass


# ---------------------------------------------------------------- scenarios

def scenarios():
    """Names of all scenarios (files not starting with '_')."""
    return sorted(f[:-3] for f in os.listdir(SCENARIO_DIR)
                  if f.endswith(".py") and not f.startswith("_"))


def scenario_info(name):
    """Docstring metadata of a scenario, read without executing it.

    `name` is a scenario of corpus/scenarios or the path of a .py file
    elsewhere (ad-hoc reproducers: it runs with PYTHONPATH=corpus/scenarios so
    `import _oracle` works).
    First docstring line: `expect: <pattern-id>`; optional lines
    `accept: id, id` (other acceptable diagnoses), `python: >=X.Y` (min_python)
    and `python: <X.Y` (max_python, exclusive; e.g. `python: <3.0` for a
    2.7-only scenario).  Both python lines may be given.  `needs: gevent`: runs only on the
    interpreters that have the module (tests/integration/pythons.py NEEDS).  `build: gil` or
    `build: free-threaded`: a shape that exists only with (or without) a GIL.  `kinds: kernel`
    limits the core kinds the tests take (evidence only a kernel core
    records, such as signal masks, which gcore leaves zero).
    """
    if name.endswith(".py") or os.sep in name:
        path = os.path.abspath(name)
        name = os.path.basename(path)[:-3]
    else:
        path = os.path.join(SCENARIO_DIR, name + ".py")
    if not os.path.isfile(path):
        raise MakeCoreError("no such scenario: %s (%s); known: %s"
                            % (name, path, ", ".join(scenarios())))
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    doc = ast.get_docstring(tree)
    if not doc:
        raise MakeCoreError("scenario %s has no docstring" % path)
    lines = doc.splitlines()
    m = re.match(r"expect:\s*(\S+)\s*$", lines[0])
    if not m:
        raise MakeCoreError("scenario %s: first docstring line must be "
                            "'expect: <pattern-id>', got %r" % (path, lines[0]))
    info = {"name": name, "path": path, "expect": m.group(1), "accept": [],
            "min_python": None, "max_python": None, "kinds": None, "build": None, "needs": [], "doc": doc}
    for line in lines[1:]:
        m = re.match(r"accept:\s*(.+)$", line)
        if m:
            info["accept"] = [x.strip() for x in m.group(1).split(",") if x.strip()]
        m = re.match(r"python:\s*>=\s*(\d+)\.(\d+)", line)
        if m:
            info["min_python"] = [int(m.group(1)), int(m.group(2))]
        m = re.match(r"python:\s*<\s*(\d+)\.(\d+)", line)
        if m:
            info["max_python"] = [int(m.group(1)), int(m.group(2))]
        m = re.match(r"build:\s*(gil|free-threaded)\s*$", line)
        if m:
            info["build"] = m.group(1)
        m = re.match(r"needs:\s*(.+)$", line)
        if m:
            info["needs"] = [x.strip() for x in m.group(1).split(",") if x.strip()]
        m = re.match(r"kinds:\s*(.+)$", line)
        if m:
            info["kinds"] = [x.strip() for x in m.group(1).split(",") if x.strip()]
    return info


# ------------------------------------------------------------ oracle parser

_HEADER = re.compile(r"^(Current thread|Thread) (0x[0-9a-fA-F]+)"
                     r"(?: \[(?P<name>.*)\])? \(most recent call first\):\s*$")
_STACK = re.compile(r"^Stack \(most recent call first\):\s*$")
_FRAME = re.compile(r'^  File "(?P<file>.*)", line (?P<line>\d+|\?\?\?) in (?P<name>.*)$')


def parse_oracle(text):
    """Parse ONE faulthandler all-threads dump (or the 2.7 equivalent).

    Returns {"threads": [...]} in dump order; each thread:
      {"ident": int, "current": bool, "frames": [{"name", "file", "line"}],
       "truncated": bool, "no_python_frame": bool, "notes": [str]}
    frames are innermost first; line is an int or None (faulthandler "???").
    "truncated" is set by faulthandler's "  ..." line (more than 100 frames).
    Raises ValueError on a line it does not understand.
    """
    threads = []
    cur = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        m = _HEADER.match(line)
        if m:
            cur = {"ident": int(m.group(2), 16), "current": m.group(1) == "Current thread",
                   "frames": [], "truncated": False, "no_python_frame": False, "notes": []}
            if m.group("name") is not None:
                cur["thread_name"] = m.group("name")
            threads.append(cur)
            continue
        if _STACK.match(line):
            raise ValueError("oracle line %d: single-thread dump (%r); the oracle must be "
                             "armed with all_threads=True" % (lineno, line))
        if line == "...":
            # more than 100 threads: faulthandler stops listing threads
            threads.append({"ident": None, "more_threads": True})
            cur = None
            continue
        if cur is None:
            raise ValueError("oracle line %d outside a thread block: %r" % (lineno, line))
        m = _FRAME.match(line)
        if m:
            ln = m.group("line")
            cur["frames"].append({"name": m.group("name"), "file": m.group("file"),
                                  "line": None if ln == "???" else int(ln)})
        elif line == "  ...":
            cur["truncated"] = True
        elif line == "  <no Python frame>":
            cur["no_python_frame"] = True
        elif line in ("  Garbage-collecting", "  <tstate is freed>", "  <invalid frame>"):
            cur["notes"].append(line.strip())
        else:
            raise ValueError("oracle line %d not understood: %r" % (lineno, line))
    return {"threads": [t for t in threads if t.get("ident") is not None],
            "more_threads": any(t.get("more_threads") for t in threads)}


def parse_oracle_dumps(text):
    """Split a file holding several consecutive dumps (a new dump starts when a
    thread ident repeats) and parse each."""
    dumps, current, seen = [], [], set()
    for line in text.splitlines(True):
        m = _HEADER.match(line.rstrip("\n"))
        if m:
            ident = int(m.group(2), 16)
            if ident in seen:
                dumps.append("".join(current))
                current, seen = [], set()
            seen.add(ident)
        current.append(line)
    if current:
        dumps.append("".join(current))
    return [parse_oracle(d) for d in dumps]


def oracle_key(oracle):
    """Comparable summary of a dump (order of threads and 'current' ignored)."""
    return sorted((t["ident"], tuple((f["name"], f["file"], f["line"]) for f in t["frames"]),
                   t["truncated"], t["no_python_frame"]) for t in oracle["threads"])


def quiescent_key(oracle):
    """A dump and the process's LWPs when it was taken: a thread that is
    being born or is exiting may not be in the dump yet (or any more) while
    its LWP is, so a settled scenario keeps both."""
    return oracle_key(oracle), oracle.get("lwps")


# ---------------------------------------------------------------- helpers

def _tail(path, limit=4000):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return "<no %s>" % os.path.basename(path)
    text = data.decode("utf-8", "replace")
    return text if len(text) <= limit else "...\n" + text[-limit:]


def _size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _core_pattern():
    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    with open("/proc/sys/kernel/core_uses_pid") as f:
        uses_pid = f.read().strip() == "1"
    return pattern, uses_pid


def check_kernel_core_pattern():
    """Fail unless the kernel writes cores as a plain file into the cwd."""
    pattern, _ = _core_pattern()
    if pattern.startswith("|"):
        raise MakeCoreError(
            "kernel cores are piped to a helper (/proc/sys/kernel/core_pattern = %r), "
            "e.g. systemd-coredump or apport: the harness cannot pick them up. "
            "As root: echo core > /proc/sys/kernel/core_pattern" % pattern)
    if "/" in pattern:
        raise MakeCoreError(
            "kernel cores go to a fixed path (/proc/sys/kernel/core_pattern = %r), not "
            "into the scenario's cwd. As root: echo core > /proc/sys/kernel/core_pattern"
            % pattern)
    if not pattern:
        raise MakeCoreError("/proc/sys/kernel/core_pattern is empty: the kernel writes no "
                            "cores. As root: echo core > /proc/sys/kernel/core_pattern")
    return pattern


def _kernel_core_regex(pattern, uses_pid, pid):
    """Regex for the file name the kernel gives the core (see core(5))."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "%" and i + 1 < len(pattern):
            spec = pattern[i + 1]
            i += 2
            if spec == "%":
                out.append("%")
            elif spec == "p":
                out.append(str(pid))
            else:
                out.append(".*")            # %e, %t, %h, %s, %u ...: anything
            continue
        out.append(re.escape(c))
        i += 1
    rx = "".join(out)
    if "%p" not in pattern and uses_pid:
        rx += r"(\.%d)?" % pid
    return re.compile(rx + "$")


def _set_core_unlimited():     # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def environ():
    """os.environ as a dict.  Core-making threads read it while pytest's
    main thread sets and deletes PYTEST_CURRENT_TEST: a key seen by the
    iteration may be gone when its value is read (KeyError), or the dict
    may change size during it (RuntimeError).  Such a change is over by the
    next try."""
    for _ in range(1000):
        try:
            return dict(os.environ)
        except (KeyError, RuntimeError):
            time.sleep(0.001)
    return dict(os.environ)


def _killpg(pid, sig=signal.SIGKILL):
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class _Run(object):
    """One scenario process and its files."""

    def __init__(self, python, info, kind, rundir):
        self.python, self.info, self.kind, self.rundir = python, info, kind, rundir
        self.oracle_path = os.path.join(rundir, "oracle.txt")
        self.ready_path = os.path.join(rundir, "ready.json")
        self.stdout_path = os.path.join(rundir, "stdout.txt")
        self.stderr_path = os.path.join(rundir, "stderr.txt")
        self.proc = None
        self.target = None      # pid to core: the scenario, or the child that called ready()

    def fail(self, what):
        rc = self.proc.poll() if self.proc else None
        raise MakeCoreError(
            "%s [scenario %s, python %s, kind %s, pid %s, exit status %s, dir %s]\n"
            "--- scenario stderr ---\n%s\n--- scenario stdout ---\n%s"
            % (what, self.info["name"], self.python, self.kind,
               self.proc.pid if self.proc else None, rc, self.rundir,
               _tail(self.stderr_path), _tail(self.stdout_path, 1000)))

    def start(self):
        # no PYTHON* variable of the caller reaches the scenario (PYTHONPATH,
        # PYTHONHOME, PYTHONFAULTHANDLER, PYTHONSTARTUP...)
        env = dict((k, v) for k, v in environ().items() if not k.startswith("PYTHON"))
        if os.path.dirname(self.info["path"]) != SCENARIO_DIR:
            env["PYTHONPATH"] = SCENARIO_DIR
        env["PYCORE_ORACLE"] = self.oracle_path
        env["PYCORE_READY"] = self.ready_path
        out = open(self.stdout_path, "wb")
        err = open(self.stderr_path, "wb")
        try:
            self.proc = self.target = None
            self.proc = subprocess.Popen(
                # a `needs:` module lives in site's dist-packages
                [self.python] + [f for f in INTERPRETER_FLAGS if f != "-S" or not self.info["needs"]] +
                [self.info["path"]],
                cwd=self.rundir, env=env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=err, start_new_session=True,
                preexec_fn=_set_core_unlimited if self.kind in ("kernel", "qemu") else None)
            self.target = self.proc.pid
        finally:
            out.close()
            err.close()

    def alive(self):
        """The cored process: the scenario, or the forked child that called
        _oracle.ready() (its pid is in the ready file)."""
        if self.target == self.proc.pid:
            return self.proc.poll() is None
        try:
            with open("/proc/%d/stat" % self.target) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    def wait_target(self, timeout):
        """Wait for the cored process to die; its wait status if ours."""
        if self.target == self.proc.pid:
            return self.proc.wait(timeout=timeout)
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("pid %d" % self.target, timeout)
            time.sleep(0.02)
        return -signal.SIGABRT     # a grandchild: its status goes to its parent

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.ready_path):
            if self.proc.poll() is not None:
                self.fail("scenario exited before it was ready")
            if time.monotonic() > deadline:
                self.kill()
                self.fail("scenario not ready after %.0f s" % timeout)
            time.sleep(0.02)
        with open(self.ready_path) as f:
            ready = json.load(f)
        self.target = ready.get("pid") or self.proc.pid
        return ready

    def dump(self, timeout):
        """SIGUSR1, then wait for the new dump to be complete; returns its text."""
        start = _size(self.oracle_path)
        os.kill(self.target, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        last, changed = start, time.monotonic()
        while True:
            time.sleep(0.05)
            if not self.alive():
                self.fail("scenario died after SIGUSR1 (oracle not armed?)")
            size = _size(self.oracle_path)
            now = time.monotonic()
            if size != last:
                last, changed = size, now
            elif size > start and now - changed >= ORACLE_STABLE:
                break
            if now > deadline:
                self.fail("no complete oracle dump %.0f s after SIGUSR1 (file %d bytes)"
                          % (timeout, size))
        with open(self.oracle_path, "rb") as f:
            f.seek(start)
            return f.read(last - start).decode("ascii", "backslashreplace")

    def lwps(self):
        try:
            return sorted(int(t) for t in os.listdir("/proc/%d/task" % self.target))
        except OSError:
            return None

    def kill(self):
        if self.proc is None:
            return
        _killpg(self.proc.pid)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass


# ---------------------------------------------------------------- main API

def make_core(python, scenario, kind, out, settle=SETTLE, ready_timeout=READY_TIMEOUT,
              verify=True, live=None):
    """Run `scenario` with `python`, core it, return the JSON-able record.

    The core and the scenario's files are in record["workdir"] (a fresh
    directory under `out`); the caller deletes it (shutil.rmtree) when done.
    kind "live" takes no core: once the scenario is quiescent, live(pid) is
    called (e.g. to analyze the running process), one more oracle dump must
    match, and record["live"] is what live() returned (record["core"] None).
    """
    if kind not in ("gcore", "kernel", "qemu", "live"):
        raise MakeCoreError("--kind must be gcore, kernel or qemu, not %r" % kind)
    if (kind == "live") != (live is not None):
        raise MakeCoreError("kind 'live' goes with a live callable, and only it")
    info = scenario_info(scenario)
    scenario = info["name"]
    python = os.path.abspath(python)
    if not os.access(python, os.X_OK):
        raise MakeCoreError("interpreter %s is missing or not executable" % python)
    gcore = None
    if kind == "gcore":
        gcore = shutil.which("gcore")
        if gcore is None or shutil.which("gdb") is None:
            raise MakeCoreError("gcore/gdb not found on PATH (apt-get install gdb)")
    elif kind in ("kernel", "qemu"):
        pattern, uses_pid = _core_pattern()
        check_kernel_core_pattern()
    os.makedirs(out, exist_ok=True)
    slow = QEMU_SLOWDOWN if kind == "qemu" else 1
    ready_timeout *= slow
    rundir = tempfile.mkdtemp(prefix="%s-%s-" % (scenario, kind), dir=out)
    run = _Run(python, info, kind, rundir)
    timings = {}
    oracles = []

    def add_dump(must_match):
        text = run.dump(ORACLE_TIMEOUT * slow)
        try:
            oracle = parse_oracle(text)
        except ValueError as e:
            run.fail("oracle dump %d unparsable: %s\n%s" % (len(oracles) + 1, e, text[:3000]))
        if not oracle["threads"]:
            run.fail("oracle dump %d lists no thread:\n%s" % (len(oracles) + 1, text[:3000]))
        oracle["lwps"] = run.lwps()
        if must_match and quiescent_key(oracle) != quiescent_key(oracles[-1]):
            run.fail("the scenario was not quiescent: oracle dumps %d and %d differ (see %s)"
                     % (len(oracles), len(oracles) + 1, run.oracle_path))
        oracles.append(oracle)

    def bracket_dump():
        """A dump after the core (or the live analysis) equal to the one
        before it.  A thread on a timer whose time ran out while the process
        was stopped (multiprocessing.Pool's worker handler wakes every
        0.1 s) runs as soon as it is let go, and is back where it was within
        its period: a few tries, as for the dumps before."""
        for _ in range(SETTLE_TRIES):
            add_dump(False)
            if quiescent_key(oracles[-1]) == quiescent_key(oracles[-2]):
                return
            del oracles[-1]
            time.sleep(settle)
        add_dump(True)

    def settle_dumps(multi):
        """Dump until two dumps in a row agree: on a loaded machine a scenario
        may still be a few bytecodes from its hung state when ready() + settle
        have passed."""
        add_dump(False)
        if not multi:
            return
        for _ in range(SETTLE_TRIES):
            add_dump(False)
            if quiescent_key(oracles[-1]) == quiescent_key(oracles[-2]):
                return
            time.sleep(settle)
        run.fail("the scenario was not quiescent: %d oracle dumps in a row differ (see %s)"
                 % (len(oracles), run.oracle_path))

    core = None
    t0 = time.monotonic()
    try:
        run.start()
        ready = run.wait_ready(ready_timeout)
        timings["ready"] = time.monotonic() - t0
        version = tuple(ready.get("version", (0, 0, 0)))
        if info["min_python"] and version[:2] < tuple(info["min_python"]):
            run.fail("scenario needs python >= %d.%d" % tuple(info["min_python"]))
        if info["max_python"] and version[:2] >= tuple(info["max_python"]):
            run.fail("scenario needs python < %d.%d" % tuple(info["max_python"]))
        if info["build"] and info["build"] != ready.get("gil_build", "gil"):
            run.fail("scenario needs a %s build" % info["build"])
        time.sleep(settle)
        multi = verify and version[0] >= 3      # 2.7: the oracle dumps once (see _oracle.py)
        settle_dumps(multi)
        if version[0] < 3:
            time.sleep(0.2)                     # let the 2.7 dumper thread exit
        timings["oracle"] = time.monotonic() - t0
        tc = time.monotonic()
        live_result = None
        if kind == "live":
            live_result = live(run.target)
            if not run.alive():
                run.fail("scenario died while it was analyzed live")
            if multi:
                bracket_dump()                  # after the analysis: brackets it
            run.kill()
            signal_expected = 0
        elif kind == "gcore":
            prefix = os.path.join(rundir, "core")
            env = environ()
            env["DEBUGINFOD_URLS"] = ""
            try:
                res = subprocess.run([gcore, "-o", prefix, str(run.target)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env, timeout=GCORE_TIMEOUT)
            except subprocess.TimeoutExpired:
                run.kill()
                run.fail("gcore timed out after %.0f s" % GCORE_TIMEOUT)
            core = "%s.%d" % (prefix, run.target)
            if res.returncode != 0 or not os.path.isfile(core):
                run.kill()
                run.fail("gcore failed (exit %d):\n%s"
                         % (res.returncode, res.stdout.decode("utf-8", "replace")[-3000:]))
            if not run.alive():
                run.fail("scenario died while gcore was attached")
            if multi:
                bracket_dump()                  # after the core: brackets it
            run.kill()
            signal_expected = signal.SIGSTOP
        else:
            os.kill(run.target, signal.SIGABRT)
            try:
                status = run.wait_target(KERNEL_TIMEOUT)
            except subprocess.TimeoutExpired:
                run.kill()
                run.fail("scenario did not die %.0f s after SIGABRT" % KERNEL_TIMEOUT)
            _killpg(run.proc.pid)
            if status != -signal.SIGABRT:
                run.fail("scenario exit status %r after SIGABRT (expected -%d)"
                         % (status, signal.SIGABRT))
            if kind == "qemu":
                # qemu-user writes the guest's core itself, whatever core_pattern says
                rx = re.compile(r"qemu_.*_%d\.core$" % run.target)
            else:
                rx = _kernel_core_regex(pattern, uses_pid, run.target)
            ours = set(["oracle.txt", "ready.json", "stdout.txt", "stderr.txt"])
            found = sorted(f for f in os.listdir(rundir) if f not in ours and rx.match(f))
            if len(found) != 1:
                run.fail("%s (core_pattern %r, core_uses_pid %d, files in %s: %s). Is "
                         "RLIMIT_CORE settable, the filesystem writable, the process dumpable?"
                         % ("the kernel wrote no core" if not found else "several core files",
                            pattern, uses_pid, rundir, ", ".join(sorted(os.listdir(rundir)))))
            core = os.path.join(rundir, found[0])
            if kind == "qemu":
                # qemu itself then dies of the signal: the host kernel's core
                # of the emulator is of no use here
                hrx = _kernel_core_regex(pattern, uses_pid, run.target)
                for f in os.listdir(rundir):
                    if f not in ours and f != found[0] and hrx.match(f):
                        os.unlink(os.path.join(rundir, f))
            signal_expected = signal.SIGABRT
        timings["core"] = time.monotonic() - tc
        timings["total"] = time.monotonic() - t0
    except BaseException:
        run.kill()
        if core and os.path.exists(core):
            os.unlink(core)                     # keep the small files for inspection only
        raise
    return {
        "core": core,
        "core_size": os.path.getsize(core) if core else 0,
        "live": live_result,
        "oracle": oracles[-1],
        "oracle_dumps": len(oracles),
        "ready": ready,
        "pid": run.target,
        "python": python,
        "python_version": ready.get("version"),
        "scenario": scenario,
        "kind": kind,
        "expect": info["expect"],
        "accept": info["accept"],
        "signal": int(signal_expected),
        "workdir": rundir,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--python", required=True, help="interpreter to run the scenario with")
    p.add_argument("--scenario", required=True, help="one of: %s" % ", ".join(scenarios()))
    p.add_argument("--kind", required=True, choices=("gcore", "kernel", "qemu"))
    p.add_argument("--out", required=True, help="directory for the run directory and core")
    p.add_argument("--settle", type=float, default=SETTLE,
                   help="seconds between ready file and SIGUSR1 (default %(default)s)")
    p.add_argument("--no-verify", action="store_true",
                   help="do not take a second oracle dump to check quiescence")
    args = p.parse_args(argv)
    try:
        rec = make_core(args.python, args.scenario, args.kind, args.out,
                        settle=args.settle, verify=not args.no_verify)
    except MakeCoreError as e:
        sys.stderr.write("make_core: %s\n" % e)
        return 1
    json.dump(rec, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
