"""The comparisons of the integration tests, as pure functions.

Each returns a list of problems (strings); empty = agreement.  Kept apart
from the tests so test_harness.py can prove they catch wrong reports.
"""
import signal

import expectations

MAX_FRAMES = 100    # faulthandler prints at most 100 frames per thread

# qualnames (3.11+ co_qualname) each scenario's report must contain
QUALNAMES = {
    "two_threads": {"Thread.join", "main", "take_guard", "<module>"},
    "fifty_threads": {"Worker.descend", "Worker.park", "Worker.run", "Event.wait",
                      "Condition.wait", "Thread.join", "main", "<module>"},
    "shutdown_join": {"_shutdown", "Event.wait", "Condition.wait", "wait_forever"},
    "import_lock": {"Thread.join", "_ModuleLock.acquire", "_find_and_load", "import_me_again",
                    "<module>"},
    "gil_held": {"Thread.join", "hold_gil", "wait_for_gil", "main"},
    "idle_sleep": {"socket.accept", "serve", "main", "<module>"},
    "ballast": {"idle", "<module>"},
    "fork_child_lock": {"child", "main", "<module>"},
    "pool_starvation": {"outer", "main", "Future.result", "_WorkItem.run"},
    "pool_starvation_fanout": {"split", "main", "Future.result", "_WorkItem.run"},
    "asyncio_blocked_sleep": {"handler", "main", "Handle._run"},
    "asyncio_blocked_future": {"main", "Future.result", "Handle._run"},
    "atexit_logging_daemon": {"SlowHandler.emit", "Handler.acquire", "shutdown", "writer"},
    "atexit_lock_daemon": {"save_state", "background"},
    "subprocess_pipe_wait": {"Popen.wait", "main", "<module>"},
    "subprocess_pipe_stderr": {"Popen.wait", "run", "Thread.join"},
    "gc_finalizer_wait": {"Event.wait", "Journal.__del__", "<module>"},
    "locals_values_py2": {"keeper", "wait_here", "main", "<module>"},
    "locals_values": {"keeper", "keeper.<locals>.wait_here", "main", "main.<locals>.wait_here", "<module>"},
    "future_worker_queue": {"Future.result", "main", "render", "Queue.get", "_WorkItem.run", "<module>"},
    "future_worker_queue_attr": {"Fetcher.run", "Fetcher.fetch_one", "wait", "Queue.get", "<module>"},
    "subprocess_read_stdout": {"collect", "<module>"},
    "subprocess_read_stderr_lines": {"follow", "main", "Thread.join"},
    "subprocess_write_stdin": {"transform", "<module>"},
    "subprocess_write_stdin_raw": {"feed", "main", "Thread.join"},
    "subprocess_slow_child": {"ask", "<module>"},
    "subprocess_communicate_slow": {"Popen.communicate", "Popen._communicate", "ask", "<module>"},
    "output_pipe_full": {"printer", "<module>"},
    "asyncio_to_thread_long": {"EpollSelector.select", "BaseEventLoop._run_once", "long_job", "<module>"},
    "asyncio_await_forever": {"EpollSelector.select", "BaseEventLoop._run_once",
                              "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_queue_orphaned": {"EpollSelector.select", "BaseEventLoop._run_once",
                               "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "gevent_lock_order": {"Hub.run"},       # the greenlets' frames: test_frames.py::test_greenlets
    "gevent_rlock_ring": {"Hub.run"},
    "gevent_server_idle": {"Hub.run"},
    "asyncio_lock_order": {"EpollSelector.select", "BaseEventLoop._run_once",
                           "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_lock_ring": {"EpollSelector.select", "BaseEventLoop._run_once",
                          "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_to_thread_lock": {"EpollSelector.select", "BaseEventLoop._run_once", "BaseEventLoop.run_forever",
                               "BaseEventLoop.run_until_complete", "<module>", "export", "_WorkItem.run"},
    "asyncio_taskgroup_one_stuck": {"EpollSelector.select", "BaseEventLoop._run_once",
                                    "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_lock_await_task": {"EpollSelector.select", "BaseEventLoop._run_once",
                                "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_many_waiters": {"EpollSelector.select", "BaseEventLoop._run_once",
                             "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_executor_lock": {"EpollSelector.select", "BaseEventLoop._run_once", "BaseEventLoop.run_forever",
                              "BaseEventLoop.run_until_complete", "<module>", "refresh", "_WorkItem.run"},
    "asyncio_gather_one_stuck": {"EpollSelector.select", "BaseEventLoop._run_once",
                                 "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_lock_leaked": {"EpollSelector.select", "BaseEventLoop._run_once",
                            "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_queue_consumer_died": {"EpollSelector.select", "BaseEventLoop._run_once",
                                    "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_locks_sleeping": {"EpollSelector.select", "BaseEventLoop._run_once",
                               "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "<module>"},
    "asyncio_ctrl_c_to_thread": {"export_all", "_WorkItem.run"},     # 3.11+: also Runner.close, _do_shutdown
    "asyncio_ctrl_c_executor": {"read_request", "_WorkItem.run"},
    "asyncio_server_idle": {"EpollSelector.select", "BaseEventLoop._run_once", "<module>"},
    "signal_inherited_mask": {"<module>"},
    "mp_queue_join": {"Popen.poll", "Popen.wait", "BaseProcess.join", "<module>"},
    "mp_simplequeue_join": {"Popen.poll", "Popen.wait", "BaseProcess.join", "collect", "<module>"},
    "mp_queue_exit_join": {"Popen.poll", "Popen.wait", "BaseProcess.join", "_exit_function"},
    "mp_process_exit_join": {"Popen.poll", "Popen.wait", "BaseProcess.join", "_exit_function"},
    "pool_worker_died": {"ApplyResult.get", "ApplyResult.wait", "Pool.map", "Pool._handle_workers",
                         "Pool._handle_tasks", "Pool._handle_results", "<module>"},
    "pool_worker_killed": {"ApplyResult.get", "ApplyResult.wait", "main", "Pool._handle_results"},
    "pool_lock_holder_killed": {"ApplyResult.get", "ApplyResult.wait", "Pool.map", "main",
                                "Pool._handle_results"},
    "pool_result_unpickle_error": {"ApplyResult.get", "ApplyResult.wait", "main", "Pool._handle_tasks"},
    "pool_result_class_missing": {"ApplyResult.get", "ApplyResult.wait", "main", "Pool._handle_tasks"},
    "pool_lock_only_worker": {"IMapIterator.next", "main", "Pool._handle_results"},
    "idle_mp_pool": {"ApplyResult.get", "ApplyResult.wait", "main", "Pool._handle_results"},
    "finalizer_event_daemon": {"Event.wait", "Condition.wait", "Journal.__del__"},
    "finalizer_join_daemon": {"Condition.wait", "Queue.join", "WorkerPool.close", "WorkerPool.__del__"},
    "gil_c_mutex": {"take_mutex", "own_mutex", "Thread.join", "main"},
    "logging_stderr_full": {"Logger.warning", "StreamHandler.emit", "audit", "<module>"},

    "import_pkg_thread": {"Thread.join", "_ModuleLock.acquire", "_lock_unlock_module",
                          "_find_and_load", "load_builtin_plugins", "<module>"},
    "import_event": {"Event.wait", "Condition.wait", "_ModuleLock.acquire", "_find_and_load",
                     "read_settings", "<module>"},
    "shutdown_consumer": {"_shutdown", "Queue.get", "Condition.wait", "append_to_file"},
    "pytest_exit": {"_shutdown", "Whisperer.run", "Wire._read_loop", "Queue.get",
                    "Condition.wait"},
    "shutdown_executor": {"_shutdown", "_python_exit", "Thread.join", "_WorkItem.run",
                          "_worker", "job", "Event.wait", "Condition.wait"},
    "signal_pause_thread": {"kill_me", "<module>"},
    "signal_pause_masked": {"kill_me", "<module>"},
    "signal_blocked_wait": {"serve", "Event.wait", "Condition.wait", "<module>"},
    "gil_held_read": {"heartbeat", "main", "<module>"},
    "stw_attached_read": {"heartbeat", "read_request", "main", "<module>"},
    "stw_fork_c_mutex": {"lock_in_c", "main", "<module>"},
    "stw_attached_idle": {"read_request", "main", "<module>"},
    "abba_lock": {"transfer_ab", "transfer_ba", "Thread.join", "main"},
    "abba_rlock": {"Account.transfer_to", "Thread.join", "main"},
    "lock_cycle_three": {"dine", "Thread.join", "main"},
    "self_deadlock_nested": {"Inventory.total", "Inventory._log_total", "Inventory.add", "stock",
                             "Thread.join"},
    "self_deadlock_del": {"Handle.__del__", "refresh", "run_refresher", "Thread.join"},
    "self_deadlock_gc": {"on_collect", "compact", "run_compactor", "Thread.join"},
    "queue_join_no_task_done": {"Queue.join", "Queue.get", "Condition.wait", "consume", "main"},
    "queue_join_no_consumer": {"Queue.join", "Condition.wait", "main", "<module>"},
    "event_setter_died": {"Event.wait", "Condition.wait", "main", "<module>"},
    "rlock_owner_exited": {"read_cache", "Thread.join", "main"},
    "idle_pool": {"Queue.get", "Condition.wait", "work", "main"},
    "idle_executor": {"_worker", "main", "<module>"},
    "child_wait": {"Popen.wait", "Popen._wait", "Popen._try_wait", "main", "<module>"},
    "cpu_spin": {"spin", "main", "<module>"},
    "cpu_spin_main": {"crunch", "<module>"},
    "fork_child_rlock": {"Store.update", "main", "<module>"},
    "fork_logging_stream": {"Logger.warning", "child", "fork_while_writing", "main", "<module>"},
    "fork_logging_file": {"Logger.error", "child", "fork_while_writing", "main", "<module>"},
    "fork_print": {"child", "fork_while_writing", "main", "<module>"},
    "fork_child_sleeps": {"child", "main", "<module>"},
    # the main interpreter's segments (what the report shows today); once
    # issue 11 walks every interpreter, the subinterpreters' frames too
    "subinterp_threads": {"run", "main", "<module>"},
    "subinterp_nested": {"run", "nest", "main", "<module>"},
    "subinterp_two_chains": {"run", "chain_b", "main", "<module>"},
    "subinterp_hang": {"run", "Thread.join", "main", "<module>"},
}


def triples(frames):
    return [(f.get("name"), f.get("file"), f.get("line")) for f in frames]


def by_ident(report):
    """ident -> thread of a report; raises AssertionError on a malformed list."""
    threads = report.get("threads")
    assert isinstance(threads, list) and threads, "report has no threads: %r" % (report,)
    out = {}
    for t in threads:
        assert isinstance(t.get("ident"), int), "thread without integer ident: %r" % (t,)
        assert t["ident"] not in out, "ident %#x reported twice" % t["ident"]
        out[t["ident"]] = t
    return out


def python_frames(oracle, report):
    """Every oracle thread's frames == ours, (name, file, line), innermost first.
    A thread state whose thread exited is in the report's exited_threads."""
    ours = by_ident(report)
    for t in report.get("exited_threads") or []:
        assert isinstance(t.get("ident"), int) and t["ident"] not in ours, \
            "exited thread with a bad or duplicate ident: %r" % (t,)
        ours[t["ident"]] = t
    problems = []
    for ot in oracle["threads"]:
        ident = ot["ident"]
        if ident not in ours:
            problems.append("thread %#x (oracle: %s) missing from the report (have %s)"
                            % (ident, triples(ot["frames"][:1]),
                               ", ".join("%#x" % i for i in ours)))
            continue
        want = triples(ot["frames"])[:MAX_FRAMES]
        # faulthandler dumps the frames of one interpreter (the main one:
        # the scenarios keep the thread taking SIGUSR1 there); a thread that
        # entered a subinterpreter shows those frames in the report too.
        got_all = triples([f for f in ours[ident].get("python_frames") or [] if f.get("interpreter") in (0, None)])
        got = got_all
        if ot["truncated"]:
            if len(got_all) <= MAX_FRAMES:
                problems.append("thread %#x: oracle truncated at %d frames, report has only %d"
                                % (ident, MAX_FRAMES, len(got_all)))
            got = got_all[:MAX_FRAMES]
        if got != want:
            first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                         min(len(got), len(want)))
            problems.append(
                "thread %#x (%s): frames differ from #%d on (innermost = #0); "
                "%d frames reported, %d in oracle\n    ours:   %s\n    oracle: %s"
                % (ident, ours[ident].get("name"), first, len(got), len(want),
                   got[first:first + 3], want[first:first + 3]))
        for f in ours[ident].get("python_frames") or []:
            qn, name = f.get("qualname"), f.get("name")
            if not isinstance(qn, str) or not (qn == name or qn.endswith("." + name)):
                problems.append("thread %#x: qualname %r does not end with name %r"
                                % (ident, qn, name))
                break
    return problems


def qualnames(scenario, report):
    if scenario not in QUALNAMES:
        return ["scenario %s has no entry in tests/integration/compare.py QUALNAMES" % scenario]
    have = set(f.get("qualname") for t in by_ident(report).values()
               for f in t.get("python_frames") or [])
    want = set(QUALNAMES[scenario])
    if expectations.THREADS.get(scenario) and scenario not in expectations.TEARDOWN:
        want |= {"Thread.run", "Thread._bootstrap_inner", "Thread._bootstrap"}
    missing = sorted(want - have)
    if missing:
        return ["qualnames %s not in the report (have %s)"
                % (missing, sorted(q for q in have if q))]
    return []


def thread_identity(scenario, ready, report):
    """name / daemon / main of every thread vs the scenario's threading view."""
    ours = by_ident(report)
    problems = []
    if scenario in expectations.TEARDOWN:
        return teardown_identity(ready, report, ours)
    mains = [t for t in ours.values() if t.get("main") is True]
    if len(mains) != 1:
        problems.append("%d threads have main=true (want exactly 1): %s"
                        % (len(mains), [hex(t["ident"]) for t in mains]))
    elif mains[0].get("name") != "MainThread":
        problems.append("main thread is named %r, want 'MainThread'" % mains[0].get("name"))
    for rt in ready["threads"]:
        t = ours.get(rt["ident"])
        if t is None:
            problems.append("thread %r (%#x) missing" % (rt["name"], rt["ident"]))
            continue
        for field in ("name", "daemon", "main"):
            if t.get(field) != rt[field]:
                problems.append("thread %#x: %s = %r, want %r"
                                % (rt["ident"], field, t.get(field), rt[field]))
    names = dict((t.get("name"), t) for t in ours.values())
    for name, daemon in sorted(expectations.expected_threads(scenario).items()):
        if name not in names:
            problems.append("no thread named %r (have %s)" % (name, sorted(map(str, names))))
        elif names[name].get("daemon") is not daemon:
            problems.append("thread %r: daemon = %r, want %r"
                            % (name, names[name].get("daemon"), daemon))
    return problems


def teardown_identity(ready, report, ours):
    """Cored during teardown: the main thread is the one of the threading
    view; every other thread of that view exited (its thread state, if any
    is left, in exited_threads) or lives on without a thread state."""
    problems = []
    if report["python"].get("finalizing") is not True:
        problems.append("python.finalizing = %r, want true" % report["python"].get("finalizing"))
    mains = [t for t in ours.values() if t.get("main") is True]
    want = [rt["ident"] for rt in ready["threads"] if rt["main"]]
    if len(mains) != 1 or [mains[0]["ident"]] != want:
        problems.append("main thread(s) %s, want ident %s"
                        % ([hex(t["ident"]) for t in mains], [hex(i) for i in want]))
    exited = set(t["ident"] for t in report.get("exited_threads") or [])
    for t in ours.values():
        if not t.get("main") and t.get("python") and t["ident"] not in exited:
            problems.append("thread %#x runs Python code at teardown" % t["ident"])
    return problems


def process_and_registers(kind, bfd, report):
    """process.{pid,signal,core_kind}, thread tids and registers vs libbfd."""
    proc = report.get("process") or {}
    problems = []
    if report.get("schema_version") != 1:
        problems.append("schema_version = %r, want 1" % report.get("schema_version"))
    if proc.get("pid") != bfd["pid"]:
        problems.append("process.pid = %r, bfd says %r" % (proc.get("pid"), bfd["pid"]))
    if proc.get("core_kind") != kind:
        problems.append("process.core_kind = %r, want %r" % (proc.get("core_kind"), kind))
    if kind == "gcore":
        # gdb's gcore leaves pr_cursig 0 (bfd "signal") and records the SIGSTOP
        # of its ptrace attach in NT_SIGINFO only
        want_sig = bfd["siginfo_signo"]
        if want_sig != signal.SIGSTOP or bfd["signal"] not in (0, signal.SIGSTOP):
            problems.append("bfd: gcore core with signal %r / siginfo %r (want 0|19 / 19)"
                            % (bfd["signal"], bfd["siginfo_signo"]))
    else:
        want_sig = bfd["signal"]
        if want_sig != signal.SIGABRT:
            problems.append("bfd: kernel core with signal %r, the harness sent SIGABRT"
                            % want_sig)
    if proc.get("signal") != want_sig:
        problems.append("process.signal = %r, want %r" % (proc.get("signal"), want_sig))
    bfd_threads = dict((t["tid"], t["registers"]) for t in bfd["threads"])
    ours = dict((t.get("tid"), t) for t in report.get("threads") or [])
    if set(ours) != set(bfd_threads):
        problems.append("thread tids differ: only ours %s, only bfd %s"
                        % (sorted(set(ours) - set(bfd_threads), key=str),
                           sorted(set(bfd_threads) - set(ours))))
    for tid in sorted(set(ours) & set(bfd_threads)):
        got = ours[tid].get("registers") or {}
        want = bfd_threads[tid]
        diff = ["%s: ours %r, bfd %r" % (r, got.get(r), want.get(r))
                for r in sorted(set(got) | set(want)) if got.get(r) != want.get(r)]
        if diff:
            problems.append("tid %d registers differ: %s" % (tid, "; ".join(diff[:8])))
    return problems


def segment_oracle(ready):
    """The subinterpreter scenarios' own oracle (ready["interpreters"]):
    native thread id -> [(interp, depth, frames)], innermost segment first;
    frames as (name, file, line), innermost first."""
    out = {}
    for iid, entry in ready["interpreters"].items():
        for seg in entry["segments"]:
            assert seg["interp"] == int(iid), seg
            frames = [(f[2], f[0], f[1]) for f in seg["frames"]]
            out.setdefault(seg["native_id"], []).append((seg["interp"], seg["depth"], frames))
    for segs in out.values():
        segs.sort(key=lambda s: -s[1])
    return out


def interpreters(ready, report):
    """issue 11, the proposed report: interpreters[] = {id, main, finalizing}
    for every interpreter of the runtime; each Python frame of a thread
    carries "interpreter" (its segment's interpreter id), the segments in
    nesting order, innermost first, all in python_frames."""
    problems = []
    want = ready["interpreters"]
    got = report.get("interpreters")
    if not isinstance(got, list):
        return ["report has no interpreters[] (got %r)" % (got,)]
    by_id = dict((i.get("id"), i) for i in got)
    main_ids = [i.get("id") for i in got if i.get("main") is True]
    if main_ids != [0]:
        problems.append("main interpreter(s) %s, want [0]" % main_ids)
    for iid, entry in sorted(want.items()):
        i = by_id.get(int(iid))
        if i is None:
            problems.append("interpreter %s missing (have %s)" % (iid, sorted(by_id, key=str)))
        elif i.get("main") is not entry["main"] or i.get("finalizing") not in (False, None):
            # finalizing: unknown (null) where the version does not describe it
            problems.append("interpreter %s: main %r finalizing %r, want %r False"
                            % (iid, i.get("main"), i.get("finalizing"), entry["main"]))
    threads = dict((t.get("tid"), t) for t in report.get("threads") or [])
    segs = segment_oracle(ready)
    for tid, tsegs in sorted(segs.items()):
        t = threads.get(tid)
        if t is None:
            problems.append("LWP %d (segments in %s) missing" % (tid, [s[0] for s in tsegs]))
            continue
        want_frames = [f + (iid,) for iid, _, frames in tsegs for f in frames]
        got_frames = [(f.get("name"), f.get("file"), f.get("line"), f.get("interpreter"))
                      for f in t.get("python_frames") or []]
        if got_frames != want_frames:
            first = next((k for k, (a, b) in enumerate(zip(got_frames, want_frames)) if a != b),
                         min(len(got_frames), len(want_frames)))
            problems.append("LWP %d (interpreters %s, innermost first): frames differ from #%d; "
                            "%d reported, %d in the oracle\n    ours:   %s\n    oracle: %s"
                            % (tid, [s[0] for s in tsegs], first, len(got_frames), len(want_frames),
                               got_frames[first:first + 3], want_frames[first:first + 3]))
    for tid, t in sorted(threads.items()):
        if tid in segs:
            continue
        other = set(f.get("interpreter") for f in t.get("python_frames") or []) - {0}
        if other:
            problems.append("LWP %d: frames of interpreters %s, the oracle has only the main one"
                            % (tid, sorted(other, key=str)))
    return problems


def segment_oracle_sane(oracle, ready):
    """The segments' records against faulthandler: every main-interpreter
    segment is what faulthandler dumped for that ident, and a thread's
    segments nest 0, 1, 2, ... (or start inside a subinterpreter)."""
    problems = []
    fh = dict((t["ident"], triples(t["frames"])) for t in oracle["threads"])
    for iid, entry in ready["interpreters"].items():
        for seg in entry["segments"]:
            if seg["main"]:
                want = fh.get(seg["ident"])
                got = [(f[2], f[0], f[1]) for f in seg["frames"]]
                if want != got:
                    problems.append("thread %#x: main-interpreter segment %s, faulthandler %s"
                                    % (seg["ident"], got, want))
    for tid, tsegs in segment_oracle(ready).items():
        depths = sorted(s[1] for s in tsegs)
        mains = [s for s in tsegs if s[0] == 0]
        if mains and depths != list(range(len(depths))):
            problems.append("LWP %d: segment depths %s" % (tid, depths))
        if not mains and len(tsegs) != 1:
            problems.append("LWP %d: started in a subinterpreter, yet %d segments" % (tid, len(tsegs)))
    return problems
