"""pycore-analyze's Python view of each core against the in-process oracles.

Oracle 1 (faulthandler, written by the scenario itself on SIGUSR1 just before
the core; for gcore also just after): per thread ident, the exact (name,
file, line) of every Python frame, innermost first, at most 100 frames.
Oracle 2 (the scenario's threading view, written when it became ready):
per ident, the Thread name, daemon flag and which thread is main.
The comparisons live in compare.py.
"""
import json
import os
import re
import subprocess

import compare

POSITIONS_ORACLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "positions_oracle.py")


def _check(res, problems):
    assert not problems, "%s:\n  %s" % (res.where(), "\n  ".join(problems))


def test_python_frames(case, analyzer, corpus):
    res = corpus.result(case)
    _check(res, compare.python_frames(res.oracle, res.report()))


def test_qualnames(case, analyzer, corpus):
    """3.11+ co_qualname: methods must show their class.  Before 3.11 code
    objects have no qualname and the report repeats co_name."""
    res = corpus.result(case)
    report = res.report()
    if tuple(int(x) for x in case.interp["xy"].split(".")) >= (3, 11):
        _check(res, compare.qualnames(case.scenario, report))
    else:
        bad = ["%r != %r" % (f["qualname"], f["name"]) for t in report["threads"]
               for f in t["python_frames"] if f["qualname"] != f["name"]]
        _check(res, bad)


def test_threads_identity(case, analyzer, corpus):
    res = corpus.result(case)
    _check(res, compare.thread_identity(case.scenario, res.record["ready"], res.report()))


def test_layout_source(case, analyzer, corpus):
    """3.13+ layouts come from the target's own _Py_DebugOffsets; older ones
    from the generated tables, and the version is the interpreter's."""
    res = corpus.result(case)
    report = res.report()
    xy = tuple(int(x) for x in case.interp["xy"].split("."))
    layout = report["python"]["layout"]
    if xy >= (3, 13):
        assert layout == "_Py_DebugOffsets of the target", layout
    else:
        assert layout and "DebugOffsets" not in layout, layout
    assert report["python"]["version"] == case.interp["version"], (report["python"], case.interp)


def test_positions(case, analyzer, corpus):
    """3.11+: each Python frame's line, end line and columns are what the
    interpreter's own co_positions() gives the instruction at the frame's
    lasti (tests/integration/positions_oracle.py, run by that interpreter on
    the frame's source file).  Before 3.11 there are no columns."""
    res = corpus.result(case)
    frames = [f for t in res.report()["threads"] for f in t["python_frames"]]
    xy = tuple(int(x) for x in case.interp["xy"].split("."))
    if xy < (3, 11):
        _check(res, ["%s: column %r end_line %r" % (f["qualname"], f["column"], f["end_line"]) for f in frames
                     if f["column"] is not None or f["end_line"] is not None])
        return
    if case.kind != "kernel":
        return          # the same frames as the kernel core of this scenario
    asked = [f for f in frames if f["lasti"] is not None]
    run = subprocess.run([case.interp["path"], "-E", "-S", POSITIONS_ORACLE],
                         input=json.dumps([{"file": f["file"], "qualname": f["qualname"], "lasti": f["lasti"]}
                                           for f in asked]).encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    problems, checked = [], 0
    for f, cands in zip(asked, json.loads(run.stdout)):
        if cands is None:
            continue
        ours = [f["line"], f["end_line"], f["column"], f["end_column"]]
        checked += 1
        if ours not in cands:
            problems.append("%s (%s) lasti %d: ours %s, co_positions() %s" % (f["qualname"], f["file"], f["lasti"],
                                                                              ours, cands))
    if not problems and not checked:
        problems.append("no frame's source could be compiled to check positions")
    _check(res, problems)


def test_native_symbols_agree_with_libdwfl(case, analyzer, corpus):
    """The native frames' functions come from a sorted symbol index
    (native/symindex.c); with PYCORE_SYMBOL_SELFCHECK each is also asked of
    libdwfl's dwfl_module_addrinfo, and any disagreement is a warning; so is
    one between the scopes of native/scopes.c and libdw's dwarf_getscopes."""
    res = corpus.result(case)
    report = res.report()
    problems = [w for w in report["warnings"] if w.startswith(("symbol self-check", "scope self-check"))]
    if not any(f.get("function") for t in report["threads"] for f in t.get("native_frames", [])):
        problems.append("no native frame has a function name")
    _check(res, problems)


def test_source_lines(case, analyzer, corpus):
    """Each Python frame shows its source line, as the file on disk has it
    at that line (read here, independently, like linecache), whitespace
    stripped; a frame whose file cannot be read has none."""
    if case.kind != "kernel":
        return          # the same frames as the kernel core of this scenario
    res = corpus.result(case)
    problems, shown = [], 0
    for t in res.report()["threads"]:
        for f in t["python_frames"]:
            want = None
            if f["file"].startswith("/") and f["line"] > 0 and os.path.isfile(f["file"]):
                with open(f["file"], "rb") as src:
                    lines = src.read().split(b"\n")
                if f["line"] <= len(lines):
                    want = lines[f["line"] - 1].strip(b" \t\f\r").decode("utf-8", "replace")[:240]
            got = f["source"]
            shown += got is not None
            if got != want and not (want is not None and got is not None and want.startswith(got)):
                problems.append("%s (%s:%d): source %r, the file says %r" % (f["qualname"], f["file"], f["line"],
                                                                           got, want))
    if not shown:
        problems.append("no frame has a source line")
    _check(res, problems)


def _same_repr(ours, theirs):
    """Equal, or ours is theirs cut where it says "..." (items, depth or
    length bounds): every piece between the cuts appears in order."""
    if ours == theirs:
        return True
    if "..." not in ours:
        return False
    at = 0
    for piece in ours.split("..."):
        i = theirs.find(piece, at)
        if i < 0:
            return False
        at = i + len(piece)
    return True


def test_locals(case, analyzer, corpus):
    """Scenarios that record repr() of their frames' locals before they
    block (ready's "locals": "thread:function" -> {name: repr}): the JSON
    report's locals of those frames are the same names with the same
    reprs, truncation aside; arguments come first."""
    if case.kind != "kernel":
        return
    res = corpus.result(case)
    want = res.record["ready"].get("locals")
    if not want:
        return
    report = res.report()
    names = {"main": "MainThread"}
    problems, checked = [], 0
    for key, theirs in sorted(want.items()):
        who, fn = key.split(":")
        threads = [t for t in report["threads"] if t["name"] == names.get(who, who)]
        frames = [f for t in threads for f in t["python_frames"] if f["name"] == fn]
        if not frames:
            problems.append("%s: no frame %s in the report" % (key, fn))
            continue
        ours = dict((l["name"], l["repr"]) for l in frames[0]["locals"])
        if set(ours) != set(theirs):
            problems.append("%s: names %s, f_locals has %s" % (key, sorted(ours), sorted(theirs)))
        for name in sorted(set(ours) & set(theirs)):
            if re.match(r"^<[^<>]* object at 0x[0-9a-f]+>$", ours[name]):
                continue        # not a built-in type: its own __repr__ is not in memory
            checked += 1
            if not _same_repr(ours[name], theirs[name]):
                problems.append("%s: %s = %s, repr() says %s" % (key, name, ours[name], theirs[name]))
        kinds = [l["kind"] for l in frames[0]["locals"]]
        if "arg" in kinds and kinds.index("arg") != 0:
            problems.append("%s: arguments do not come first: %s" % (key, kinds))
    if not checked:
        problems.append("no local compared")
    _check(res, problems)


def test_gc_state(case, analyzer, corpus):
    """python.gc: null where the version keeps no reachable state (2.7,
    3.6); else whether a collection runs.  The scenarios that block inside
    a collection (expectations.GC_COLLECTING): collecting, in their thread
    when its native stack names the collector.  Every other scenario: not
    collecting."""
    import expectations
    res = corpus.result(case)
    report = res.report()
    gc = report["python"]["gc"]
    xy = tuple(int(x) for x in case.interp["xy"].split("."))
    if xy < (3, 7):
        _check(res, [] if gc is None else ["gc %r on %s" % (gc, case.interp["xy"])])
        return
    who = expectations.GC_COLLECTING.get(case.scenario)
    problems = []
    if gc is None or gc["collecting"] != (who is not None):
        problems.append("python.gc = %r, expected collecting %r" % (gc, who is not None))
    elif who and gc["thread"] is not None:
        tids = [t["tid"] for t in report["threads"] if t["name"] == who or (who == "MainThread" and t["main"])]
        if gc["thread"] not in tids:
            problems.append("collecting in thread %r, not %s %r" % (gc["thread"], who, tids))
    _check(res, problems)


def test_asyncio_tasks(case, analyzer, corpus):
    """Scenarios that announce themselves from their event loop record every
    pending task with its coroutine chain (cr_await, innermost first): the
    report must list the same pending tasks (by address: id() in CPython),
    names and frames."""
    res = corpus.result(case)
    want = res.record["ready"].get("tasks")
    if want is None:
        return                      # the scenario has no task oracle
    report = res.report()
    got = dict((int(t["address"], 16), t) for t in report["tasks"] or [] if t["state"] == "pending")
    problems = []
    if sorted(got) != sorted(t["id"] for t in want):
        problems.append("pending tasks: ours %s, the oracle's %s" % (
            sorted(hex(a) for a in got), sorted(hex(t["id"]) for t in want)))
    for t in want:
        ours = got.get(t["id"])
        if not ours:
            continue
        if t["name"] is not None and ours["name"] != t["name"]:
            problems.append("task %#x: name %r, the oracle's %r" % (t["id"], ours["name"], t["name"]))
        fr = [(f["name"], f["file"], f["line"]) for f in ours["python_frames"]]
        wf = [(f["name"], f["file"], f["line"]) for f in t["frames"]]
        if fr != wf:
            problems.append("task %#x (%s): frames\n    ours   %s\n    oracle %s" % (t["id"], t["name"], fr, wf))
    _check(res, problems)


def test_greenlets(case, analyzer, corpus):
    """gevent scenarios record every greenlet once all have blocked (gr_frame
    through f_back, innermost first): every greenlet the oracle saw
    suspended must be in the report (by address: id() in CPython) with the
    same frames.  The hub, suspended while the recording greenlet ran,
    runs in the core: its frames are the thread's, which the faulthandler
    oracle checks; the recording greenlet has ended."""
    res = corpus.result(case)
    want = res.record["ready"].get("greenlets")
    if want is None:
        return                      # the scenario has no greenlet oracle
    report = res.report()
    if report["greenlets"] is None:
        _check(res, ["no greenlets in the report"])
        return
    got = dict((int(g["address"], 16), g) for g in report["greenlets"])
    problems = []
    for g in want:
        if not g["frames"] or g["dead"] or g["type"].endswith(".Hub"):
            continue
        ours = got.get(g["id"])
        if not ours:
            problems.append("greenlet %#x (%s) is missing" % (g["id"], g["type"]))
            continue
        if ours["state"] != "suspended" or ours["main"] != g["main"]:
            problems.append("greenlet %#x: state %s main %s, the oracle's suspended main %s" % (
                g["id"], ours["state"], ours["main"], g["main"]))
        fr = [(f["name"], f["file"], f["line"]) for f in ours["python_frames"]]
        wf = [(f["name"], f["file"], f["line"]) for f in g["frames"]]
        if fr != wf:
            problems.append("greenlet %#x: frames\n    ours   %s\n    oracle %s" % (g["id"], fr, wf))
    hubs = [g for g in report["greenlets"] if g["type"].endswith("Hub")]
    if [g["state"] for g in hubs] != ["running"]:
        problems.append("the hub: %s, not one running hub" % [(g["address"], g["state"]) for g in hubs])
    _check(res, problems)
