"""expect: io-wait
accept: none
python: >=3.8
Nested run_string on the main thread: the main thread enters
subinterpreter 1, whose code enters subinterpreter 2 on the same thread,
where it sleeps.  One OS thread, three thread states (one per
interpreter), three Python segments: innermost <module> > sleep_forever in
2, then <module> > run in 1, then main > run in the main interpreter.  A
daemon thread "announcer" of the main interpreter waits until every
segment has recorded itself, calls ready() and sleeps.  Healthy and idle.
Oracle: _subinterp.py (each segment records itself from inside its
interpreter); faulthandler sees only the main interpreter's segment.
Threads: MainThread (main interpreter: run < main < <module>; 1: run <
<module>; 2: sleep_forever < <module>), announcer (daemon, time.sleep).
"""
import _oracle; _oracle.arm()

import threading

import _subinterp

INNER = '''
_subinterp.sleep_forever()
'''

OUTER = '''
inner = _subinterp.create()
_subinterp.run(inner, _subinterp.code(%r, 2))
'''


def announce():
    _subinterp.wait(3)
    _oracle.ready({"interpreters": _subinterp.collect()})
    _subinterp.sleep_forever()


def main():
    outer = _subinterp.create()
    announcer = threading.Thread(target=announce, name="announcer")
    announcer.daemon = True
    announcer.start()
    _subinterp.run(outer, _subinterp.code(OUTER % INNER, 1))


main()
