import threading

import pytest


@pytest.fixture
def registry_lock():
    lock = threading.Lock()
    with lock:          # held for the whole test
        yield lock


def test_refresh_in_background(registry_lock):
    def refresh():
        with registry_lock:     # waits for the fixture's hold
            pass
    t = threading.Thread(target=refresh, name="refresher")
    t.start()
    t.join()            # waits for refresh: a cycle
