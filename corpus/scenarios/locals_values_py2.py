"""expect: io-wait
accept: none
python: <3.0
locals_values for 2.7: str is bytes, int and long are two types (a long's
repr ends in L), no keyword-only arguments.  Two threads wait in
time.sleep() with locals of the built-in types; each frame records repr()
of its locals before it blocks, and ready() carries them.
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
    flag = True
    nothing = None
    text = "it's \"quoted\"\n\ttab\\"
    items = [1, 2.5, "x", None, (1,), []]
    table = {"k": [1, 2], 3: (4,)}
    single = set([42])
    frozen = frozenset()
    deep = [[[[1]]]]

    def wait_here():
        total = small + n
        record(sys._getframe(), "keeper")
        while True:             # 2.7: a signal ends time.sleep early
            time.sleep(600)
        return total

    record(sys._getframe(), "keeper")
    wait_here()


def main(count):
    worker = threading.Thread(target=keeper, args=(3, "k", 4.5, "extra"), kwargs={"mode": "fast"}, name="keeper")
    worker.daemon = True
    worker.start()
    sign = -1

    def wait_here():
        both = sign * count
        record(sys._getframe(), "main")
        while len(recorded) < 4:
            time.sleep(0.01)
        _oracle.ready({"locals": recorded})
        while True:
            time.sleep(600)
        return both

    record(sys._getframe(), "main")
    wait_here()


main(2)
