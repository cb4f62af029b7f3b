"""expect: asyncio-idle-forever
python: >=3.6
A producer task fills a bounded asyncio.Queue (maxsize 2) for a consumer
task that died on its first item (a KeyError, stored in the finished task
and never retrieved): the queue is full, the producer waits in Queue.put
for good, main awaits the producer.  No timer, so the loop thread blocks in
the selector with no timeout; no pending task gets from the queue.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


async def consume(queue, handlers):
    while True:
        kind, payload = await queue.get()
        handlers[kind](payload)         # KeyError: no handler for "audit"


async def produce(queue):
    for i in range(10):
        await queue.put(("audit", i))


async def main(loop):
    queue = asyncio.Queue(maxsize=2)    # created inside the loop (3.6-3.9 bind it here)
    consumer = loop.create_task(consume(queue, {"metric": print}))
    producer = loop.create_task(produce(queue))
    _oracle.ready_when_loop_idle(loop)
    await producer
    return consumer


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
