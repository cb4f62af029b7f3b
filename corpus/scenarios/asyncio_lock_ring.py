"""expect: asyncio-task-deadlock
python: >=3.6
Three replication tasks each own a shard's asyncio.Lock and need their
neighbour's to copy into it: each takes its own lock, yields once
(asyncio.sleep(0), as any await would), then waits in Lock.acquire for the
next shard's lock, held by the next task: a ring of three.  main awaits
their gather().  No timer, so the loop thread blocks in the selector with
no timeout.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


async def replicate(locks, shard):
    async with locks[shard]:
        await asyncio.sleep(0)
        async with locks[(shard + 1) % len(locks)]:
            return shard


async def main(loop):
    locks = [asyncio.Lock() for _ in range(3)]
    tasks = [loop.create_task(replicate(locks, shard)) for shard in range(3)]
    _oracle.ready_when_loop_idle(loop)
    return await asyncio.gather(*tasks)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
