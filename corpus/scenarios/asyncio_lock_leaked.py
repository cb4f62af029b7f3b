"""expect: asyncio-idle-forever
python: >=3.6
A task takes a shared asyncio.Lock with `await lock.acquire()` (no
`async with`), fails on a bad record before its release() and ends with the
exception stored in the task, never retrieved: the lock stays locked with
no owner.  The other workers wait in Lock.acquire for good; main awaits the
gather() of them.  No timer, so the loop thread blocks in the selector with
no timeout: the lock's _locked is True and no pending task is inside an
`async with` on it.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


async def store(lock, db, record):
    await lock.acquire()
    key, value = record.split("=")      # ValueError on the bad record: release() is never reached
    db[key] = value
    lock.release()


async def main(loop):
    lock = asyncio.Lock()
    db = {}
    bad = loop.create_task(store(lock, db, "no separator"))
    await asyncio.sleep(0)              # the bad record goes first and takes the lock
    workers = [loop.create_task(store(lock, db, "k%d=v" % i)) for i in range(2)]
    _oracle.ready_when_loop_idle(loop)
    await asyncio.gather(*workers)
    return bad


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
