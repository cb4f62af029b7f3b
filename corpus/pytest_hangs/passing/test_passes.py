# Tests that pass quickly: under `watch` or with the pycore_hang plugin their
# run must look exactly as it does alone.
import multiprocessing
import threading


def test_thread_joins():
    done = []
    t = threading.Thread(target=done.append, args=(1,))
    t.start()
    t.join()
    assert done == [1]


def test_child_result_read_first():
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=q.put, args=(b"x" * (1 << 20),))
    p.start()
    assert q.get() == b"x" * (1 << 20)
    p.join()


def test_prints(capsys):
    print("hello from a passing test")
    assert capsys.readouterr().out == "hello from a passing test\n"
