"""expect: asyncio-task-deadlock
python: >=3.6
A coroutine takes a threading.Lock that guards a cache (a plain `with`, so
the loop thread holds it) and, still inside the block, awaits
loop.run_in_executor() of a refresh job that takes the same lock in the
executor's worker thread: the worker waits for the lock, the task waits
for the worker's job, and the loop, idle, never gets the lock back.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once),
refresher_0 (the executor worker, named when it is created so the
oracle's thread table and the core agree; in lock.acquire inside refresh;
daemon before 3.9).
"""
import _oracle; _oracle.arm()

import asyncio
import concurrent.futures
import threading

cache_lock = threading.Lock()
cache = {}
# the default executor's thread names differ across versions; a name given
# at creation is in place before the thread runs (renaming it from inside
# raced the oracle's snapshot on slow builds)
refreshers = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresher")


def refresh(key):
    with cache_lock:                    # the loop thread holds it: waits forever
        cache[key] = key.upper()


async def lookup(loop, key):
    with cache_lock:
        if key not in cache:
            _oracle.ready_when_loop_idle(loop)
            await loop.run_in_executor(refreshers, refresh, key)
        return cache[key]


async def main(loop):
    return await loop.create_task(lookup(loop, "config"))


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
