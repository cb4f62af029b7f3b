"""expect: io-wait
accept: none
python: >=3.6
Healthy and idle: two threads wait in time.sleep() with locals of every
built-in type the reports print (ints small and big, floats, str with
quotes and escapes, bytes, containers, sets, None, bool), arguments of
every kind (positional, *args, keyword-only, **kwargs) and closure cells
and free variables.  Each frame records repr() of its locals (f_locals)
just before it blocks; ready() carries them: the oracle of --locals.
Threads: MainThread (time.sleep in wait_here), keeper (time.sleep in
wait_here, daemon).
"""
import _oracle; _oracle.arm()

import sys
import threading
import time

recorded = {}


def record(frame, who):
    recorded[who + ":" + frame.f_code.co_name] = dict((k, repr(v)) for k, v in frame.f_locals.items())


def keeper(n, name, *rest, **opts):
    small = 7
    big = 2 ** 100
    neg = -12345678901234567890
    ratio = 0.1
    third = 1 / 3.0
    huge = 1e22
    tiny = 5e-324
    whole = 1e15
    flag = True
    nothing = None
    text = "it's \"quoted\"\n\ttab\\"
    raw = b"\x00\xffab'"
    items = [1, 2.5, "x", None, (1,), []]
    pair = (1, "a")
    table = {"k": [1, 2], 3: (4,)}
    single = {42}
    frozen = frozenset()
    empty = ()
    deep = [[[[1]]]]
    many = list(range(20))

    def wait_here():
        total = small + n
        record(sys._getframe(), "keeper")
        time.sleep(600)
        return total

    record(sys._getframe(), "keeper")
    wait_here()


def main(count, *, label="main"):
    worker = threading.Thread(target=keeper, args=(3, "k", 4.5, "extra"), kwargs={"mode": "fast"}, name="keeper")
    worker.daemon = True
    worker.start()
    sign = -1
    word = "caf\u00e9 \u2603"

    def wait_here():
        both = sign * count
        record(sys._getframe(), "main")
        while len(recorded) < 4:
            time.sleep(0.01)
        _oracle.ready({"locals": recorded})
        time.sleep(600)
        return both, word

    record(sys._getframe(), "main")
    wait_here()


main(2)
