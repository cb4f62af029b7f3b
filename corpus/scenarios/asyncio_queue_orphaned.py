"""expect: asyncio-idle-forever
python: >=3.6
A producer task parses records into an asyncio.Queue and dies on a bad
record (ValueError): its exception is stored in the finished task and never
retrieved.  The consumer task drains the queue and then awaits
Queue.get() for good: nothing will ever put again.  No timer is scheduled,
so the loop thread blocks in the selector with no timeout: loop._ready and
loop._scheduled are empty, the consumer and main tasks are pending, the
producer task is done with an exception.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio

RECORDS = ["host=db1", "port=5432", "user admin", "timeout=30"]


async def produce(queue):
    for record in RECORDS:
        key, value = record.split("=")     # ValueError on "user admin"
        await queue.put((key, value))
    await queue.put(None)                  # end-of-stream marker, never sent


async def consume(queue, producer, settings):
    while True:
        if queue.empty() and producer.done():
            _oracle.ready_when_loop_idle(asyncio.get_event_loop())
        item = await queue.get()
        if item is None:
            return settings
        settings[item[0]] = item[1]


async def main(loop):
    queue = asyncio.Queue()                # created inside the loop (3.6-3.9 bind it here)
    producer = loop.create_task(produce(queue))     # runs first (FIFO)
    consumer = loop.create_task(consume(queue, producer, {}))
    return await consumer                  # producer is kept alive here, never awaited


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
