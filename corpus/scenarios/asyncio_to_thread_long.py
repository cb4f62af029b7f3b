"""expect: io-wait
accept: none
python: >=3.9
Healthy look-alike of asyncio-idle-forever: the event loop awaits
asyncio.to_thread() of a long blocking job.  The loop sleeps in its
selector without a timeout, with no ready callback, no timer and no
descriptor but its wake-up pipe, exactly as an orphaned loop does; but the
executor thread "asyncio_0" runs the job and will wake the loop with
call_soon_threadsafe when it ends.  Waiting for it is no hang.
Threads: MainThread (the loop, in select), asyncio_0 (daemon before 3.9,
non-daemon from 3.9 on; sleeping in the job).
"""
import _oracle; _oracle.arm()

import asyncio
import time


def long_job():
    _oracle.ready()
    time.sleep(3600)


async def main():
    await asyncio.to_thread(long_job)


asyncio.run(main())
