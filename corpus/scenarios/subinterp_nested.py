"""expect: io-wait
accept: none
python: >=3.8
Nested run_string: the daemon thread "nester" of the main interpreter
enters subinterpreter 1, whose code creates subinterpreter 2 and enters it
on the same thread, where it sleeps.  One OS thread, three thread states
(one per interpreter), three Python segments: innermost sleep_forever <
<module> in 2, then run < <module> in 1, then run < nest < Thread.run ... in
the main interpreter.  The main thread waits until every segment has
recorded itself, calls ready() and sleeps.  Healthy and idle.
(The main thread itself stays in the main interpreter: on 3.12+
faulthandler dumps only the interpreter of the thread that takes the
signal, and the main thread takes the harness's SIGUSR1.)
Oracle: _subinterp.py (each segment records itself from inside its
interpreter); faulthandler sees only the main interpreter's segment.
Threads: MainThread (time.sleep), nester (daemon; main interpreter: run <
nest; 1: run < <module>; 2: sleep_forever < <module>).
"""
import _oracle; _oracle.arm()

import threading
import time

import _subinterp

INNER = '''
_subinterp.sleep_forever()
'''

OUTER = '''
inner = _subinterp.create()
_subinterp.run(inner, _subinterp.code(%r, 2))
'''


def nest(outer):
    _subinterp.run(outer, _subinterp.code(OUTER % INNER, 1))


def main():
    outer = _subinterp.create()
    nester = threading.Thread(target=nest, args=(outer,), name="nester")
    nester.daemon = True
    nester.start()
    _subinterp.wait(3)
    _oracle.ready({"interpreters": _subinterp.collect()})
    time.sleep(600)


main()
