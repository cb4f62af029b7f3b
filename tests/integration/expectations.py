"""What each corpus scenario is known to contain, independent of any core.

THREADS: the threading-level view (name -> daemon) every scenario must show,
besides "MainThread" (non-daemon, main).  PROBES: per scenario, per thread
name, the scenario-owned Python frames (innermost first, function names only)
that must start that thread's stack in the oracle, i.e. what the scenario is
supposed to reproduce.  Stdlib frames are not listed: they differ by version.
"""

THREADS = {
    "two_threads": {"worker-1": False},
    "fifty_threads": dict(("deep-%02d" % i, i % 2 == 1) for i in range(50)),
    "shutdown_join": {"never-ends": False},
    "import_lock": {"late-importer": False},
    "gil_held": {"gil-holder": True, "gil-waiter": True},
    "idle_sleep": {"acceptor": True},
    "ballast": {},          # tests/bench helper: one thread, ~400 MiB heap
    "fork_child_lock": {},  # the cored process is the forked child: one thread
    "fork_child_rlock": {},
}


def expected_threads(scenario):
    if scenario not in THREADS:
        raise AssertionError("scenario %s has no entry in tests/integration/expectations.py "
                             "THREADS: add one" % scenario)
    out = {"MainThread": False}
    out.update(THREADS[scenario])
    return out


def check_oracle(scenario, by_name, version):
    """Assert that the oracle stacks show the hang the scenario claims.

    by_name: thread name -> list of frame dicts (innermost first).
    version: (major, minor).  Returns nothing, raises AssertionError.
    """
    def names(thread):
        return [f["name"] for f in by_name[thread]]

    def files(thread):
        return [f["file"] for f in by_name[thread]]

    main = names("MainThread")
    if scenario == "two_threads":
        assert names("worker-1")[0] == "take_guard", names("worker-1")
        assert "join" in main and main[main.index("join") + 1] == "main", main
    elif scenario == "fifty_threads":
        for i in range(50):
            deep = names("deep-%02d" % i)
            k = deep.index("park")
            assert deep[:k] == ["wait", "wait"], deep      # Condition.wait < Event.wait
            assert deep[k + 1:k + 21] == ["descend"] * 20, deep
            assert deep[k + 21] == "run", deep             # Worker.run
        assert "join" in main, main
    elif scenario == "shutdown_join":
        if version >= (3, 7):
            assert main == ["_shutdown"], main
        elif version >= (3, 0):     # 3.6's _shutdown joins each thread
            assert main == ["_wait_for_tstate_lock", "join", "_shutdown"], main
        else:
            assert main[-1] == "_exitfunc", main
        assert names("never-ends")[:3] == ["wait", "wait", "wait_forever"], names("never-ends")
    elif scenario == "import_lock":
        late = names("late-importer")
        assert "import_me_again" in late, late
        if version >= (3, 0):
            assert late[0] == "acquire" and files("late-importer")[0] == \
                "<frozen importlib._bootstrap>", by_name["late-importer"][:2]
            k = main.index("<module>")
            assert files("MainThread")[k].endswith("/_import_lock_helper.py"), by_name["MainThread"]
            assert "_find_and_load" in main[k:], main
        assert files("MainThread")[-1].endswith("/import_lock.py"), by_name["MainThread"]
    elif scenario == "gil_held":
        assert names("gil-holder")[0] == "hold_gil", names("gil-holder")
        assert names("gil-waiter")[0] == "wait_for_gil", names("gil-waiter")
        assert "join" in main, main
    elif scenario == "idle_sleep":
        assert main[:2] == ["main", "<module>"], main
        acc = names("acceptor")
        assert acc[:2] == ["accept", "serve"], acc
    elif scenario == "ballast":
        assert main == ["idle", "<module>"], main
    elif scenario == "fork_child_lock":
        assert main == ["child", "main", "<module>"], main
    elif scenario == "fork_child_rlock":
        assert main == ["update", "main", "<module>"], main
    else:
        raise AssertionError("scenario %s has no entry in tests/integration/expectations.py "
                             "check_oracle: add one" % scenario)
