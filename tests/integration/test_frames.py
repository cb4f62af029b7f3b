"""pycore-analyze's Python view of each core against the in-process oracles.

Oracle 1 (faulthandler, written by the scenario itself on SIGUSR1 just before
the core; for gcore also just after): per thread ident, the exact (name,
file, line) of every Python frame, innermost first, at most 100 frames.
Oracle 2 (the scenario's threading view, written when it became ready):
per ident, the Thread name, daemon flag and which thread is main.
The comparisons live in compare.py.
"""
import compare


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
