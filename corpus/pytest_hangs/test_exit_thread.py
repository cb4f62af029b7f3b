import threading

stop = threading.Event()


def test_starts_a_worker():
    # passes, but the worker is non-daemon and nobody sets `stop`:
    # the interpreter waits for it when pytest exits
    threading.Thread(target=stop.wait, name="poller").start()
    assert True
