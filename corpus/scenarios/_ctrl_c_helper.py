"""Helper of the asyncio Ctrl+C scenarios (not a scenario): called from the
executor job, it presses Ctrl+C (SIGINT to the main thread), waits until the
process is stuck in its exit path, names the threads alike on every version
and tells the oracle the hang is in place."""
import signal
import threading
import time

import _oracle


def press_ctrl_c_and_wait_for_exit(job_name, loop):
    me = threading.current_thread()
    me.name = job_name
    # To the main thread, as a terminal's Ctrl+C reaches a process blocked
    # in its event loop: sent to the process, SIGINT may land in this
    # thread, and then the main thread sleeps on in epoll_wait (asyncio.Runner's
    # handler sets no wake-up fd) until the harness's first SIGUSR1 wakes it,
    # after ready(): the oracle and the ready view would disagree.
    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    deadline = time.time() + 10
    nudge = time.time() + 0.5
    while time.time() < deadline:
        others = [t for t in threading.enumerate() if t is not me and t is not threading.main_thread()]
        if others:                                      # loop.shutdown_default_executor's helper
            others[0].name = "executor-shutdown"
            break
        if not threading.main_thread().is_alive():
            break                                       # threading._shutdown joins the job's thread
        if time.time() > nudge:
            # The signal arrived just before the main thread entered
            # epoll_wait: its Python handler waits for the next wake-up,
            # and the loop has no timer (observed: 1 run in 20 on a loaded
            # 3.13t).  A no-op callback wakes the loop, as the user's next
            # keystroke would.
            nudge = time.time() + 0.5
            try:
                loop.call_soon_threadsafe(lambda: None)
            except RuntimeError:                        # the loop is closed: past that point
                pass
        time.sleep(0.01)
    # asyncio's cleanup may start more threads than its first helper
    # (observed on 3.14t): announce once the set of threads holds still.
    seen, calm = None, 0
    while time.time() < deadline + 10 and calm < 8:
        # A thread in threading's limbo (started, not yet running) has no
        # ident yet (observed on a loaded 3.11): counted as 0, it makes the
        # set change once it runs, so it cannot be taken for calm.
        now = (sorted(t.ident or 0 for t in threading.enumerate()), _oracle._tstates())
        calm = calm + 1 if now == seen else 0
        seen = now
        time.sleep(0.2)
    _oracle.ready()


def like_a_terminal():
    """Python's own SIGINT handler, as in a terminal: a process started in
    the background by a non-interactive shell inherits SIGINT ignored, and
    Python then leaves it ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
