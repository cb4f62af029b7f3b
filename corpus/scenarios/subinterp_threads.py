"""expect: io-wait
accept: none
python: >=3.8
Threads started inside a subinterpreter.  The daemon thread "runner" of the
main interpreter enters subinterpreter 1 (_xxsubinterpreters.run_string
3.8-3.12, _interpreters.exec 3.13+), which starts two non-daemon threads of
its own, "sub-worker-1" and "sub-worker-2" (they exist only in that
interpreter: no thread state in the main one, absent from the main
threading view and from faulthandler's dump); all three sleep there.  The
main thread sleeps.  Healthy and idle.
Oracle: every segment (one thread in one interpreter) records its frames
from inside its interpreter (_subinterp.py); ready() carries them under
"interpreters".
Threads: MainThread (time.sleep), runner (daemon; main interpreter: run;
subinterpreter 1: <module> > sleep_forever), sub-worker-1, sub-worker-2
(subinterpreter 1 only: sleep_forever).
"""
import _oracle; _oracle.arm()

import threading
import time

import _subinterp

BODY = '''
import threading
workers = [threading.Thread(target=_subinterp.sleep_forever, name="sub-worker-%d" % i) for i in (1, 2)]
for w in workers:
    w.start()
_subinterp.sleep_forever()
'''


def main():
    sub = _subinterp.create()
    runner = threading.Thread(target=_subinterp.run, args=(sub, _subinterp.code(BODY, 1)), name="runner")
    runner.daemon = True
    runner.start()
    _subinterp.wait(4)      # runner in main and in 1, two workers in 1
    _oracle.ready({"interpreters": _subinterp.collect()})
    time.sleep(600)


main()
