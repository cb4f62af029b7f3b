"""expect: asyncio-loop-blocked
python: >=3.7
A coroutine calls time.sleep() instead of awaiting asyncio.sleep(): the
event loop's thread sleeps inside a task step and runs nothing else (the
sleep is long enough to count as a hang).
Threads: MainThread (time.sleep inside Handle._run).
"""
import _oracle; _oracle.arm()

import asyncio
import time


async def heartbeat():
    while True:
        await asyncio.sleep(0.01)


async def handler():
    await asyncio.sleep(0.05)
    _oracle.ready()
    time.sleep(3600)


async def main():
    asyncio.ensure_future(heartbeat())
    await handler()


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main())
