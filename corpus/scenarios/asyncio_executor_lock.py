"""expect: asyncio-task-deadlock
python: >=3.6
A coroutine takes a threading.Lock that guards a cache (a plain `with`, so
the loop thread holds it) and, still inside the block, awaits
loop.run_in_executor() of a refresh job that takes the same lock in the
executor's worker thread: the worker waits for the lock, the task waits
for the worker's job, and the loop, idle, never gets the lock back.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once),
refresher (the executor worker, in lock.acquire inside refresh; daemon
before 3.9).
"""
import _oracle; _oracle.arm()

import asyncio
import threading

cache_lock = threading.Lock()
cache = {}


def refresh(key):
    threading.current_thread().name = "refresher"      # the executor's names differ across versions
    with cache_lock:                    # the loop thread holds it: waits forever
        cache[key] = key.upper()


async def lookup(loop, key):
    with cache_lock:
        if key not in cache:
            _oracle.ready_when_loop_idle(loop)
            await loop.run_in_executor(None, refresh, key)
        return cache[key]


async def main(loop):
    return await loop.create_task(lookup(loop, "config"))


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
