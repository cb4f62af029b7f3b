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
    # import-lock-deadlock
    "import_pkg_thread": {"plugin-loader": False},
    "import_event": {"settings-reader": False},
    "py2_encode_import": {"to-latin-1": False},                 # 2.7 only
    "py2_getaddrinfo_import": {"resolve": False},               # 2.7 only
    # shutdown-join
    "shutdown_consumer": {"consumer": False},
    "pytest_exit": {"Whisperer": False, "wire": False},
    "shutdown_executor": {"job_0": False},                      # 3.9+
    "shutdown_executor_legacy": {"job_0": True},                # 3.6 - 3.8
    # signal-blocked-main-thread (3.6+)
    "signal_pause_thread": {"kill-me": False},
    "signal_pause_masked": {"kill-me": False},
    "signal_blocked_wait": {},
    # gil-held-blocking
    "gil_held_read": {"heartbeat": True},
    # stop-the-world-blocked (free-threaded builds)
    "stw_attached_read": {"heartbeat": True, "c-reader": False},
    "stw_fork_c_mutex": {"c-locker": False},
    "stw_attached_idle": {"c-reader": True},                   # healthy look-alike
    # lock-order-deadlock
    "abba_lock": {"transfer-ab": False, "transfer-ba": False},
    "abba_rlock": {"pay-alice-bob": False, "pay-bob-alice": False},
    "lock_cycle_three": dict(("philosopher-%d" % i, False) for i in range(3)),
    # self-deadlock
    "self_deadlock_nested": {"stocker": False},
    "self_deadlock_del": {"refresher": False},
    "self_deadlock_gc": {"compactor": False},
    # queue-join-unfinished
    "queue_join_no_task_done": {"consumer": True},
    "queue_join_no_consumer": {},
    # orphaned-wait
    "event_setter_died": {},
    "rlock_owner_exited": {"reader": False},
    # io-wait (healthy)
    "idle_pool": {"pool-0": True, "pool-1": True},
    "idle_executor": {"pool_0": False, "pool_1": False},       # 3.9+
    "child_wait": {},
    # cpu-busy
    "cpu_spin": {"spinner": True},
    "cpu_spin_main": {},
    "fork_child_lock": {},  # the cored process is the forked child: one thread
    # ThreadPoolExecutor workers: daemon threads before 3.9, not after.
    "pool_starvation": lambda v: {"pool_0": v < (3, 9)},
    "pool_starvation_fanout": lambda v: {"fanout_0": v < (3, 9), "fanout_1": v < (3, 9)},
    "asyncio_blocked_sleep": {},
    "asyncio_blocked_future": {},
    # asyncio-idle-forever, and its healthy look-alike (io-wait)
    "asyncio_await_forever": {},
    "asyncio_to_thread_long": {"asyncio_0": False},   # to_thread is 3.9+: non-daemon workers
    "asyncio_queue_orphaned": {},
    "asyncio_many_waiters": {},
    "asyncio_lock_leaked": {},
    "asyncio_queue_consumer_died": {},
    "asyncio_gather_one_stuck": {},
    "asyncio_executor_lock": lambda v: {"refresher_0": v < (3, 9)},   # executor workers: daemon before 3.9
    # asyncio-task-deadlock, and its healthy look-alike (io-wait)
    "asyncio_lock_order": {},
    "asyncio_lock_await_task": {},
    "asyncio_locks_sleeping": {},
    "asyncio_lock_ring": {},
    "asyncio_to_thread_lock": {"exporter_0": False},                 # to_thread is 3.9+: non-daemon workers
    "asyncio_taskgroup_one_stuck": {},                             # asyncio-idle-forever, 3.11+
    # greenlet-deadlock (gevent, Debian's 3.11), and its healthy look-alike (io-wait)
    "gevent_lock_order": {},
    "gevent_rlock_ring": {},
    "gevent_server_idle": {},
    # shutdown-join from asyncio.run()'s cleanup after Ctrl+C (3.9+)
    # (3.9, 3.10: no shutdown helper; threading._shutdown joins the worker)
    "asyncio_ctrl_c_to_thread": lambda v: dict({"nightly-export": False},
                                               **({"executor-shutdown": False} if v >= (3, 11) else {})),
    "asyncio_ctrl_c_executor": lambda v: dict({"reader": False},
                                              **({"executor-shutdown": False} if v >= (3, 11) else {})),
    "asyncio_server_idle": {},
    "atexit_logging_daemon": {"log-writer": True},
    "atexit_lock_daemon": {"saver": True},
    "subprocess_pipe_wait": {},
    "subprocess_pipe_stderr": {"runner": False},
    "gc_finalizer_wait": {},
    "locals_values": {"keeper": True},
    "locals_values_py2": {"keeper": True},                  # 2.7 only
    # orphaned-wait through a future: the worker waits on an unfed queue
    "future_worker_queue": lambda v: {"render_0": v < (3, 9)},
    "future_worker_queue_attr": lambda v: {"fetch_0": v < (3, 9), "fetch_1": v < (3, 9)},
    "subprocess_read_stdout": {},
    "subprocess_read_stderr_lines": {"follow-log": False},
    "subprocess_write_stdin": {},
    "subprocess_write_stdin_raw": {"feeder": False},
    # their healthy look-alikes (io-wait)
    "subprocess_slow_child": {},
    "subprocess_communicate_slow": {},
    "output_pipe_full": {"printer-1": True, "printer-2": True},
    "logging_stderr_full": {"audit": True},
    "gil_c_mutex": {"c-owner": True, "gil-taker": True},
    "fork_child_rlock": {},
    # forked children, cored alone: one thread each
    "fork_logging_stream": {},
    "fork_logging_file": {},
    "fork_print": {},
    "fork_child_sleeps": {},
    # finalizer-teardown-wait: the daemon thread stays in the threading view,
    # but the core has it only on 3.14 (parked in PyThread_hang_thread, no
    # thread state); 3.6-3.13 it exited at the GIL (3.6-3.8 leave its stale
    # thread state, which the oracle lists).  A callable, so that callers
    # without a version (compare.py) check only MainThread.
    "signal_inherited_mask": {},
    # mp-queue-join-deadlock: the parent only (no feeder thread: it never put)
    "mp_queue_join": {},
    "mp_simplequeue_join": {},
    "mp_queue_exit_join": {},
    "mp_process_exit_join": {},
    # pool-task-lost: the pool's handler threads, renamed by the scenarios
    "pool_worker_died": {"pool-workers": True, "pool-tasks": True, "pool-results": True},
    "pool_worker_killed": {"pool-workers": True, "pool-tasks": True, "pool-results": True},
    # pool-helper-died: the result handler has exited
    "pool_result_unpickle_error": {"pool-workers": True, "pool-tasks": True},
    "pool_result_class_missing": {"pool-workers": True, "pool-tasks": True},
    # mp-lock-orphaned, and its healthy look-alike (io-wait)
    "pool_lock_holder_killed": {"pool-workers": True, "pool-tasks": True, "pool-results": True},
    "pool_lock_only_worker": {"pool-workers": True, "pool-tasks": True, "pool-results": True},
    "idle_mp_pool": {"pool-workers": True, "pool-tasks": True, "pool-results": True},
    "finalizer_event_daemon": lambda v: {"flusher": True},
    "finalizer_join_daemon": lambda v: {"pool-worker": True},
    # subinterpreters (issue 11): the main interpreter's threading view only;
    # threads started inside a subinterpreter are not in it
    "subinterp_threads": {"runner": True},
    "subinterp_nested": {"nester": True},
    "subinterp_two_chains": {"chain-a": True, "chain-b": True},
    "subinterp_hang": {"runner": False},
}

# Scenarios whose ready() carries "interpreters": each segment's own frames,
# recorded inside its interpreter (corpus/scenarios/_subinterp.py);
# tests/integration/test_interpreters.py compares them with the report.
SUBINTERPRETERS = ("subinterp_threads", "subinterp_nested", "subinterp_two_chains", "subinterp_hang")

# Known gaps: (test function, scenario) -> (applies(version, kind), reason).
# conftest.py marks those cases xfail(strict=True): each must fail until the
# gap is closed, then the entry goes.
_QEMU_ARG0 = ("qemu-user wrote -EINTR over the first argument (x0) of the call the main thread was blocked "
              "in when the core's signal came (a kernel restores it): the lock's futex word or the pipe's "
              "descriptor, this pattern's evidence, is not in the core (docs/versions.md, aarch64)")
KNOWN_GAPS = {
    ("test_diagnosis", s): (lambda v, kind: kind == "qemu", _QEMU_ARG0)
    for s in ("atexit_lock_daemon", "atexit_logging_daemon", "subprocess_write_stdin", "subprocess_read_stdout")
}

# Scenarios that block inside a garbage collection (3.7+ report it in
# python.gc), and the thread that runs it.
GC_COLLECTING = {
    "stw_attached_read": "MainThread",          # gc.collect() stops the world first
    "gc_finalizer_wait": "MainThread",          # gc.collect() -> __del__ waits
    "finalizer_join_daemon": "MainThread",      # the final collection at teardown
    "self_deadlock_gc": "compactor",            # a collection inside a locked section
}

# Scenarios cored during interpreter teardown: threads the threading view
# lists may have no LWP (exited) or no thread state (3.14 hung), and the
# threading module may be gone (no names).  The tests check identity there
# through the main thread and the report's exited_threads.
TEARDOWN = {"finalizer_event_daemon", "finalizer_join_daemon"}


def expected_threads(scenario, version=None):
    """{name: daemon}; an entry may depend on the (major, minor) version."""
    if scenario not in THREADS:
        raise AssertionError("scenario %s has no entry in tests/integration/expectations.py "
                             "THREADS: add one" % scenario)
    out = {"MainThread": False}
    entry = THREADS[scenario]
    if callable(entry):
        if version is None:
            return out      # callers without a version check only the main thread
        entry = entry(version)
    out.update(entry)
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
    elif scenario in ("import_pkg_thread", "import_event"):
        waiter, func, helper = {
            "import_pkg_thread": ("plugin-loader", "load_builtin_plugins", "/_plugins/__init__.py"),
            "import_event": ("settings-reader", "read_settings", "/_import_event_helper.py"),
        }[scenario]
        w = names(waiter)
        assert func in w, w
        k = main.index("<module>")
        assert files("MainThread")[k].endswith(helper), by_name["MainThread"]
        assert files("MainThread")[-1].endswith("/%s.py" % scenario), by_name["MainThread"]
        if scenario == "import_pkg_thread":
            assert "join" in main[:k], main
        else:
            assert main[:2] == ["wait", "wait"] and k == 2, main   # Condition.wait < Event.wait
        if version >= (3, 0):
            assert w[:2] == ["acquire", "_lock_unlock_module"] and \
                files(waiter)[0] == "<frozen importlib._bootstrap>", by_name[waiter][:2]
            assert "_find_and_load" in main[k:], main
        else:
            assert w[0] == func, w          # blocked in C on the global import lock
            assert main[k:] == ["<module>", "<module>"], main
    elif scenario in ("py2_encode_import", "py2_getaddrinfo_import"):
        waiter, func, helper, wait = {
            "py2_encode_import": ("to-latin-1", "to_latin_1", "/_py2_encode_helper.py", "wait"),
            "py2_getaddrinfo_import": ("resolve", "resolve", "/_py2_getaddrinfo_helper.py", "join"),
        }[scenario]
        w = names(waiter)
        # the codec lookup imports encodings.<codec> under the global import lock
        assert w[:2] == ["search_function", func], w
        assert files(waiter)[0].endswith("/encodings/__init__.py"), by_name[waiter][:1]
        assert main == ["wait", wait, "<module>", "<module>"], main
        assert files("MainThread")[2].endswith(helper), by_name["MainThread"]
    elif scenario in ("shutdown_consumer", "pytest_exit"):
        if version >= (3, 7):
            assert main == ["_shutdown"], main
        elif version >= (3, 0):     # 3.6's _shutdown joins each thread (the story's shape)
            assert main == ["_wait_for_tstate_lock", "join", "_shutdown"], main
        else:
            assert main == ["wait", "join", "_exitfunc"], main
        if scenario == "shutdown_consumer":
            assert names("consumer")[:3] == ["wait", "get", "append_to_file"], names("consumer")
        else:
            assert names("Whisperer")[:3] == ["wait", "get", "run"], names("Whisperer")
            assert files("Whisperer")[2].endswith("/pytest_exit.py"), by_name["Whisperer"]
            assert names("wire")[0] == "_read_loop", names("wire")      # in socket.recv
    elif scenario in ("shutdown_executor", "shutdown_executor_legacy"):
        if version >= (3, 13):
            assert main == ["join", "_python_exit", "<lambda>", "_shutdown"], main
        elif version >= (3, 9):
            assert main == ["_wait_for_tstate_lock", "join", "_python_exit", "_shutdown"], main
        else:                       # atexit hook, after threading._shutdown returned
            assert main == ["_wait_for_tstate_lock", "join", "_python_exit"], main
        k = main.index("_python_exit")
        assert files("MainThread")[k].endswith("/concurrent/futures/thread.py"), \
            by_name["MainThread"]
        job = names("job_0")
        assert job[:3] == ["wait", "wait", "job"] and "_worker" in job, job
    elif scenario in ("signal_pause_thread", "signal_pause_masked"):
        assert main == ["<module>"], main                       # in signal.pause()
        assert names("kill-me")[0] == "kill_me", names("kill-me")  # in time.sleep
    elif scenario == "signal_blocked_wait":
        assert main == ["wait", "wait", "serve", "<module>"], main
    elif scenario == "gil_held_read":
        assert main == ["main", "<module>"], main               # in libc read, GIL held
        assert names("heartbeat")[0] == "heartbeat", names("heartbeat")
    elif scenario == "stw_attached_read":
        assert main == ["main", "<module>"], main               # in gc.collect, stopping the world
        assert names("c-reader")[0] == "read_request", names("c-reader")   # in libc read, attached
        assert names("heartbeat")[0] == "heartbeat", names("heartbeat")    # suspended in time.sleep
    elif scenario == "stw_attached_idle":
        assert main == ["main", "<module>"], main               # in time.sleep, detached
        assert names("c-reader")[0] == "read_request", names("c-reader")   # in libc read, attached
    elif scenario == "stw_fork_c_mutex":
        assert main == ["main", "<module>"], main               # in os.fork, stopping the world
        assert names("c-locker")[0] == "lock_in_c", names("c-locker")      # in pthread_mutex_lock, attached
    elif scenario in ("abba_lock", "abba_rlock", "lock_cycle_three"):
        funcs = {
            "abba_lock": {"transfer-ab": "transfer_ab", "transfer-ba": "transfer_ba"},
            "abba_rlock": {"pay-alice-bob": "transfer_to", "pay-bob-alice": "transfer_to"},
            "lock_cycle_three": dict(("philosopher-%d" % i, "dine") for i in range(3)),
        }[scenario]
        for thread, func in funcs.items():
            t = names(thread)
            if scenario == "abba_rlock" and version < (3, 0):
                assert t[:2] == ["acquire", func], t            # 2.7: Python _RLock.acquire
            else:
                assert t[0] == func, t                          # in C lock acquire
        assert "join" in main and main[main.index("join") + 1] == "main", main
    elif scenario in ("self_deadlock_nested", "self_deadlock_del", "self_deadlock_gc"):
        thread, want = {
            "self_deadlock_nested": ("stocker", ["total", "_log_total", "add", "stock"]),
            "self_deadlock_del": ("refresher", ["__del__", "refresh", "run_refresher"]),
            "self_deadlock_gc": ("compactor", ["on_collect", "compact", "run_compactor"]),
        }[scenario]
        assert names(thread)[:len(want)] == want, names(thread)
        assert "join" in main and main[main.index("join") + 1] == "main", main
    elif scenario in ("queue_join_no_task_done", "queue_join_no_consumer"):
        assert main[:3] == ["wait", "join", "main"], main       # Condition.wait < Queue.join
        assert files("MainThread")[1].lower().endswith("/queue.py"), by_name["MainThread"]
        if scenario == "queue_join_no_task_done":
            assert names("consumer")[:3] == ["wait", "get", "consume"], names("consumer")
    elif scenario == "event_setter_died":
        assert main == ["wait", "wait", "main", "<module>"], main
    elif scenario == "rlock_owner_exited":
        r = names("reader")
        if version < (3, 0):
            assert r[:2] == ["acquire", "read_cache"], r        # 2.7: Python _RLock.acquire
        else:
            assert r[0] == "read_cache", r
        assert "join" in main and main[main.index("join") + 1] == "main", main
    elif scenario == "idle_pool":
        assert main == ["main", "<module>"], main
        for i in range(2):
            assert names("pool-%d" % i)[:3] == ["wait", "get", "work"], names("pool-%d" % i)
    elif scenario == "idle_executor":
        assert main == ["main", "<module>"], main
        for i in range(2):      # C SimpleQueue.get: no Python frame above _worker
            assert names("pool_%d" % i)[0] == "_worker", names("pool_%d" % i)
    elif scenario == "child_wait":
        assert main[-3:] == ["wait", "main", "<module>"], main   # Popen.wait
    elif scenario == "cpu_spin":
        assert main == ["main", "<module>"], main
        assert names("spinner")[0] == "spin", names("spinner")
    elif scenario == "cpu_spin_main":
        assert main == ["crunch", "<module>"], main
    elif scenario == "pool_starvation":
        assert main[-2:] == ["main", "<module>"] and "result" in main, main
        workers = [n for n in by_name if n != "MainThread"]
        assert len(workers) == 1 and "outer" in names(workers[0]), by_name.keys()
    elif scenario == "pool_starvation_fanout":
        workers = [n for n in by_name if n != "MainThread"]
        assert len(workers) == 2 and all("split" in names(w) for w in workers), by_name.keys()
    elif scenario == "asyncio_to_thread_long":
        assert main[0] == "select" and "_run_once" in main and main[-1] == "<module>", main
        assert names("asyncio_0")[0] == "long_job", names("asyncio_0")
    elif scenario in ("asyncio_ctrl_c_to_thread", "asyncio_ctrl_c_executor"):
        job, func = {"asyncio_ctrl_c_to_thread": ("nightly-export", "export_all"),
                     "asyncio_ctrl_c_executor": ("reader", "read_request")}[scenario]
        assert names(job)[0] == func, names(job)
        if version < (3, 11):
            assert main[-1] == "_shutdown", main
        else:
            assert main[0] == "select" and "_run_once" in main and main[-1] == "<module>", main
            assert "run_until_complete" in main and "close" in main, main
            assert "_do_shutdown" in names("executor-shutdown") and "join" in names("executor-shutdown"), \
                names("executor-shutdown")
    elif scenario == "asyncio_blocked_sleep":
        assert main[0] == "handler" and "_run_once" in main, main
    elif scenario in ("asyncio_await_forever", "asyncio_queue_orphaned", "asyncio_server_idle",
                      "asyncio_lock_order", "asyncio_lock_await_task", "asyncio_locks_sleeping",
                      "asyncio_many_waiters", "asyncio_lock_leaked", "asyncio_queue_consumer_died",
                      "asyncio_gather_one_stuck", "asyncio_executor_lock", "asyncio_lock_ring",
                      "asyncio_to_thread_lock", "asyncio_taskgroup_one_stuck"):
        # idle loop: blocked in the selector, not inside a task step (Handle._run)
        assert main == ["select", "_run_once", "run_forever", "run_until_complete",
                        "<module>"], main
        assert files("MainThread")[0].endswith("/selectors.py"), by_name["MainThread"][:1]
    elif scenario in ("gevent_lock_order", "gevent_rlock_ring", "gevent_server_idle"):
        # the hub greenlet runs the thread: in libev's loop (C) under Hub.run
        assert main == ["run"], main
        assert files("MainThread")[0].endswith("/gevent/hub.py"), by_name["MainThread"][:1]
    elif scenario == "asyncio_blocked_future":
        assert "result" in main and "_run_once" in main, main
    elif scenario == "atexit_logging_daemon":
        assert "shutdown" in main and "<module>" not in main, main
        assert names("log-writer")[0] == "emit", names("log-writer")
    elif scenario == "atexit_lock_daemon":
        assert main == ["save_state"], main
        assert names("saver")[0] == "background", names("saver")
    elif scenario == "subprocess_pipe_wait":
        assert "wait" in main and main[-2:] == ["main", "<module>"], main
    elif scenario == "subprocess_pipe_stderr":
        assert "join" in main, main
        assert "wait" in names("runner") and "run" in names("runner"), names("runner")
    elif scenario == "gc_finalizer_wait":
        assert main[-2:] == ["__del__", "<module>"] and "wait" in main, main
    elif scenario in ("locals_values", "locals_values_py2"):
        assert main == ["wait_here", "main", "<module>"], main
        assert names("keeper")[:2] == ["wait_here", "keeper"], names("keeper")
    elif scenario == "future_worker_queue":
        assert "result" in main and main[-2:] == ["main", "<module>"], main
        assert "get" in names("render_0") and "render" in names("render_0"), names("render_0")
    elif scenario == "future_worker_queue_attr":
        assert "wait" in main and main[-2:] == ["run", "<module>"], main
        for w in ("fetch_0", "fetch_1"):
            assert "get" in names(w) and "fetch_one" in names(w), names(w)
    elif scenario in ("subprocess_read_stdout", "subprocess_write_stdin", "subprocess_slow_child"):
        caller = {"subprocess_read_stdout": "collect", "subprocess_write_stdin": "transform"}.get(scenario, "ask")
        assert main == [caller, "<module>"], main
    elif scenario in ("subprocess_read_stderr_lines", "subprocess_write_stdin_raw"):
        worker, fn = ("follow-log", "follow") if scenario == "subprocess_read_stderr_lines" else ("feeder", "feed")
        assert "join" in main and main[-2:] == ["main", "<module>"], main
        assert names(worker)[0] == fn, names(worker)
    elif scenario == "subprocess_communicate_slow":
        assert "communicate" in main and main[-2:] == ["ask", "<module>"], main
    elif scenario == "output_pipe_full":
        assert main == ["<module>"], main
        assert names("printer-1")[0] == "printer", names("printer-1")
    elif scenario == "signal_inherited_mask":
        assert main == ["<module>"], main
    elif scenario == "mp_queue_join":
        assert main == ["poll", "wait", "join", "<module>"], main
    elif scenario == "mp_simplequeue_join":
        assert main == ["poll", "wait", "join", "collect", "<module>"], main
    elif scenario in ("mp_queue_exit_join", "mp_process_exit_join"):
        # multiprocessing's exit hook; 2.7's atexit module is Python
        tail = ["_exit_function"] + (["_run_exitfuncs"] if version < (3,) else [])
        assert main == ["poll", "wait", "join"] + tail, main
        assert files("MainThread")[3].endswith("/multiprocessing/util.py"), by_name["MainThread"]
    elif scenario in ("pool_result_unpickle_error", "pool_result_class_missing"):
        assert main[:2] == ["wait", "wait"] and "get" in main, main     # Condition < Event < get
        assert main[main.index("get") + 1] == "main" and main[-1] == "<module>", main
        assert "pool-results" not in by_name, sorted(by_name)
    elif scenario == "pool_lock_only_worker":
        assert main[0] == "wait" and "next" in main, main       # Condition.wait < IMapIterator.next
        assert main[main.index("next") + 1] == "main" and main[-1] == "<module>", main
        assert "_handle_results" in names("pool-results"), names("pool-results")
    elif scenario in ("pool_worker_died", "pool_worker_killed", "pool_lock_holder_killed", "idle_mp_pool"):
        caller = "map" if scenario in ("pool_worker_died", "pool_lock_holder_killed") else "main"
        assert "get" in main and main[main.index("get") + 1] == caller, main
        assert main[:2] == ["wait", "wait"] and main[-1] == "<module>", main   # Condition < Event
        assert "_handle_results" in names("pool-results"), names("pool-results")
    elif scenario == "finalizer_event_daemon":
        assert main == ["wait", "wait", "__del__"], main        # Condition.wait < Event.wait
        assert files("MainThread")[2].endswith("/_finalizer_event_helper.py"), by_name["MainThread"]
        if version < (3, 9):        # stale thread state of the exited flusher
            assert names("flusher") == ["flush_loop", "run", "_bootstrap_inner", "_bootstrap"], \
                names("flusher")
        else:                       # deleted by Py_FinalizeEx before module teardown
            assert "flusher" not in by_name, sorted(by_name)
    elif scenario == "finalizer_join_daemon":
        assert main == ["wait", "join", "close", "__del__"], main   # Condition.wait < Queue.join
        assert files("MainThread")[1].endswith("/queue.py"), by_name["MainThread"]
        if version < (3, 9):
            assert names("pool-worker")[:3] == ["wait", "get", "work"], names("pool-worker")
        else:
            assert "pool-worker" not in by_name, sorted(by_name)
    elif scenario == "gil_c_mutex":
        assert names("gil-taker")[0] == "take_mutex", names("gil-taker")
        assert names("c-owner")[0] == "own_mutex", names("c-owner")
        assert "join" in main and main[-2:] == ["main", "<module>"], main
    elif scenario == "logging_stderr_full":
        # 3.13+: Handler.handle takes the lock with `with` (no acquire frame);
        # <= 3.8: the write blocks in StreamHandler.flush, called by emit
        assert main[0] in ("acquire", "handle") and main[-1] == "<module>", main
        assert "emit" in names("audit")[:2] and "audit" in names("audit"), names("audit")
    elif scenario == "fork_child_lock":
        assert main == ["child", "main", "<module>"], main
    elif scenario == "fork_child_rlock":
        assert main == ["update", "main", "<module>"], main
    elif scenario in ("fork_logging_stream", "fork_logging_file"):
        # 3.8+: blocked in the stream's flush (the io buffer's lock); before
        # 3.8 in the handler's RLock, which logging did not re-create
        level = "warning" if scenario == "fork_logging_stream" else "error"
        assert level in main and main[-4:] == ["child", "fork_while_writing", "main", "<module>"], main
    elif scenario == "fork_print":
        assert main == ["child", "fork_while_writing", "main", "<module>"], main
    elif scenario == "fork_child_sleeps":
        assert main == ["child", "main", "<module>"], main
    elif scenario == "subinterp_threads":
        assert main == ["main", "<module>"], main
        assert names("runner")[0] == "run", names("runner")     # _xxsubinterpreters.run_string / exec
    elif scenario == "subinterp_nested":
        assert main == ["main", "<module>"], main
        assert names("nester")[:2] == ["run", "nest"], names("nester")
    elif scenario == "subinterp_two_chains":
        assert main == ["main", "<module>"], main
        assert names("chain-a")[0] == "run", names("chain-a")
        # 3.14+: concurrent.interpreters' Interpreter.exec < run_high
        assert names("chain-b")[:2] == (["exec", "run_high"] if version >= (3, 14) else ["run", "chain_b"]), \
            names("chain-b")
    elif scenario == "subinterp_hang":
        assert "join" in main and main[-2:] == ["main", "<module>"], main
        assert names("runner")[0] == "run", names("runner")
    else:
        raise AssertionError("scenario %s has no entry in tests/integration/expectations.py "
                             "check_oracle: add one" % scenario)
