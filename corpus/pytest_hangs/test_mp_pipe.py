import multiprocessing


def produce(q):
    q.put(b"x" * (1 << 20))     # the queue's feeder thread writes it into a pipe


def test_child_result():
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=produce, args=(q,), name="producer")
    p.start()
    p.join()            # before q.get(): the child cannot exit until its item is read
    assert q.get() == b"x" * (1 << 20)
