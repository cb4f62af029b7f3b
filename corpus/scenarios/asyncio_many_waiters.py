"""expect: asyncio-idle-forever
python: >=3.6
A fan-out of worker tasks (PYCORE_BENCH_TASKS of them, 200 by default;
the benchmark makes 10,000) each awaits one asyncio.Event that the
coordinator should set once its handshake is done, and the handshake step
was never scheduled: every worker waits in Event.wait, main awaits the
gather() of them all.  No timer, so the loop thread blocks in the selector
with no timeout.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio
import os

COUNT = int(os.environ.get("PYCORE_BENCH_TASKS", "200"))


async def worker(index, go, results):
    await go.wait()
    results.append(index)


async def main(loop):
    go = asyncio.Event()            # created inside the loop (3.6-3.9 bind it here)
    results = []
    workers = [loop.create_task(worker(i, go, results)) for i in range(COUNT)]
    _oracle.ready_when_loop_idle(loop)
    await asyncio.gather(*workers)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
