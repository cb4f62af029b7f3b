"""expect: asyncio-loop-blocked
python: >=3.7
A coroutine waits synchronously (Future.result()) for a coroutine it
scheduled on its own loop with run_coroutine_threadsafe: the loop would
have to run that coroutine, but its only thread is blocked waiting for it.
Threads: MainThread (Future.result inside Handle._run).
"""
import _oracle; _oracle.arm()

import asyncio


async def compute():
    return 42


async def main():
    future = asyncio.run_coroutine_threadsafe(compute(), asyncio.get_event_loop())
    _oracle.ready()
    return future.result()


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main())
