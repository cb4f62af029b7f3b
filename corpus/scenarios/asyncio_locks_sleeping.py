"""expect: io-wait
accept: none
python: >=3.6
Healthy, not a hang (the look-alike of asyncio_lock_order): two workers
take the same two asyncio.Locks, in the same order, one after the other;
the first sleeps inside both (asyncio.sleep, a timer on the loop), the
second waits in Lock.acquire for the first lock.  The wait ends when the
sleep does: no cycle, and the loop's selector has a timeout.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


async def work(first, second, started):
    async with first:
        async with second:
            started.append(1)
            await asyncio.sleep(3600)


async def main(loop):
    first, second = asyncio.Lock(), asyncio.Lock()
    started = []
    w1 = loop.create_task(work(first, second, started))
    w2 = loop.create_task(work(first, second, started))
    _oracle.ready_when_loop_idle(loop)
    await asyncio.gather(w1, w2)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
