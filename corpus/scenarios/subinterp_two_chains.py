"""expect: io-wait
accept: none
python: >=3.8
Two chains of interpreters on two threads, ids out of nesting order.  The
main interpreter creates subinterpreters 1 and 2; "chain-a" enters 2, whose
code enters 1 (the innermost segment has the lower id); "chain-b" enters a
new subinterpreter 3, whose code creates 4 and enters it (3.14+ through
concurrent.interpreters' Interpreter.exec, earlier the low-level module).
Both sleep in their innermost interpreter; the main thread sleeps.
Healthy and idle.  Neither the interpreter ids nor the order of the
interpreter list give a thread's segment order.
Oracle: _subinterp.py (each segment records itself from inside its
interpreter).
Threads: MainThread (time.sleep), chain-a (daemon; main: run; 2: run; 1:
sleep_forever), chain-b (daemon; main: run or run_high; 3: run or
run_high; 4: sleep_forever).
"""
import _oracle; _oracle.arm()

import sys
import threading
import time

import _subinterp

LEAF = '''
_subinterp.sleep_forever()
'''

# chain-a: 2 enters 1, created by the main interpreter
VIA = '''
_subinterp.run(%d, _subinterp.code(%r, 2))
'''

# chain-b: 3 creates 4 and enters it
HIGH = sys.version_info >= (3, 14)
SPAWN = '''
import sys
if sys.version_info >= (3, 14):
    from concurrent import interpreters
    _subinterp.run_high(interpreters.create(), _subinterp.code(%r, 2))
else:
    _subinterp.run(_subinterp.create(), _subinterp.code(%r, 2))
'''


def chain_b():
    if HIGH:
        from concurrent import interpreters
        _subinterp.run_high(interpreters.create(), _subinterp.code(SPAWN % (LEAF, LEAF), 1))
    else:
        _subinterp.run(_subinterp.create(), _subinterp.code(SPAWN % (LEAF, LEAF), 1))


def main():
    first = _subinterp.create()
    second = _subinterp.create()
    a = threading.Thread(target=_subinterp.run, args=(second, _subinterp.code(VIA % (first, LEAF), 1)),
                         name="chain-a")
    a.daemon = True
    a.start()
    _subinterp.wait(3)          # chain-a first: 3 gets the next id
    b = threading.Thread(target=chain_b, name="chain-b")
    b.daemon = True
    b.start()
    _subinterp.wait(6)
    _oracle.ready({"interpreters": _subinterp.collect()})
    time.sleep(600)


main()
